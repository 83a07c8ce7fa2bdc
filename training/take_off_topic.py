"""Give a trained model the off-topic scoring of another (the released) model, keeping its incitement.

    python training/take_off_topic.py runs/X/best --reference models/modclf-base --out runs/X-t/best

The step that `off_topic_from_anchor: true` runs at the end of training, for a model already trained
with `topic_map: true` (six own scoring layers, say): its topic map is fitted by least squares from
the model's embeddings of the training comments and article chunks to the reference's, and the
reference's off-topic head is taken over (modclf.training.scoring.take_off_topic), and off-topic is
recalibrated on the dev split, as training does. The scoring layers, the incitement head and its
calibration stay as they are. Writes a model folder
with the training config it came with (plus the two settings) and the fit's cosine in
`dev_metrics.json`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from pathlib import Path

import torch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="a model folder trained with topic_map: true")
    parser.add_argument("--reference", type=Path, default=Path("models/modclf-base"), help="whose off-topic to take over")
    parser.add_argument("--out", type=Path, required=True, help="where the new model folder goes")
    parser.add_argument("--data-dir", default=None, help="default: the model's training config, else ../shared/data")
    parser.add_argument("--ridge", type=float, default=1e-3, help="least-squares ridge, per row (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from modclf.config import load_config, to_yaml
    from modclf.model import load_model, save_model
    from modclf.training.scoring import StateCache, bank_articles, calibrate_scoring, take_off_topic, text_key
    from modclf.training.train import TrainConfig, scoring_examples

    if args.out.resolve() == args.model.resolve():
        raise SystemExit("--out must differ from the model folder")
    config_path = args.model / "training_config.yaml"
    config = load_config(TrainConfig, config_path) if config_path.exists() else TrainConfig()
    config = dataclasses.replace(config, anchor_to=str(args.reference), off_topic_from_anchor=True,
                                 data_dir=args.data_dir or config.data_dir)
    model, tokenizer = load_model(args.model)
    reference, _ = load_model(args.reference)
    train, dev = scoring_examples(config)
    articles = list(dict.fromkeys(ex.article for ex in train if ex.article))
    cache = StateCache(model, tokenizer, config.scoring_max_tokens, config.cache_dir)
    cache.add_texts([ex.text for ex in train + dev])
    cache.add_articles(articles + [ex.article for ex in dev if ex.article])
    keys = [text_key(ex.text) for ex in train] + [k for a in articles for k in cache.article_rows[text_key(a)]]
    fit = take_off_topic(model, reference, cache, keys, bank_articles(train, model.config.off_topic_bank_size, config.seed),
                         args.ridge)
    calibration = calibrate_scoring(model, cache, dev, ("off_topic",), keep_without_labels=("off_topic",))
    save_model(model, tokenizer, args.out, dtype=torch.float32)
    (args.out / "training_config.yaml").write_text(to_yaml(config))
    metrics_path = args.model / "dev_metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    metrics.setdefault("calibration", {}).update(calibration)
    metrics["calibration"]["off_topic_taken_over"] = {"from": f"{reference.config.name} {reference.config.version}", **fit}
    (args.out / "dev_metrics.json").write_text(json.dumps(metrics, indent=2, default=float))
    print(f"wrote {args.out} (topic map fit: mean cosine {fit['mean_cosine']:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
