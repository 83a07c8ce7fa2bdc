"""Evaluation plots (PNG, matplotlib): what `training/evaluate_*.py --report DIR` writes.

matplotlib is part of the train extra; it is imported only when a plot is drawn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    return plt


def roc_points(scores, labels) -> tuple[np.ndarray, np.ndarray]:
    """(false-positive rate, true-positive rate) at every distinct score, from the top down."""
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    order = np.argsort(-scores, kind="stable")
    tp = np.cumsum(labels[order])
    fp = np.cumsum(~labels[order])
    keep = np.r_[np.diff(scores[order]) != 0, True]
    pos, neg = max(labels.sum(), 1), max((~labels).sum(), 1)
    return np.r_[0, fp[keep] / neg], np.r_[0, tp[keep] / pos]


def pr_points(scores, labels) -> tuple[np.ndarray, np.ndarray]:
    """(recall, precision) at every distinct score."""
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    order = np.argsort(-scores, kind="stable")
    tp = np.cumsum(labels[order])
    flagged = np.arange(1, len(scores) + 1)
    keep = np.r_[np.diff(scores[order]) != 0, True]
    return tp[keep] / max(labels.sum(), 1), tp[keep] / flagged[keep]


def curves(path: Path, title: str, labels, scores_by_name: dict[str, np.ndarray]) -> Path:
    """ROC and precision-recall curves of the model and its baselines on one set."""
    plt = _pyplot()
    fig, (roc, pr) = plt.subplots(1, 2, figsize=(10, 4.2))
    for name, scores in scores_by_name.items():
        fpr, tpr = roc_points(scores, labels)
        roc.plot(fpr, tpr, label=name, linewidth=2 if name == "modclf" else 1)
        recall, precision = pr_points(scores, labels)
        pr.plot(recall, precision, label=name, linewidth=2 if name == "modclf" else 1)
    roc.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    roc.set(xlabel="false-positive rate", ylabel="true-positive rate (recall)", title="ROC")
    pr.set(xlabel="recall", ylabel="precision", title="precision-recall", ylim=(0, 1.02))
    pr.axhline(np.mean(labels), color="grey", linestyle=":", linewidth=1)
    roc.legend(fontsize=8, loc="lower right")
    fig.suptitle(title)
    return _save(fig, path)


def reliability(path: Path, title: str, labels, before, after, bins: int = 10) -> Path:
    """Reliability diagram: mean predicted probability vs observed rate per bin, before and after calibration."""
    plt = _pyplot()
    labels = np.asarray(labels, dtype=float)
    fig, ax = plt.subplots(figsize=(5, 4.5))
    edges = np.linspace(0, 1, bins + 1)
    for name, probs in (("before calibration", before), ("after calibration", after)):
        probs = np.asarray(probs, dtype=float)
        index = np.clip(np.digitize(probs, edges) - 1, 0, bins - 1)
        xs, ys, ns = [], [], []
        for b in range(bins):
            mask = index == b
            if mask.any():
                xs.append(probs[mask].mean())
                ys.append(labels[mask].mean())
                ns.append(mask.sum())
        ax.plot(xs, ys, marker="o", label=name)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="predicted probability (bin mean)", ylabel="observed positive rate", title=title,
           xlim=(0, 1), ylim=(0, 1))
    ax.legend(fontsize=8)
    return _save(fig, path)


def thresholds(path: Path, title: str, labels, probs) -> Path:
    """False-positive rate, recall and precision against the threshold on the calibrated probability."""
    plt = _pyplot()
    labels, probs = np.asarray(labels, dtype=bool), np.asarray(probs, dtype=float)
    grid = np.linspace(0, 1, 201)
    flagged = probs[None, :] >= grid[:, None]
    tp = (flagged & labels).sum(1)
    fp = (flagged & ~labels).sum(1)
    fig, ax = plt.subplots(figsize=(6, 4.2))
    ax.plot(grid, tp / max(labels.sum(), 1), label="recall")
    ax.plot(grid, fp / max((~labels).sum(), 1), label="false-positive rate")
    with np.errstate(invalid="ignore", divide="ignore"):
        ax.plot(grid, np.where(tp + fp > 0, tp / (tp + fp), np.nan), label="precision")
    ax.set(xlabel="threshold (calibrated probability)", ylabel="rate", title=title, ylim=(0, 1.02))
    ax.set_yscale("linear")
    ax.legend(fontsize=8)
    return _save(fig, path)


def confusion(path: Path, title: str, names: list[str], matrix) -> Path:
    """A confusion matrix, rows gold, columns predicted, each row normalised, counts printed."""
    plt = _pyplot()
    matrix = np.asarray(matrix, dtype=float)
    shares = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(5.2, 4.4))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, f"{shares[i, j]:.3f}\n({int(matrix[i, j]):,})", ha="center", va="center",
                    color="white" if shares[i, j] > 0.6 else "black", fontsize=8)
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(names)), names)
    ax.set(xlabel="predicted", ylabel="gold", title=title)
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
