"""Batched text encoding: deduplicated, length-sorted, dynamically padded, input order restored."""

from __future__ import annotations

import contextlib

import torch

from modclf.model import int8_linear

# Characters kept per text before tokenising: enough for any max_tokens we use, and a 1 MB line
# costs no more than a short one.
CHARS_PER_TOKEN_BUDGET = 12


PRECISIONS = ("auto", "fp32", "bf16", "int8")


def resolve_precision(precision: str) -> str:
    """"auto" is bf16 where the CPU computes it natively (training/compare_precision.py shows it keeps
    quality), else fp32: emulated bf16 is slower than fp32."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision != "auto":
        return precision
    return "bf16" if native_bf16() else "fp32"


def choose_precision(measured: dict | None) -> tuple[str, str]:
    """(precision, why) for "auto" at inference: the fastest precision on this CPU whose quality the
    model folder measured within tolerance of fp32 (the release gate stores compare_precision
    results in metrics.json: |ΔROC-AUC| <= 0.005, line F1 within 0.002); fp32 otherwise.

    Fastest first: bf16 where the CPU computes it natively, then int8 (dynamic int8 linear maps),
    then fp32. Emulated bf16 is slower than fp32, so it is never chosen.
    """
    from modclf.model import int8_available

    order = (["bf16"] if native_bf16() else []) + ["int8"]
    passed_over = []
    for precision in order:
        result = (measured or {}).get(precision)
        if result is None:
            passed_over.append(f"{precision} not measured for this model")
        elif not result.get("within_tolerance"):
            passed_over.append(f"{precision} outside tolerance (max |ΔROC-AUC| "
                               f"{result.get('max_abs_roc_auc_delta', float('nan')):.4f})")
        elif precision == "int8" and not int8_available():
            passed_over.append("int8 not available in this torch build")
        else:
            why = (f"fastest on this CPU ({'native bf16' if native_bf16() else 'no native bf16'}) within tolerance: "
                   f"max |ΔROC-AUC| {result.get('max_abs_roc_auc_delta', 0):.4f}, "
                   f"|Δ line F1| {result.get('max_abs_line_f1_delta', 0):.4f} vs fp32")
            return precision, why + (f"; {'; '.join(passed_over)}" if passed_over else "")
    return "fp32", "; ".join(passed_over) or "fp32"


def native_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AVX512-BF16/AMX, as oneDNN reports it)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a private torch helper: absent means "don't know"
        return False


def autocast_context(precision: str):
    """bf16 autocast on CPU, or int8 linear maps in the inference forward, when asked for; else fp32.

    int8 applies to the inference forward only (eval mode, no gradients); training stays fp32.
    """
    if precision == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    if precision == "int8":
        return int8_linear()
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


# Fixed cost of one forward batch in padded-token equivalents (Python and kernel-launch overhead
# across the layers, less efficient small matmuls). An estimate: 32, 64 and 128 gave the same
# page time on training/bench_segmentation.py; 0 (one batch per length) and 256 were ~10% slower.
BATCH_OVERHEAD_TOKENS = 64


def plan_batches(
    lengths: list[int], batch_tokens: int = 4096, overhead_tokens: int = BATCH_OVERHEAD_TOKENS
) -> list[list[int]]:
    """Row indices per forward batch: similar lengths together, least padded work overall.

    Rows are sorted by length and cut into runs so that the sum over batches of
    (rows x longest row + overhead) is smallest, with no batch over `batch_tokens` padded tokens
    (a longer row gets a batch of its own). A greedy fill wastes work: one batch of lines of 5 to
    26 tokens pads every line to 26. Dynamic programming over the distinct lengths (at most
    max_tokens of them) keeps planning cheap for any number of rows.
    """
    if not lengths:
        return []
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    distinct = sorted(set(lengths))
    counts = [0] * len(distinct)
    slot = {length: k for k, length in enumerate(distinct)}
    for length in lengths:
        counts[slot[length]] += 1
    # best[k]: least cost of the rows of the k shortest distinct lengths; a run of distinct lengths
    # j..k-1 forms ceil(rows / rows_per_batch) batches padded to distinct[k-1].
    best = [0.0] + [float("inf")] * len(distinct)
    cut = [0] * (len(distinct) + 1)
    for k in range(1, len(distinct) + 1):
        width = distinct[k - 1]
        per_batch = max(1, batch_tokens // width)
        rows = 0
        for j in range(k - 1, -1, -1):
            rows += counts[j]
            n_batches = -(-rows // per_batch)
            cost = best[j] + rows * width + n_batches * overhead_tokens
            if cost < best[k]:
                best[k], cut[k] = cost, j
    runs = []
    k = len(distinct)
    while k > 0:
        runs.append((cut[k], k))
        k = cut[k]
    batches: list[list[int]] = []
    start = 0
    for j, k in reversed(runs):
        n_rows = sum(counts[j:k])
        run = order[start : start + n_rows]
        start += n_rows
        per_batch = max(1, batch_tokens // distinct[k - 1])
        n_batches = -(-len(run) // per_batch)
        size = -(-len(run) // n_batches)  # equal-sized batches rather than one full and one stub
        batches += [run[i : i + size] for i in range(0, len(run), size)]
    return batches


def embed_token_rows(
    model, rows: list[list[int]], pad_id: int, batch_tokens: int = 4096, precision: str = "fp32", embed_fn=None,
    on_batch=None,
):
    """Embeddings (n, width) float32 for token rows; batches of similar length, original order kept.

    `embed_fn(ids, mask)` picks the path: model.embed (segmentation, default: line_embedding_dim
    wide) or model.score_embed (score_embedding_dim wide). `on_batch(rows_done, rows)` after each
    forward batch (for progress).
    """
    embed_fn = embed_fn or model.embed
    width = model.line_embedding_dim if embed_fn == model.embed else model.score_embedding_dim
    out = torch.zeros((len(rows), width), dtype=torch.float32)
    done = 0
    for index in plan_batches([len(r) for r in rows], batch_tokens):
        ids, mask = pad_batch([rows[i] for i in index], pad_id)
        with autocast_context(precision):
            emb = embed_fn(ids, mask)
        out[torch.tensor(index)] = emb.float()
        done += len(index)
        if on_batch is not None:
            on_batch(done, len(rows))
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
