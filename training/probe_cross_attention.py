"""Off-topic from the comment's tokens attending to its article's cached token states: a probe.

    python training/probe_cross_attention.py --reference models/modclf-base [--epochs 6] [--out runs/xattn]

A cross-encoder reading comment and article lead together reaches 0.81-0.83 SemEval dev, but costs
1.3-2.5x the comment pass (docs/scoring.md). This measures the cheap form the issue names: the
reference model's own scoring-path token states of the comment (computed anyway) and of the
article (computed once per article, as its embedding is now) meet in one trained cross-attention
block; the comment's tokens query the article's, and a small head reads the pooled result with the
reference's similarity-head logit (its off-topic logit without a reader of its own). `--layers k`
reads the token states after the scoring path's first k layers instead of its last. The scoring
path is frozen, so incitement cannot move. Dev ROC-AUC per source (never the test split), with a
95% paired bootstrap interval against the reference.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from probe_cross_encoder import SOURCES, interval_against, probe_pairs  # noqa: E402


class CrossAttentionHead(nn.Module):
    """Comment tokens attend to article tokens (one block), pooled, plus the reference logit."""

    def __init__(self, hidden: int, width: int, heads: int, dropout: float, comment_slots: int = 0, article_slots: int = 0):
        super().__init__()
        self.comment_in = nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, width))
        self.article_in = nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, width))
        # Slots: a fixed number of learned queries pool a text's tokens first (a fixed-size summary an
        # engine can cache like an embedding); 0 = the tokens themselves.
        self.comment_pool = Slots(width, heads, comment_slots) if comment_slots else None
        self.article_pool = Slots(width, heads, article_slots) if article_slots else None
        self.attention = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.ffn = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width))
        # Per comment token: how well the article answers it (cosine of the token to what it read).
        self.out = nn.Sequential(nn.Linear(width + 2, 64), nn.GELU(), nn.Dropout(dropout), nn.Linear(64, 1))

    def forward(self, comment, comment_mask, article, article_mask, reference):
        q = self.comment_in(comment)
        kv = self.article_in(article)
        if self.comment_pool is not None:
            q, comment_mask = self.comment_pool(q, comment_mask)
        if self.article_pool is not None:
            kv, article_mask = self.article_pool(kv, article_mask)
        read, _ = self.attention(q, kv, kv, key_padding_mask=article_mask == 0, need_weights=False)
        x = q + read
        x = x + self.ffn(x)
        m = comment_mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1)
        match = nn.functional.cosine_similarity(q, read, dim=-1)
        match = (match * comment_mask).sum(1) / comment_mask.sum(1).clamp(min=1)
        return self.out(torch.cat([pooled, match.unsqueeze(-1), reference.unsqueeze(-1)], dim=-1)).squeeze(-1)


class Slots(nn.Module):
    """k learned queries attend over a text's tokens: a (k, width) summary of any length of text."""

    def __init__(self, width: int, heads: int, k: int):
        super().__init__()
        self.queries = nn.Parameter(torch.randn(k, width) * width**-0.5)
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True)

    def forward(self, tokens, mask):
        queries = self.queries.expand(tokens.shape[0], -1, -1)
        slots, _ = self.attention(queries, tokens, tokens, key_padding_mask=mask == 0, need_weights=False)
        return slots, torch.ones(slots.shape[:2], dtype=mask.dtype)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, default=Path("models/modclf-base"))
    parser.add_argument("--data-dir", default=None, help="default: $MODCLF_DATA_DIR or ../shared/data")
    parser.add_argument("--cache-dir", default="runs/cache", help="shared-layer state cache (as in training)")
    parser.add_argument("--comment-tokens", type=int, default=128)
    parser.add_argument("--width", type=int, default=192)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--comment-slots", type=int, default=0, help="pool the comment into k slots first (0: its tokens)")
    parser.add_argument("--article-slots", type=int, default=0, help="pool the article into k slots first (0: its tokens)")
    parser.add_argument("--layers", type=int, default=None, help="read the token states after the scoring path's first k layers (default: all)")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("runs/xattn"))
    args = parser.parse_args(argv)

    from modclf.model import load_model
    from modclf.training.reader import TopStates
    from modclf.training.scoring import StateCache, predict_logits, text_key

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    pairs, train, dev = probe_pairs(args.data_dir)

    model, tokenizer = load_model(args.reference)
    model.eval()
    cache = StateCache(model, tokenizer, args.comment_tokens, args.cache_dir)
    cache.add_texts([ex.text for ex in pairs])
    cache.add_articles([ex.article for ex in pairs])
    _, ref = predict_logits(model, cache, pairs, similarity_only=True)  # what a reader adds to
    ref = torch.tensor(ref, dtype=torch.float32)

    start = time.time()
    comment_keys = [text_key(ex.text) for ex in pairs]
    article_keys = [cache.article_rows[text_key(ex.article)] for ex in pairs]
    top_states = TopStates(model, cache, args.layers)  # the scoring path's token states, per text / article chunk
    top_states.add(comment_keys + [k for rows in article_keys for k in rows])
    top = top_states.states
    print(f"token states of {len(top)} texts and chunks in {time.time() - start:.0f}s", flush=True)

    def stack(rows: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(r.shape[0] for r in rows)
        out = torch.zeros(len(rows), width, rows[0].shape[1])
        mask = torch.zeros(len(rows), width)
        for i, r in enumerate(rows):
            out[i, : r.shape[0]] = r.float()
            mask[i, : r.shape[0]] = 1
        return out, mask

    def inputs(index: list[int]):
        comment, comment_mask = stack([top[comment_keys[i]] for i in index])
        article, article_mask = stack([torch.cat([top[k] for k in article_keys[i]]) for i in index])
        return comment, comment_mask, article, article_mask, ref[index]

    hidden = model.encoder.config.hidden_size
    head = CrossAttentionHead(hidden, args.width, args.heads, 0.1, args.comment_slots, args.article_slots)
    labels = torch.tensor([float(ex.off_topic >= 0.5) for ex in pairs])
    optimizer = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=0.01)
    steps_per_epoch = len(train) // args.batch_size

    def predict(index: list[int]) -> np.ndarray:
        head.eval()
        with torch.no_grad():
            out = torch.cat([head(*inputs(index[s : s + 128])) for s in range(0, len(index), 128)])
        head.train()
        return out.numpy()

    y = labels[dev].numpy()
    source = np.array([pairs[i].source for i in dev])
    history = []
    best = None
    for epoch in range(args.epochs):
        order = rng.sample(train, len(train))
        for step in range(steps_per_epoch):
            batch = order[step * args.batch_size : (step + 1) * args.batch_size]
            loss = nn.functional.binary_cross_entropy_with_logits(head(*inputs(batch)), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scores = predict(dev)
        auc = {s: round(float(roc(y[source == s], scores[source == s])), 4) for s in SOURCES}
        history.append(auc)
        print(f"epoch {epoch + 1}: dev {auc} loss {loss.item():.3f} {time.time() - start:.0f}s", flush=True)
        if best is None or sum(auc.values()) > sum(best[0].values()):
            best = (auc, scores, epoch + 1)

    args.out.mkdir(parents=True, exist_ok=True)
    group = np.array([pairs[i].group for i in dev])
    np.savez(args.out / "dev_scores.npz", source=source, group=group, label=y, reference=ref[dev].numpy(), xattn=best[1])
    results = {"reference": {s: round(float(roc(y[source == s], ref[dev].numpy()[source == s])), 4) for s in SOURCES},
               "xattn (best epoch)": best[0], "best_epoch": best[2], "history": history}
    results["xattn minus reference, 95% interval"] = interval_against(best[1], ref[dev].numpy(), y, source, group)
    results["args"] = {k: str(v) for k, v in vars(args).items()}
    (args.out / "run.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


def roc(y, s) -> float:
    from sklearn.metrics import roc_auc_score

    return roc_auc_score(y, s)


if __name__ == "__main__":
    sys.exit(main())
