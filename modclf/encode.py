"""Batched text encoding: deduplicated, length-sorted, dynamically padded, input order restored."""

from __future__ import annotations

import contextlib

import torch

# Characters kept per text before tokenising: enough for any max_tokens we use, and a 1 MB line
# costs no more than a short one.
CHARS_PER_TOKEN_BUDGET = 12


def autocast_context(precision: str):
    """bf16 autocast on CPU when asked for; plain fp32 otherwise."""
    if precision == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def tokenize(tokenizer, texts: list[str], max_tokens: int) -> list[list[int]]:
    """Token ids per text, truncated to max_tokens (special tokens included)."""
    clipped = [t[: max_tokens * CHARS_PER_TOKEN_BUDGET] for t in texts]
    return tokenizer(clipped, truncation=True, max_length=max_tokens, add_special_tokens=True)["input_ids"]


def pad_batch(rows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
        mask[i, : len(row)] = 1
    return ids, mask


def embed_token_rows(
    model, rows: list[list[int]], pad_id: int, batch_tokens: int = 4096, precision: str = "fp32", embed_fn=None
):
    """Embeddings (n, hidden) float32 for token rows; batches of similar length, original order kept.

    `embed_fn(ids, mask)` picks the path: model.embed (segmentation, default) or model.score_embed.
    """
    embed_fn = embed_fn or model.embed
    hidden = model.encoder.config.hidden_size
    out = torch.zeros((len(rows), hidden), dtype=torch.float32)
    if not rows:
        return out
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
    start = 0
    while start < len(order):
        # Grow the batch while (rows x longest row) stays within the token budget.
        width = len(rows[order[start]])
        end = start + 1
        while end < len(order) and (end - start + 1) * max(width, len(rows[order[end]])) <= batch_tokens:
            width = max(width, len(rows[order[end]]))
            end += 1
        index = order[start:end]
        ids, mask = pad_batch([rows[i] for i in index], pad_id)
        with autocast_context(precision):
            emb = embed_fn(ids, mask)
        out[torch.tensor(index)] = emb.float()
        start = end
    return out


def embed_texts(
    model, tokenizer, texts: list[str], max_tokens: int, precision: str = "fp32", batch_tokens: int = 4096, embed_fn=None
):
    """Embeddings for texts; identical texts are encoded once."""
    unique = list(dict.fromkeys(texts))
    position = {t: i for i, t in enumerate(unique)}
    rows = tokenize(tokenizer, unique, max_tokens) if unique else []
    with torch.inference_mode():
        emb = embed_token_rows(model, rows, tokenizer.pad_token_id, batch_tokens, precision, embed_fn)
    if len(unique) == len(texts):
        return emb
    return emb[torch.tensor([position[t] for t in texts], dtype=torch.long)]
