"""Train a fresh off-topic head on a trained model's frozen scoring embeddings, and calibrate it.

    python training/refit_off_topic_head.py runs/s3/best --out runs/s3b/best

For a change of the off-topic head's inputs (modclf.model.OFF_TOPIC_INTERACTION_FEATURES) without
training the scoring layer again: everything else of the model (encoder, scoring layer, incitement
head and its calibration, segmentation) is kept. The pairs are the built-in off-topic training pairs;
shared-layer states come from the training config's state cache.
"""

from __future__ import annotations

import argparse
import logging
import random
import shutil
import sys
from pathlib import Path

import torch
from torch import nn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="a trained model folder with the 'interaction' off-topic head")
    parser.add_argument("--out", type=Path, required=True, help="where the model with the new head goes")
    parser.add_argument("--epochs", type=int, default=20, help="passes over the training pairs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    from modclf import model as definition
    from modclf.config import load_config
    from modclf.model import OFF_TOPIC_INTERACTION_FEATURES, load_model, save_model
    from modclf.training.scoring import (
        StateCache,
        bank_articles,
        calibrate_scoring,
        refresh_off_topic_bank,
        text_key,
    )
    from modclf.training.sources.comments import build_scoring_data
    from modclf.training.train import TrainConfig

    config = load_config(TrainConfig, args.model / "training_config.yaml")
    torch.manual_seed(args.seed)
    model, tokenizer = _load_with_any_head(args.model, definition, load_model)
    model.off_topic_head = nn.Sequential(nn.Linear(OFF_TOPIC_INTERACTION_FEATURES, 16), nn.GELU(), nn.Linear(16, 1))
    examples = build_scoring_data(config.data_dir, seed=config.seed)
    pairs = {split: [ex for ex in examples if ex.split == split and ex.article and ex.off_topic is not None]
             for split in ("train", "dev")}
    cache = StateCache(model, tokenizer, config.scoring_max_tokens, config.cache_dir)
    cache.add_texts([ex.text for split in pairs.values() for ex in split])
    cache.add_articles([ex.article for split in pairs.values() for ex in split])
    refresh_off_topic_bank(model, cache, bank_articles(pairs["train"], model.config.off_topic_bank_size, config.seed))
    with torch.no_grad():
        articles = cache.article_embeddings([ex.article for ex in pairs["train"]])
        train = pairs["train"]
        comments = torch.cat([cache.text_embeddings([ex.text for ex in train[i : i + 256]]) for i in range(0, len(train), 256)])
        article_rows = torch.stack([articles[text_key(ex.article)] for ex in train])
        targets = torch.tensor([float(ex.off_topic) for ex in train])
    head = model.off_topic_head
    optimizer = torch.optim.AdamW(head.parameters(), lr=config.scoring_head_lr, weight_decay=0.01)
    rng = random.Random(args.seed)
    order = list(range(len(train)))
    for epoch in range(args.epochs):
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), 64):
            index = order[start : start + 64]
            loss = nn.functional.binary_cross_entropy_with_logits(
                model.off_topic_logits(comments[index], article_rows[index]), targets[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        logging.info("epoch %d: loss %.4f", epoch + 1, total / len(order))
    model.eval()
    incitement = list(model.config.calibration["incitement"])  # the dev pairs have no incitement labels
    calibration = calibrate_scoring(model, cache, pairs["dev"])
    model.config.calibration["incitement"] = incitement
    logging.info("off-topic calibration: %s", calibration.get("off_topic"))
    save_model(model, tokenizer, args.out, dtype=torch.float32)
    shutil.copy(args.model / "training_config.yaml", args.out / "training_config.yaml")
    return 0


def _load_with_any_head(folder: Path, definition, load_model):
    """Load a model whose off-topic head has another number of inputs than this definition's (the
    head is replaced right after): the input count is read off the saved weights."""
    from safetensors import safe_open

    with safe_open(str(folder / definition.WEIGHTS_FILE), framework="pt") as f:
        inputs = f.get_slice("off_topic_head.0.weight").get_shape()[1]
    current = definition.OFF_TOPIC_INTERACTION_FEATURES
    definition.OFF_TOPIC_INTERACTION_FEATURES = inputs
    try:
        return load_model(folder)
    finally:
        definition.OFF_TOPIC_INTERACTION_FEATURES = current


if __name__ == "__main__":
    sys.exit(main())
