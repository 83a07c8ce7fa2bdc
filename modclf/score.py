"""Comment scoring: calibrated incitement and off-topic probabilities.

An article is embedded once (mean of up to `max_article_chunks` chunk embeddings) and reused for
all of its comments, so scoring N comments costs N comment encodings plus one article encoding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from modclf.encode import CHARS_PER_TOKEN_BUDGET, embed_texts, embed_token_rows
from modclf.errors import InputError

LABELS = ("incitement", "off_topic")


@dataclass
class Score:
    """Calibrated probabilities for one comment; off_topic is None when it had no article."""

    incitement: float
    off_topic: float | None

    def as_dict(self) -> dict:
        return {"incitement": self.incitement, "off_topic": self.off_topic}


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
    out = torch.zeros((len(articles), chunk_emb.shape[1]))
    counts = torch.zeros(len(articles))
    index = torch.tensor(owner, dtype=torch.long)
    out.index_add_(0, index, chunk_emb)
    counts.index_add_(0, index, torch.ones(len(owner)))
    return out / counts.clamp(min=1).unsqueeze(1)


def embed_comments(model, tokenizer, comments: list[str], precision: str = "fp32") -> torch.Tensor:
    """(n, hidden) comment embeddings on the scoring path; identical comments encoded once."""
    return embed_texts(
        model, tokenizer, comments, model.config.max_comment_tokens, precision, embed_fn=model.score_embed
    )


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
        if has_article:
            index = torch.tensor(has_article, dtype=torch.long)
            articles = torch.stack([article_emb[i] for i in has_article])
            probs = calibrate(model.off_topic_logits(comment_emb[index], articles), calibration["off_topic"]).tolist()
            for i, p in zip(has_article, probs):
                off_topic[i] = p
    return [Score(_clean(p), None if o is None else _clean(o)) for p, o in zip(incitement, off_topic)]


def _clean(p: float) -> float:
    """A probability in [0, 1] rounded for output; NaN never escapes."""
    if math.isnan(p):
        raise RuntimeError("the model produced NaN; the model folder may be corrupt")
    return round(min(max(p, 0.0), 1.0), 6)
