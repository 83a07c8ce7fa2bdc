"""Choosing a policy threshold from labelled data: precision, recall and false-positive rate per cut.

A calibrated probability says how often a comment like this one is positive in the data the model
was calibrated on; a platform whose comments differ (another base rate, other topics) should pick
its thresholds on its own labelled comments, for the error it can afford.

Example:
    >>> rows = threshold_table(scores, labels)
    >>> pick_threshold(rows, max_fpr=0.01)
    {'threshold': 0.62, 'precision': 0.9, 'recall': 0.55, 'fpr': 0.008, ...}
"""

from __future__ import annotations

from modclf.errors import InputError

# Fine at the low end: calibrated on a 1.5% base rate, incitement probabilities of clear threats are often 0.1-0.5.
GRID = (0.01, 0.02, 0.03) + tuple(round(0.05 * i, 2) for i in range(1, 20)) + (0.97, 0.99)


def _rates(threshold: float, tp: int, fp: int, positives: int, negatives: int) -> dict:
    return {
        "threshold": threshold, "flagged": tp + fp, "tp": tp, "fp": fp,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / positives if positives else None,
        "fpr": fp / negatives if negatives else None,
    }


def rates_at(scores: list[float], labels: list[bool], threshold: float) -> dict:
    """Counts and rates of `score >= threshold` as the positive call."""
    tp = sum(1 for s, y in zip(scores, labels) if y and s >= threshold)
    fp = sum(1 for s, y in zip(scores, labels) if not y and s >= threshold)
    positives = sum(labels)
    return _rates(threshold, tp, fp, positives, len(labels) - positives)


def threshold_table(scores: list[float], labels: list[bool], grid=GRID) -> list[dict]:
    """rates_at for every threshold of the grid and every distinct score (for exact picks), from one
    sort: counts at or above each cut are suffix sums (a large test set has ~10^4 distinct scores)."""
    import numpy as np

    if len(scores) != len(labels):
        raise InputError(f"{len(scores)} scores but {len(labels)} labels")
    values = np.asarray(scores, dtype=float)
    truth = np.asarray(labels, dtype=bool)
    order = np.argsort(values)
    values, truth = values[order], truth[order]
    tp_above = np.concatenate([np.cumsum(truth[::-1])[::-1], [0]])  # positives at index >= i
    fp_above = np.concatenate([np.cumsum(~truth[::-1])[::-1], [0]])
    positives = int(truth.sum())
    rows = []
    for cut in sorted(set(grid) | set(values.tolist())):
        i = int(np.searchsorted(values, cut, side="left"))  # first score >= cut
        rows.append(_rates(cut, int(tp_above[i]), int(fp_above[i]), positives, len(values) - positives))
    return rows


def grid_table(scores: list[float], labels: list[bool], grid=GRID) -> list[dict]:
    """threshold_table's rows at the grid's thresholds only (the model card's and the report's table)."""
    return [row for row in threshold_table(scores, labels, grid) if row["threshold"] in grid]


def pick_threshold(rows: list[dict], max_fpr: float | None = None, min_precision: float | None = None,
                   min_recall: float | None = None) -> dict | None:
    """The lowest threshold (most recall) whose FPR and precision meet the targets; for `min_recall`
    alone, the highest threshold that still reaches that recall. None when nothing meets them."""
    def ok(row):
        if max_fpr is not None and (row["fpr"] is None or row["fpr"] > max_fpr):
            return False
        if min_precision is not None and (row["precision"] is None or row["precision"] < min_precision):
            return False
        if min_recall is not None and (row["recall"] is None or row["recall"] < min_recall):
            return False
        return row["flagged"] > 0

    meeting = [row for row in rows if ok(row)]
    if not meeting:
        return None
    if max_fpr is None and min_precision is None:
        return max(meeting, key=lambda row: row["threshold"])
    return min(meeting, key=lambda row: row["threshold"])


def format_table(rows: list[dict], grid=GRID) -> str:
    """The grid rows as a Markdown table (precision / recall / FPR per threshold)."""
    def pct(value):
        return "—" if value is None else f"{value:.3f}"

    lines = ["| threshold | flagged | precision | recall | false-positive rate |", "|---|---|---|---|---|"]
    for row in rows:
        if row["threshold"] in grid:
            lines.append(f"| {row['threshold']:.2f} | {row['flagged']} | {pct(row['precision'])} | "
                         f"{pct(row['recall'])} | {pct(row['fpr'])} |")
    return "\n".join(lines)
