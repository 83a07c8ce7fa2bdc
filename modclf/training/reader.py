"""Training the off-topic reader (modclf.model.OffTopicReader) on a frozen scoring path.

Only the reader trains: the scoring layers, both heads and their calibration stay as they are, so
incitement cannot move and the similarity head the reader reads stays the one that was measured.
The scoring path's token states are computed once per distinct text and article chunk; each epoch
then costs a few cheap attention layers. The epoch kept is the one with the best mean dev ROC-AUC
over the off-topic sources (dev also fits the calibration afterwards, as for the rest of scoring).
"""

from __future__ import annotations

import logging
import random
import time

import numpy as np
import torch
from torch import nn

from modclf.config import ConfigError
from modclf.score import mean_by_owner
from modclf.training.scoring import StateCache, predict_logits, text_key

logger = logging.getLogger(__name__)


def off_topic_pairs(examples) -> list:
    """The examples that train or judge off-topic: a label and an article."""
    return [ex for ex in examples if ex.article and ex.off_topic is not None]


class TopStates:
    """The frozen scoring path's token states (fp16, CPU) of cached texts and article chunks: after its
    last layer, or after its first `layers` (a probe's choice)."""

    def __init__(self, model, cache: StateCache, layers: int | None = None):
        self.model, self.cache = model, cache
        self.top = model.score_top if layers is None else model.score_top[:layers]
        self.states: dict[str, torch.Tensor] = {}

    def add(self, keys: list[str], batch_size: int = 64) -> None:
        todo = sorted((k for k in dict.fromkeys(keys) if k not in self.states), key=lambda k: self.cache.states[k].shape[0])
        self.model.eval()
        with torch.inference_mode():
            for start in range(0, len(todo), batch_size):
                chunk = todo[start : start + batch_size]
                states, mask, _ = self.cache.batch(chunk)
                top = self.model.top_states(self.top, states, mask)
                for key, row, n in zip(chunk, top, mask.sum(1).tolist()):
                    self.states[key] = row[:n].to("cpu", torch.float16).clone()

    def batch(self, keys: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        rows = [self.states[k] for k in keys]
        width = max(r.shape[0] for r in rows)
        states = torch.zeros(len(rows), width, rows[0].shape[1])
        mask = torch.zeros(len(rows), width, dtype=torch.long)
        for i, row in enumerate(rows):
            states[i, : row.shape[0]] = row.float()
            mask[i, : row.shape[0]] = 1
        device = self.cache.device
        return states.to(device), mask.to(device)


def _slots(reader, top: TopStates, comment_keys: list[str], chunk_keys: list[list[str]]):
    """(comment slots, article slots): an article's are the mean of its chunks', as at inference."""
    comment = reader.slot_states(*top.batch(comment_keys))
    chunks = reader.slot_states(*top.batch([k for keys in chunk_keys for k in keys]))
    owner = [i for i, keys in enumerate(chunk_keys) for _ in keys]
    return comment, mean_by_owner(chunks, owner, len(chunk_keys))


def train_off_topic_reader(model, cache: StateCache, train, dev, config, rng: random.Random | None = None) -> dict:
    """Train the model's off-topic reader in place; returns dev ROC-AUC per source and epoch."""
    from sklearn.metrics import roc_auc_score

    reader = model.off_topic_reader
    if reader is None:
        raise ConfigError("the model has no off-topic reader: set reader_width (e.g. 192) to add one")
    train, dev = off_topic_pairs(train), off_topic_pairs(dev)
    if not train:
        raise ConfigError("no off-topic training pairs (examples with an article and an off_topic label)")
    rng = rng or random.Random(0)
    started = time.time()
    everything = train + dev
    cache.add_texts([ex.text for ex in everything])
    cache.add_articles([ex.article for ex in everything])
    similarity = {}
    for split, items in (("train", train), ("dev", dev)):
        similarity[split] = torch.tensor(predict_logits(model, cache, items, similarity_only=True)[1], dtype=torch.float32)
    top = TopStates(model, cache, model.reader_depth)
    comment_keys = {split: [text_key(ex.text) for ex in items] for split, items in (("train", train), ("dev", dev))}
    chunk_keys = {split: [cache.article_rows[text_key(ex.article)] for ex in items] for split, items in (("train", train), ("dev", dev))}
    top.add([k for keys in comment_keys.values() for k in keys] + [k for rows in chunk_keys.values() for r in rows for k in r])
    logger.info("reader: scoring-path states of %d texts and chunks in %.0f s", len(top.states), time.time() - started)

    labels = {split: torch.tensor([float(ex.off_topic) for ex in items]) for split, items in (("train", train), ("dev", dev))}
    sources = np.array([ex.source for ex in dev])

    def logits(split: str, index: list[int]) -> torch.Tensor:
        c, a = _slots(reader, top, [comment_keys[split][i] for i in index], [chunk_keys[split][i] for i in index])
        return reader(c, a, similarity[split][index].to(c.device))

    def dev_auc() -> dict[str, float]:
        reader.eval()
        with torch.no_grad():
            scores = torch.cat([logits("dev", list(range(s, min(s + 256, len(dev))))) for s in range(0, len(dev), 256)]).cpu().numpy()
        reader.train()
        y = labels["dev"].numpy() >= 0.5
        return {str(s): float(roc_auc_score(y[sources == s], scores[sources == s]))
                for s in sorted(set(sources)) if len(set(y[sources == s])) == 2}

    for p in model.parameters():
        p.requires_grad_(False)
    for p in reader.parameters():
        p.requires_grad_(True)
    optimizer = torch.optim.AdamW(reader.parameters(), lr=config.reader_lr, weight_decay=0.01)
    steps_per_epoch = max(1, len(train) // config.reader_batch)
    total = steps_per_epoch * config.reader_epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / total))
    history, best = [], None
    reader.train()
    for epoch in range(config.reader_epochs):
        order = rng.sample(range(len(train)), len(train))
        for step in range(steps_per_epoch):
            index = order[step * config.reader_batch : (step + 1) * config.reader_batch]
            target = labels["train"][index].to(cache.device)
            loss = nn.functional.binary_cross_entropy_with_logits(logits("train", index), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        auc = dev_auc() if dev else {}
        history.append({"epoch": epoch + 1, "dev_roc_auc": auc})
        logger.info("reader epoch %d: dev ROC-AUC %s (%.0f s)", epoch + 1, {k: round(v, 4) for k, v in auc.items()}, time.time() - started)
        mean = float(np.mean(list(auc.values()))) if auc else float(epoch)  # no dev labels: the last epoch
        if best is None or mean > best[0]:
            best = (mean, epoch + 1, {k: v.detach().clone() for k, v in reader.state_dict().items()})
    reader.load_state_dict(best[2])
    reader.eval()
    for p in model.parameters():
        p.requires_grad_(True)
    return {"best_epoch": best[1], "history": history, "seconds": round(time.time() - started)}
