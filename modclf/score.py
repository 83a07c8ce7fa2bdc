"""Comment scoring: calibrated incitement and off-topic probabilities.

An article is embedded once (mean of up to `max_article_chunks` chunk embeddings) and reused for
all of its comments, so scoring N comments costs N comment encodings plus one article encoding.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch

from modclf.encode import CHARS_PER_TOKEN_BUDGET, embed_texts, embed_token_rows
from modclf.errors import InputError

LABELS = ("incitement", "off_topic")
OFF_TOPIC_BATCH = 512  # comment/article pairs per off-topic call


@dataclass
class Score:
    """Calibrated probabilities for one comment; off_topic is None when it had no article.

    `decision` and `reasons` are set by ModClf.moderate (a moderation policy applied to the scores).

    `spans` (when asked for) holds each sentence's own incitement probability, so a moderator sees
    which sentence drove the score: [{"begin", "end", "incitement"}] in character offsets.
    """

    incitement: float
    off_topic: float | None
    spans: list[dict] | None = None
    decision: str | None = None  # "allow" | "review" | "remove", from ModClf.moderate
    reasons: list[str] | None = None  # the labels behind the decision

    def as_dict(self) -> dict:
        out = {"incitement": self.incitement, "off_topic": self.off_topic}
        for name in ("spans", "decision", "reasons"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out


# A sentence ends at . ! ? or … (with closing quotes or brackets) before white space, or at a line break.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?\u2026])[\"'\u201d\u2019)\]]*\s+|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(begin, end) character offsets of the sentences of a comment, white space trimmed."""
    spans = []
    start = 0
    for match in [*_SENTENCE_BREAK.finditer(text), None]:
        end = len(text) if match is None else match.start()
        if match is not None:
            end += len(match.group(0)) - len(match.group(0).lstrip("\"'\u201d\u2019)]"))
        piece = text[start:end]
        if piece.strip():
            begin = start + len(piece) - len(piece.lstrip())
            spans.append((begin, start + len(piece.rstrip())))
        if match is not None:
            start = match.end()
    return spans


def calibrate(logits: torch.Tensor, params) -> torch.Tensor:
    """p = sigmoid(logit / temperature + bias), the Platt scaling fitted on a validation split."""
    temperature, bias = params
    return torch.sigmoid(logits.float() / temperature + bias)


def article_chunk_rows(tokenizer, article: str, chunk_tokens: int, max_chunks: int) -> list[list[int]]:
    """Token rows of an article's first `max_chunks` chunks, each with the special tokens."""
    budget = chunk_tokens * max_chunks
    ids = tokenizer(article[: budget * CHARS_PER_TOKEN_BUDGET], add_special_tokens=False, truncation=True, max_length=budget)[
        "input_ids"
    ]
    body = chunk_tokens - 2
    chunks = [ids[i : i + body] for i in range(0, len(ids), body)][:max_chunks] or [[]]
    return [[tokenizer.cls_token_id, *chunk, tokenizer.sep_token_id] for chunk in chunks]


def embed_articles(model, tokenizer, articles: list[str], precision: str = "fp32") -> torch.Tensor:
    """(n, hidden) article embeddings on the scoring path: the mean of each article's chunks."""
    config = model.config
    rows, owner = [], []
    for i, article in enumerate(articles):
        for row in article_chunk_rows(tokenizer, article, config.article_chunk_tokens, config.max_article_chunks):
            rows.append(row)
            owner.append(i)
    with torch.inference_mode():
        chunk_emb = embed_token_rows(model, rows, tokenizer.pad_token_id, precision=precision, embed_fn=model.score_embed)
    return mean_by_owner(chunk_emb, owner, len(articles))


def mean_by_owner(rows: torch.Tensor, owner: list[int], n: int) -> torch.Tensor:
    """(n, width): the mean of the rows each of n owners has (an article's chunks); zeros for none."""
    index = torch.tensor(owner, dtype=torch.long, device=rows.device)
    out = torch.zeros((n, rows.shape[1]), dtype=rows.dtype, device=rows.device).index_add_(0, index, rows)
    counts = torch.zeros(n, dtype=rows.dtype, device=rows.device).index_add_(0, index, torch.ones_like(index, dtype=rows.dtype))
    return out / counts.clamp(min=1).unsqueeze(1)


