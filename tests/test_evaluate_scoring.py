"""Metric helpers of training/evaluate_scoring.py: fast, offline, no data or model needed."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from modclf.training.sources.comments import ScoringExample

SCRIPT = Path(__file__).resolve().parents[1] / "training" / "evaluate_scoring.py"
_spec = importlib.util.spec_from_file_location("evaluate_scoring", SCRIPT)
ev = importlib.util.module_from_spec(_spec)
sys.modules["evaluate_scoring"] = ev  # dataclasses look their module up there
_spec.loader.exec_module(ev)


@pytest.fixture()
def scored():
    rng = np.random.default_rng(0)
    labels = rng.random(400) < 0.2
    # Informative but imperfect scores, rounded so that ties occur.
    scores = np.round(labels * 1.0 + rng.normal(0, 0.8, 400), 1)
    return scores, labels


def test_auc_and_ap_match_sklearn(scored):
    scores, labels = scored
    assert ev.weighted_roc_auc(scores, labels)[0] == pytest.approx(roc_auc_score(labels, scores))
    assert ev.weighted_average_precision(scores, labels)[0] == pytest.approx(
        average_precision_score(labels, scores)
    )


def test_weights_equal_repeating_items(scored):
    scores, labels = scored
    weights = np.random.default_rng(1).integers(0, 3, len(scores))
    repeated_scores, repeated_labels = np.repeat(scores, weights), np.repeat(labels, weights)
    assert ev.weighted_roc_auc(scores, labels, weights)[0] == pytest.approx(
        roc_auc_score(repeated_labels, repeated_scores)
    )
    assert ev.weighted_average_precision(scores, labels, weights)[0] == pytest.approx(
        average_precision_score(repeated_labels, repeated_scores)
    )


def test_one_class_gives_nan():
    assert math.isnan(ev.weighted_roc_auc([0.1, 0.2], [0, 0])[0])
    assert math.isnan(ev.weighted_average_precision([0.1, 0.2], [0, 0])[0])
    metrics = ev.ranking_metrics(np.array([0.1, 0.2]), np.array([1, 1]))
    assert metrics["roc_auc"] is None and metrics["roc_auc_ci"] is None


def test_bootstrap_interval_contains_point_estimate(scored):
    scores, labels = scored
    groups = [f"g{i // 4}" for i in range(len(scores))]
    boot = ev.bootstrap_weights(groups, 300, seed=0)
    metrics = ev.ranking_metrics(scores, labels, boot)
    for name in ("roc_auc", "pr_auc"):
        low, high = metrics[f"{name}_ci"]
        assert low <= metrics[name] <= high
        assert high - low < 0.3


def test_cluster_bootstrap_keeps_groups_whole():
    groups = ["a", "a", "b", "c", "c", "c"]
    boot = ev.bootstrap_weights(groups, 200, seed=3)
    assert boot.shape == (200, 6)
    assert (boot[:, 0] == boot[:, 1]).all() and (boot[:, 3] == boot[:, 5]).all()
    # Each resample draws as many groups as there are.
    assert (boot[:, [0, 2, 3]].sum(1) == 3).all()
    assert (ev.bootstrap_weights(groups, 200, seed=3) == boot).all()  # seeded


def test_length_baseline_sign():
    short_positive = (["ok"] * 5 + ["a much longer comment about the article"] * 5, [1] * 5 + [0] * 5)
    assert ev.length_sign(*short_positive) == -1
    assert ev.length_sign(short_positive[0], [1 - y for y in short_positive[1]]) == 1
    scores = ev.length_scores(["ok", "a longer one"], -1)
    assert scores[0] > scores[1]


def test_false_positive_rate_and_threshold():
    probs = np.linspace(0, 0.99, 100)
    assert ev.false_positive_rate(probs, 0.9) == pytest.approx(0.1)  # 0.90 .. 0.99
    t = ev.threshold_for_fpr(probs, 0.01)
    assert ev.false_positive_rate(probs, t) <= 0.01
    assert ev.false_positive_rate(probs, probs[-2]) > 0.01  # the threshold is not needlessly high
    tied = np.array([0.5] * 10 + [0.1] * 90)
    assert ev.false_positive_rate(tied, ev.threshold_for_fpr(tied, 0.05)) == 0.0


def test_binomial_interval_and_json_safe():
    low, high = ev.binomial_interval(0, 1000)
    assert low == 0.0 and 0.003 < high < 0.004  # about the "rule of three"
    low, high = ev.binomial_interval(10, 1000)
    assert low < 0.01 < high
    assert ev.binomial_interval(0, 0) is None
    assert ev.json_safe({"a": [float("nan"), np.float64(0.5), np.int64(2)]}) == {"a": [None, 0.5, 2]}


def _example(text, split="test", source="gab", incitement=0.0, pair=None, article=None, off_topic=None):
    return ScoringExample(
        text, article, incitement, off_topic, source, f"g:{text}", split, {"pair": pair} if pair else {}
    )


def test_test_sets_and_news_comments():
    data = [
        _example("a", incitement=1.0),
        _example("b", incitement=None),
        _example("c", split="train"),
        _example("d", source="news_pairs", incitement=None, off_topic=0.0, article="art", pair="own"),
        _example("d", source="news_pairs", incitement=None, off_topic=1.0, article="other", pair="random"),
        _example("e", source="news_pairs", incitement=None, off_topic=1.0, article="other", pair="hard"),
    ]
    incitement = ev.eval_sets(data, "incitement")
    assert [(s.name, len(s.examples)) for s in incitement] == [("gab", 1)]
    off_topic = {s.name: len(s.examples) for s in ev.eval_sets(data, "off_topic")}
    assert off_topic == {"news_pairs": 3, "news_pairs:hard": 2}
    assert [ex.text for ex in ev.ordinary_news_comments(data, "test")] == ["d"]


def test_limit_per_source_keeps_positives():
    data = [_example(f"n{i}", split="train") for i in range(50)] + [
        _example(f"p{i}", split="train", incitement=1.0) for i in range(3)
    ]
    kept = ev.limit_per_source(data, 10, seed=0)
    assert len(kept) == 10 and sum(ex.incitement == 1.0 for ex in kept) == 3


def test_policy_curve_reads_thresholds_from_dev_and_rates_from_test(monkeypatch):
    # The score of each comment is written in its text; forum answers on dev are the false-positive table.
    dev = [_example(f"0.{i:02d}", split="dev", source="semeval", off_topic=0.0, article="q") for i in range(100)]
    test = [_example(f"0.{i:02d}", source="semeval", off_topic=0.0, article="q") for i in range(50, 100)]
    threats = [_example(p, source="contrast", incitement=1.0) for p in ("0.99", "0.975", "0.5")]
    monkeypatch.setattr(ev, "model_scores", lambda model, cache, examples, label: (None, np.array([float(ex.text) for ex in examples])))
    rows = {row["dev_fpr"]: row for row in ev.policy_curve(None, None, dev + test + threats, holdout=[])}
    assert list(rows) == list(ev.POLICY_CURVE_FPRS)
    assert 0.98 < rows[0.01]["threshold"] <= 0.99  # only 0.99 of the 100 dev scores is at or above it
    assert rows[0.01]["threats/contrast"] == pytest.approx(1 / 3)
    assert rows[0.05]["threats/contrast"] == pytest.approx(2 / 3)  # 0.95 .. 0.99 on dev
    assert rows[0.05]["ordinary/forum"] == pytest.approx(5 / 50)
    assert "threats/holdout" not in rows[0.05]  # an empty set is left out, not reported as 0


def test_finished_folds_are_kept_by_key_and_a_torn_line_is_skipped(tmp_path):
    # An interrupted run keeps its finished folds; a fold is reused only when its inputs are the same.
    from types import SimpleNamespace

    from modclf.training.train import TrainConfig

    cache = SimpleNamespace(_fingerprint=lambda: "shared-layers")
    items = [_example("a", incitement=1.0), _example("b", incitement=0.0)]
    key = ev.fold_key(TrainConfig(), cache, "gab", items, 500, 0)
    assert key == ev.fold_key(TrainConfig(), cache, "gab", list(items), 500, 0)
    assert key != ev.fold_key(TrainConfig(), cache, "edos", items, 500, 0)
    assert key != ev.fold_key(TrainConfig(), cache, "gab", items[:1], 500, 0)
    assert key != ev.fold_key(TrainConfig(scoring_epochs=2), cache, "gab", items, 500, 0)
    folds = tmp_path / "eval.folds.jsonl"
    assert ev.read_folds(folds) == {}
    record = json.dumps({"key": key, "left_out": "gab", "rows": [{"set": "gab"}]})
    folds.write_text(record + '\n{"key": "torn')
    assert ev.read_folds(folds) == {key: [{"set": "gab"}]}


def test_source_refit_ece_fits_on_the_sources_dev_split(monkeypatch):
    # Logits twice too confident and shifted: the shipped calibration (identity here) is off, a refit
    # on the same source's dev split fixes it; another source's dev split is never used.
    rng = np.random.default_rng(0)

    def items(split, source, n):
        true = rng.normal(-1.0, 1.5, n)
        labels = rng.random(n) < 1 / (1 + np.exp(-true))
        return [ScoringExample(f"{split} {source} {i}", None, float(y), None, source, f"g{i}", split,
                               {"logit": 2 * t + 1}) for i, (t, y) in enumerate(zip(true, labels))]

    test = ev.EvalSet("incitement", "gab", items("test", "gab", 3000))
    dev = items("dev", "gab", 1000) + [ScoringExample("other", None, 1.0, None, "edos", "e", "dev", {"logit": 50.0})] * 60
    monkeypatch.setattr(ev, "model_scores", lambda model, cache, examples, label: (
        np.array([ex.meta["logit"] for ex in examples]), None))
    logits = np.array([ex.meta["logit"] for ex in test.examples])
    from modclf.training.scoring import expected_calibration_error

    plain = expected_calibration_error(1 / (1 + np.exp(-logits)), test.labels)
    refit = ev.source_refit_ece(None, None, dev, test, logits)
    assert plain > 0.1 and refit < plain / 2
    assert ev.source_refit_ece(None, None, dev[:10], test, logits) is None  # too few dev labels
