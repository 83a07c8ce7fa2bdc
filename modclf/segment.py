"""Segmentation: page blocks -> body / boilerplate / comment labels, comments split one by one."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from modclf.decode import BODY, BOILERPLATE, group_comments, viterbi
from modclf.encode import embed_texts
from modclf.features import page_features
from modclf.pages import PageInput

LABELS = ("body", "boilerplate", "comment")


@dataclass
class Line:
    """One block of the page with its label and, for comment lines, its comment's index."""

    text: str
    label: str
    comment: int | None = None

    def as_dict(self) -> dict:
        return {"text": self.text, "label": self.label, "comment": self.comment}


@dataclass
class Comment:
    """One reader comment: its text (its lines joined by newlines) and the indices of those lines."""

    text: str
    lines: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"text": self.text}


@dataclass
class Page:
    """A segmented page."""

    lines: list[Line]
    comments: list[Comment]
    format: str = "text"
    warnings: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        """The editorial article: its body lines joined by newlines."""
        return "\n".join(line.text for line in self.lines if line.label == "body")

    def as_dict(self) -> dict:
        return {
            "lines": [line.as_dict() for line in self.lines],
            "body": self.body,
            "comments": [c.as_dict() for c in self.comments],
        }


def tag_log_probs(model, tokenizer, page: PageInput, precision: str = "fp32") -> np.ndarray:
    """(lines, 4) log-probabilities of the four tags for one page."""
    blocks = page.blocks
    if not blocks:
        return np.zeros((0, len(model.config.tags)), dtype=np.float32)
    embeddings = embed_texts(model, tokenizer, [b.text for b in blocks], model.config.max_line_tokens, precision)
    features = torch.from_numpy(page_features(blocks, page.format == "html", model.config.feature_dim))
    with torch.inference_mode():
        logits = model.segment_logits(embeddings.unsqueeze(0), features.unsqueeze(0))[0]
        return torch.log_softmax(logits.float(), dim=-1).numpy()


def tags_to_page(page: PageInput, tags: list[int]) -> Page:
    """Build the Page from decoded tags: labels per line and comments grouped."""
    comment_index = group_comments(tags)
    lines = []
    members: dict[int, list[int]] = {}
    for i, (block, tag, index) in enumerate(zip(page.blocks, tags, comment_index)):
        label = "body" if tag == BODY else "boilerplate" if tag == BOILERPLATE else "comment"
        lines.append(Line(block.text, label, index))
        if index is not None:
            members.setdefault(index, []).append(i)
    comments = [Comment("\n".join(lines[i].text for i in idx), idx) for _, idx in sorted(members.items())]
    return Page(lines=lines, comments=comments, format=page.format, warnings=list(page.warnings))


def segment_page(model, tokenizer, page: PageInput, precision: str = "fp32") -> Page:
    """Label and group one preprocessed page."""
    return tags_to_page(page, viterbi(tag_log_probs(model, tokenizer, page, precision)))
