"""Segmentation metrics shared by training (model selection) and training/evaluate_segmentation.py."""

from __future__ import annotations

import re
from collections import Counter

from modclf.segment import LABELS, Page

_TOKEN = re.compile(r"\w+", re.UNICODE)


def line_prf(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, dict[str, float]]:
    """Line-level precision/recall/F1 per label over pages of per-line labels."""
    counts = {label: Counter() for label in LABELS}
    for gold_page, pred_page in zip(gold, predicted):
        for g, p in zip(gold_page, pred_page):
            for label in LABELS:
                if p == label and g == label:
                    counts[label]["tp"] += 1
                elif p == label:
                    counts[label]["fp"] += 1
                elif g == label:
                    counts[label]["fn"] += 1
    result = {}
    for label, c in counts.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[label] = {"precision": precision, "recall": recall, "f1": f1, "support": c["tp"] + c["fn"]}
    return result


def comment_groups(comment_index: list[int | None]) -> set[tuple[int, ...]]:
    """The set of comments of a page, each as the tuple of its line indices."""
    groups: dict[int, list[int]] = {}
    for i, index in enumerate(comment_index):
        if index is not None:
            groups.setdefault(index, []).append(i)
    return {tuple(lines) for lines in groups.values()}


def comment_split_accuracy(gold: list[list[int | None]], predicted: list[list[int | None]]) -> dict[str, float]:
    """Exact comment boundaries: share of gold comments found exactly, and of pages fully right."""
    found = total = pages_exact = predicted_total = 0
    for gold_page, pred_page in zip(gold, predicted):
        g, p = comment_groups(gold_page), comment_groups(pred_page)
        found += len(g & p)
        total += len(g)
        predicted_total += len(p)
        pages_exact += g == p
    return {
        "comment_recall_exact": found / total if total else 0.0,
        "comment_precision_exact": found / predicted_total if predicted_total else 0.0,
        "page_exact": pages_exact / len(gold) if gold else 0.0,
        "comments": total,
        "pages": len(gold),
    }


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def token_f1(gold_text: str, predicted_text: str) -> dict[str, float]:
    """Bag-of-words precision/recall/F1 of extracted text against gold (as in the Dragnet paper)."""
    gold, pred = Counter(tokens(gold_text)), Counter(tokens(predicted_text))
    overlap = sum((gold & pred).values())
    precision = overlap / sum(pred.values()) if pred else 0.0
    recall = overlap / sum(gold.values()) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def page_texts(page: Page) -> tuple[str, str]:
    """(content-only, content+comments) text of a segmented page."""
    body = page.body
    comments = "\n".join(c.text for c in page.comments)
    return body, (body + "\n" + comments).strip()