def embed_comments(model, tokenizer, comments: list[str], precision: str = "fp32") -> torch.Tensor:
    """(n, hidden) comment embeddings on the scoring path; identical comments encoded once."""
    return embed_texts(
        model, tokenizer, comments, model.config.max_comment_tokens, precision, embed_fn=model.score_embed
    )


def score_comments(
    model, tokenizer, comments: list[str], article_emb: list[torch.Tensor | None], precision: str = "fp32",
    spans: bool | list[bool] = False,
) -> list[Score]:
    """Scores for comments against their article embeddings; with `spans` (for all comments, or a
    flag per comment), each sentence is scored too, in the same length-sorted batches as the
    comments (not one call per sentence)."""
    wanted = spans if isinstance(spans, list) else [spans] * len(comments)
    offsets = [sentence_spans(c) if want else None for c, want in zip(comments, wanted)]
    pieces = [c[b:e] for c, spans_of in zip(comments, offsets) for b, e in spans_of or ()]
    emb = embed_comments(model, tokenizer, comments + pieces, precision)
    scores = scores_from_embeddings(model, emb[: len(comments)], article_emb)
    if pieces:
        piece_scores = iter(scores_from_embeddings(model, emb[len(comments):], [None] * len(pieces)))
        for score, spans_of in zip(scores, offsets):
            if spans_of is not None:
                score.spans = [{"begin": b, "end": e, "incitement": next(piece_scores).incitement} for b, e in spans_of]
    else:
        for score, spans_of in zip(scores, offsets):
            if spans_of is not None:
                score.spans = []
    return scores


def check_comments(comments: list) -> None:
    for i, comment in enumerate(comments):
        if not isinstance(comment, str):
            raise InputError(f"comment {i}: expected a string, got {type(comment).__name__}")
        if not comment.strip():
            raise InputError(f"comment {i}: empty text; there is nothing to score")


def scores_from_embeddings(model, comment_emb: torch.Tensor, article_emb: list[torch.Tensor | None]) -> list[Score]:
    """Scores for comment embeddings, each against its article embedding (None: no article)."""
    calibration = model.config.calibration
    with torch.inference_mode():
        incitement = calibrate(model.incitement_logits(comment_emb), calibration["incitement"]).tolist()
        has_article = [i for i, a in enumerate(article_emb) if a is not None]
        off_topic: list[float | None] = [None] * len(article_emb)
        # In slices: the off-topic reader's activations for a whole 4,096-comment window would
        # take about 200 MiB at once (docs/benchmarks.md).
        for start in range(0, len(has_article), OFF_TOPIC_BATCH):
            rows = has_article[start : start + OFF_TOPIC_BATCH]
            articles = torch.stack([article_emb[i] for i in rows])
            logits = model.off_topic_logits(comment_emb[torch.tensor(rows, dtype=torch.long)], articles)
            for i, p in zip(rows, calibrate(logits, calibration["off_topic"]).tolist()):
                off_topic[i] = p
    return [Score(_clean(p), None if o is None else _clean(o)) for p, o in zip(incitement, off_topic)]


def unclamped_incitement(model, tokenizer, comments: list[str], precision: str = "fp32") -> torch.Tensor:
    """Calibrated incitement probabilities before the output's clamping and rounding (for checks
    that could fail: a clamped value is always in [0, 1])."""
    emb = embed_comments(model, tokenizer, comments, precision)
    with torch.inference_mode():
        return calibrate(model.incitement_logits(emb), model.config.calibration["incitement"])


def _clean(p: float) -> float:
    """A probability in [0, 1] rounded for output; NaN never escapes."""
    if math.isnan(p):
        raise RuntimeError("the model produced NaN; the model folder may be corrupt")
    return round(min(max(p, 0.0), 1.0), 6)
