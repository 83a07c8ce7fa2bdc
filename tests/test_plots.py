"""Evaluation plots: the curve points are right and every plot writes a PNG."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")
from modclf.training import plots  # noqa: E402

RNG = np.random.default_rng(0)
LABELS = RNG.random(300) < 0.3
SCORES = np.clip(LABELS * 0.3 + RNG.random(300) * 0.7, 0, 1)


def test_roc_and_pr_points_match_sklearn():
    from sklearn.metrics import auc, precision_recall_curve, roc_curve

    fpr, tpr = plots.roc_points(SCORES, LABELS)
    ref_fpr, ref_tpr, _ = roc_curve(LABELS, SCORES, drop_intermediate=False)
    assert auc(fpr, tpr) == pytest.approx(auc(ref_fpr, ref_tpr))
    recall, precision = plots.pr_points(SCORES, LABELS)
    ref_precision, ref_recall, _ = precision_recall_curve(LABELS, SCORES)
    ours = np.array(sorted(zip(recall, precision)))
    theirs = np.array(sorted(zip(ref_recall[:-1], ref_precision[:-1])))
    assert np.allclose(ours, theirs)


def test_every_plot_writes_a_png(tmp_path):
    paths = [
        plots.curves(tmp_path / "c.png", "curves", LABELS, {"modclf": SCORES, "baseline": RNG.random(300)}),
        plots.reliability(tmp_path / "r.png", "reliability", LABELS, SCORES, SCORES ** 2),
        plots.thresholds(tmp_path / "t.png", "thresholds", LABELS, SCORES),
        plots.confusion(tmp_path / "m.png", "confusion", ["body", "boilerplate", "comment"],
                        [[90, 5, 5], [3, 80, 17], [1, 2, 97]]),
    ]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000
