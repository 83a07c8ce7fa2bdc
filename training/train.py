"""Train a model from a YAML config (the same as `modclf train --config ...`).

    python training/train.py --config configs/default.yaml [--key=value ...]
"""

from __future__ import annotations

import argparse
import logging

from modclf.config import load_config
from modclf.training.train import TrainConfig, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="YAML training config (see configs/)")
    args, overrides = parser.parse_known_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = load_config(TrainConfig, args.config, overrides)
    best = train(config)
    print(f"best model: {best}")


if __name__ == "__main__":
    main()
