"""Segmentation quality on development pages NOT used for training, next to trafilatura.

    python training/evaluate_segmentation.py [--model models/modclf-base] [--data-dir ../shared/data] [--out eval.json]
        [--errors errors.jsonl]

Prints, on the dev split (dragnet split by site, plus held-out readability / CleanEval / SFU
articles and synthetic pages built only from dev material):
- line-level precision / recall / F1 for body, comment and boilerplate (all dev pages, and per source);
- comment-splitting accuracy (exact comment boundaries) on pages whose boundaries are known;
- token-level F1 as in the Dragnet paper (bag of words, mean over pages), content-only and
  content+comments, for modclf and for trafilatura (include_comments=True) on the same HTML pages.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from modclf import ModClf
from modclf.training.metrics import comment_split_accuracy, line_prf, page_texts, token_f1
from modclf.training.quality import add_floors_arguments, report_gate, segmentation_metrics
from modclf.training.sources import resolve_data_dir
from modclf.training.sources.page_loaders import build_segmentation_data


def trafilatura_texts(html: str) -> tuple[str, str]:
    """(content-only, content+comments) as trafilatura extracts them; content-only also with comments on."""
    import trafilatura

    with_comments = trafilatura.extract(html, include_comments=True, favor_recall=False) or ""
    without = trafilatura.extract(html, include_comments=False) or ""
    return with_comments, without


def evaluate(clf: ModClf, pages, with_trafilatura: bool = True, errors=None) -> dict:
    """The numbers of the module doc; with `errors` (a writable text file), also one JSON line per
    mislabelled line (page, source, line index, text, gold and predicted label), for error analysis."""
    gold_labels, pred_labels = [], []
    per_source: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    gold_groups, pred_groups = [], []
    token_scores: dict[str, list[float]] = defaultdict(list)
    started = time.time()
    for page in pages:
        predicted = clf.segment(page.raw, fmt=page.format)
        labels = [line.label for line in predicted.lines]
        if len(labels) != len(page.labels):
            logging.warning("%s: %d predicted lines vs %d labelled; skipped", page.id, len(labels), len(page.labels))
            continue
        gold_labels.append(page.labels)
        pred_labels.append(labels)
        if errors is not None:
            for index, (gold, label) in enumerate(zip(page.labels, labels)):
                if gold != label:
                    errors.write(json.dumps({"page": page.id, "source": page.source, "line": index, "gold": gold,
                                             "predicted": label, "text": predicted.lines[index].text[:300]}) + "\n")
        per_source[page.source][0].append(page.labels)
        per_source[page.source][1].append(labels)
        if page.boundaries_known:
            gold_groups.append(page.comment_index)
            pred_groups.append([line.comment for line in predicted.lines])
        if page.format == "html" and page.gold_body is not None:
            gold_content = page.gold_body
            gold_all = (page.gold_body + "\n" + (page.gold_comments or "")).strip()
            body, everything = page_texts(predicted)
            token_scores["modclf content-only"].append(token_f1(gold_content, body)["f1"])
            token_scores["modclf content+comments"].append(token_f1(gold_all, everything)["f1"])
            if with_trafilatura:
                traf_with, traf_without = trafilatura_texts(page.raw)
                token_scores["trafilatura(include_comments=True) content-only"].append(token_f1(gold_content, traf_with)["f1"])
                token_scores["trafilatura(include_comments=True) content+comments"].append(token_f1(gold_all, traf_with)["f1"])
                token_scores["trafilatura(include_comments=False) content-only"].append(token_f1(gold_content, traf_without)["f1"])
    return {
        "pages": len(gold_labels),
        "seconds": round(time.time() - started, 1),
        "lines": line_prf(gold_labels, pred_labels),
        "lines_by_source": {source: line_prf(g, p) for source, (g, p) in sorted(per_source.items())},
        "comment_split": comment_split_accuracy(gold_groups, pred_groups),
        "token_f1": {name: {"mean_f1": statistics.fmean(v), "pages": len(v)} for name, v in token_scores.items()},
        "confusion": confusion_matrix(gold_labels, pred_labels),
    }


CONFUSION_LABELS = ["body", "boilerplate", "comment"]


def confusion_matrix(gold_pages: list[list[str]], pred_pages: list[list[str]]) -> dict:
    """Line counts by (gold, predicted) label over all pages."""
    index = {label: i for i, label in enumerate(CONFUSION_LABELS)}
    matrix = [[0] * len(CONFUSION_LABELS) for _ in CONFUSION_LABELS]
    for gold, pred in zip(gold_pages, pred_pages):
        for g, p in zip(gold, pred):
            matrix[index[g]][index[p]] += 1
    return {"labels": CONFUSION_LABELS, "matrix": matrix}


def print_report(result: dict) -> None:
    print(f"dev pages: {result['pages']} ({result['seconds']} s)")
    print("\nline-level (all dev pages)")
    print(f"{'label':<12} {'P':>6} {'R':>6} {'F1':>6} {'lines':>7}")
    for label, m in result["lines"].items():
        print(f"{label:<12} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['support']:7d}")
    print("\nline F1 by source      body  comment  boilerplate")
    for source, metrics in result["lines_by_source"].items():
        print(f"{source:<20} {metrics['body']['f1']:6.3f} {metrics['comment']['f1']:8.3f} {metrics['boilerplate']['f1']:12.3f}")
    split = result["comment_split"]
    print(
        f"\ncomment splitting ({split['pages']} pages with known boundaries, {split['comments']} comments): "
        f"exact-comment recall {split['comment_recall_exact']:.3f}, precision {split['comment_precision_exact']:.3f}, "
        f"pages fully right {split['page_exact']:.3f}"
    )
    print("\ntoken-level F1 (Dragnet paper; mean over HTML dev pages with gold text)")
    for name, m in result["token_f1"].items():
        print(f"{name:<55} {m['mean_f1']:.3f}  ({m['pages']} pages)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model folder (default: the released model)")
    parser.add_argument("--data-dir", default=None, help="data directory (default: $MODCLF_DATA_DIR or ../shared/data)")
    parser.add_argument("--no-trafilatura", action="store_true", help="skip the trafilatura baseline")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "int8"])
    parser.add_argument("--out", type=Path, default=None, help="also write the numbers as JSON here")
    parser.add_argument("--errors", type=Path, default=None, help="write every mislabelled line here (JSON Lines)")
    parser.add_argument("--report", type=Path, default=None, help="write PNG plots here (line confusion matrix)")
    add_floors_arguments(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    clf = ModClf.from_pretrained(args.model, precision=args.precision)
    dev = build_segmentation_data(args.data_dir)["dev"]
    if args.errors:
        args.errors.parent.mkdir(parents=True, exist_ok=True)
    with open(args.errors, "w", encoding="utf-8") if args.errors else contextlib.nullcontext() as errors:
        result = evaluate(clf, dev, with_trafilatura=not args.no_trafilatura, errors=errors)
    result["model"] = clf.model_id
    print_report(result)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2, default=float) + "\n")
    if args.report:
        from modclf.training import plots

        confusion = result["confusion"]
        path = plots.confusion(args.report / "segmentation_confusion.png",
                               f"{clf.model_id}: line labels, {result['pages']} dev pages",
                               confusion["labels"], confusion["matrix"])
        print(f"\nplot: {path}")
    if not args.no_floors:
        status = report_gate(
            "segmentation", segmentation_metrics(result), resolve_data_dir(args.data_dir), args.floors
        )
        sys.exit(status)


if __name__ == "__main__":
    main()
