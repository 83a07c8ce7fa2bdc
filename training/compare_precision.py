"""Does reduced precision keep quality? Scoring ROC-AUC and segmentation line F1 in fp32 and bf16 (or int8).

    python training/compare_precision.py [--model models/modclf-base] [--data_dir ../shared/data]
                                         [--against bf16|int8] [--seg-pages 150] [--out runs/precision.json]

Every test-split example of modclf.training.sources.comments.build_scoring_data is scored in each precision
(comments against their article where they have one) and ROC-AUC is computed per label, overall
and per source. A sample of segmentation dev pages is segmented in each precision: line F1 per
label and the share of lines whose label changed. A reduced precision may be a default only if
every |delta| is within 0.005.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from modclf import ModClf
from modclf.score import embed_articles, embed_comments, scores_from_embeddings
from modclf.training.metrics import line_prf
from modclf.training.sources.comments import build_scoring_data
from modclf.training.sources.page_loaders import build_segmentation_data

TOLERANCE = 0.005  # the largest |AUC(reduced) - AUC(fp32)| that allows a reduced precision as a default


def score_examples(clf: ModClf, examples, precision: str) -> list[tuple[float, float | None]]:
    """(incitement, off_topic) per example; each distinct article embedded once."""
    clf.precision = precision
    articles = list(dict.fromkeys(e.article for e in examples if e.article))
    article_emb = embed_articles(clf.model, clf.tokenizer, articles, precision) if articles else None
    row = {a: i for i, a in enumerate(articles)}
    out = []
    chunk = 512
    for start in range(0, len(examples), chunk):
        part = examples[start : start + chunk]
        emb = embed_comments(clf.model, clf.tokenizer, [e.text for e in part], precision)
        arts = [article_emb[row[e.article]] if e.article else None for e in part]
        out += [(s.incitement, s.off_topic) for s in scores_from_embeddings(clf.model, emb, arts)]
    return out


def too_small_to_judge(labels: np.ndarray) -> bool:
    """Whether one swapped positive/negative pair alone moves this set's ROC-AUC past TOLERANCE: such a
    set (the 22 hand-written off-topic contrast items) cannot judge a precision."""
    return int(labels.sum()) * int((~labels).sum()) * TOLERANCE < 1


def aucs(examples, scores) -> dict:
    """ROC-AUC per label, overall and per source (where both classes occur, in a set large enough to
    resolve TOLERANCE)."""
    groups = defaultdict(lambda: ([], []))
    for example, (incitement, off_topic) in zip(examples, scores):
        for label, p in (("incitement", incitement), ("off_topic", off_topic)):
            target = getattr(example, label)
            if target is None or p is None:
                continue
            for key in (f"{label}/all", f"{label}/{example.source}"):
                groups[key][0].append(round(target))
                groups[key][1].append(p)
    return {key: roc_auc_score(y, p) for key, (y, p) in sorted(groups.items())
            if len(set(y)) == 2 and not too_small_to_judge(np.array(y) == 1)}


def segmentation_f1(clf: ModClf, pages, precision: str) -> tuple[dict, list[list[str]]]:
    """Line F1 per label on labelled pages, and the predicted labels (to count changed lines)."""
    clf.precision = precision
    gold, predicted = [], []
    for page in pages:
        labels = [line.label for line in clf.segment(page.raw, fmt=page.format).lines]
        if len(labels) == len(page.labels):
            gold.append(page.labels)
            predicted.append(labels)
    return {f"segmentation {k} line F1": v["f1"] for k, v in line_prf(gold, predicted).items()}, predicted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="model folder (default: the released model)")
    parser.add_argument("--data_dir", default=None, help="scoring data (default: ../shared/data)")
    parser.add_argument("--against", default="bf16", choices=["bf16", "int8"], help="the reduced precision to compare")
    parser.add_argument("--seg-pages", type=int, default=150, help="segmentation dev pages to compare (0 = none)")
    parser.add_argument("--out", default=None, help="write the AUCs and deltas as JSON here")
    args = parser.parse_args()

    test = [e for e in build_scoring_data(args.data_dir) if e.split == "test"]
    print(f"{len(test)} test examples; torch {torch.__version__}, {torch.get_num_threads()} threads")
    clf = ModClf.from_pretrained(args.model)
    reduced = args.against
    results = {p: aucs(test, score_examples(clf, test, p)) for p in ("fp32", reduced)}
    changed = None
    if args.seg_pages:
        dev = build_segmentation_data(args.data_dir)["dev"]
        pages = random.Random(0).sample(dev, min(args.seg_pages, len(dev)))
        predicted = {}
        for p in ("fp32", reduced):
            f1, predicted[p] = segmentation_f1(clf, pages, p)
            results[p].update(f1)
        pairs = [(a, b) for pa, pb in zip(predicted["fp32"], predicted[reduced]) for a, b in zip(pa, pb)]
        changed = sum(a != b for a, b in pairs) / max(1, len(pairs))
        print(f"segmentation: {len(pages)} dev pages, {len(pairs)} lines, {changed:.2%} of line labels differ")
    worst = 0.0
    print(f"{'set':40s} {'fp32':>8s} {reduced:>8s} {'delta':>8s}")
    for key, fp32 in results["fp32"].items():
        value = results[reduced].get(key, float("nan"))
        worst = max(worst, abs(value - fp32))
        print(f"{key:40s} {fp32:8.4f} {value:8.4f} {value - fp32:+8.4f}")
    verdict = "within" if worst <= TOLERANCE else "NOT within"
    may = "may" if worst <= TOLERANCE else "must not"
    print(f"largest |delta| {worst:.4f}: {verdict} {TOLERANCE} ({reduced} {may} be a default)")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(
                {"against": reduced, "metrics": results, "max_abs_delta": worst, "tolerance": TOLERANCE, "segmentation_lines_changed": changed},
                f,
                indent=2,
            )


if __name__ == "__main__":
    main()
