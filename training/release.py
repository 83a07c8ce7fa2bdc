"""Turn a training run's best/ folder into a released model under models/ (fp16, model card).

    python training/release.py runs/modclf-base/best models/modclf-base \
        --metrics runs/eval_segmentation.json --sources dragnet readability cleaneval sfu synthetic
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from modclf import ModClf
from modclf.card import write_model_card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_folder", type=Path, help="a model folder written by training (e.g. runs/x/best)")
    parser.add_argument("release_folder", type=Path, help="where the released model goes (e.g. models/modclf-base)")
    parser.add_argument("--metrics", type=Path, action="append", default=[], help="JSON metrics file(s) for the card")
    parser.add_argument("--sources", nargs="+", required=True, help="training sources (names in modclf.card.SOURCES)")
    parser.add_argument("--notes", type=Path, default=None, help="a Markdown file of release notes for the card")
    args = parser.parse_args()

    clf = ModClf.from_pretrained(args.run_folder)
    if args.release_folder.exists():
        shutil.rmtree(args.release_folder)
    clf.save_pretrained(args.release_folder)  # fp16 safetensors, no optimizer state
    for name in ("training_config.yaml",):
        for candidate in (args.run_folder / name, args.run_folder.parent / name):
            if candidate.exists():
                shutil.copy(candidate, args.release_folder / name)
                break
    metrics: dict = {}
    for path in args.metrics:
        metrics[path.stem] = json.loads(path.read_text())
    notes = args.notes.read_text() if args.notes else ""
    card = write_model_card(args.release_folder, args.sources, metrics, notes)
    print(f"released {clf.model_id} to {args.release_folder} ({card})")


if __name__ == "__main__":
    main()
