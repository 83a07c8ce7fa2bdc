"""training/evaluate_segmentation.py on the tiny model: its numbers and its error dump agree."""

from __future__ import annotations

import io
import json

from conftest import load_training_script

from modclf.pages import text_blocks
from modclf.training.sources.types import LabeledPage


def _page(i: int) -> LabeledPage:
    lines = [("Home", "boilerplate", None), (f"Story {i}: the council approved the bridge.", "body", None),
             ("Residents welcomed the plan.", "body", None), ("Reply", "boilerplate", None),
             ("I think this is wrong.", "comment", 0), ("Great article!", "comment", 1)]
    raw = "\n".join(t for t, _, _ in lines)
    return LabeledPage(id=f"t/{i}", source="synthetic", group=str(i), format="text", blocks=text_blocks(raw),
                       labels=[label for _, label, _ in lines], comment_index=[c for _, _, c in lines],
                       boundaries_known=True, raw=raw)


def test_error_dump_lists_exactly_the_mislabelled_lines(tiny_clf):
    evaluate = load_training_script("evaluate_segmentation").evaluate
    pages = [_page(i) for i in range(3)]
    errors = io.StringIO()
    result = evaluate(tiny_clf, pages, with_trafilatura=False, errors=errors)
    dumped = [json.loads(line) for line in errors.getvalue().splitlines()]
    predicted = [[line.label for line in tiny_clf.segment(p.raw).lines] for p in pages]
    wrong = [(p.id, i) for p, labels in zip(pages, predicted) for i, (g, x) in enumerate(zip(p.labels, labels)) if g != x]
    assert [(d["page"], d["line"]) for d in dumped] == wrong
    assert all(d["gold"] != d["predicted"] and d["source"] == "synthetic" for d in dumped)
    assert result["pages"] == 3
    assert sum(m["support"] for m in result["lines"].values()) == 18


def test_trafilatura_baseline_extracts_the_article():
    # The release gate's token-F1 baseline: an import that breaks (lxml.html.clean moved out of lxml)
    # would only show up an hour into a gate run.
    trafilatura_texts = load_training_script("evaluate_segmentation").trafilatura_texts
    paragraphs = "".join(f"<p>The council approved the new bridge over the river, paragraph {i}.</p>" for i in range(8))
    html = f"<html><body><nav>Home | Sport</nav><article><h1>Bridge approved</h1>{paragraphs}</article></body></html>"
    with_comments, without = trafilatura_texts(html)
    assert "council approved the new bridge" in without
    assert "Home | Sport" not in without
