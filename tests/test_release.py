"""The release gate's rules (training/release.py), on hand-made measurements."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_training_script

from modclf.training.quality import Bounds, QualityFloors

release = load_training_script("release")
FLOORS = QualityFloors("x", {"segmentation": Bounds(at_least={"line_f1/body": 0.8, "line_f1/comment": 0.8}),
                             "scoring": Bounds(at_most={"policy/remove_fpr": 0.01})})


def row(candidate, released, ci, lower_is_better=False):
    return {"candidate": candidate, "released": released, "delta": candidate - released, "delta_ci": ci,
            "lower_is_better": lower_is_better}


def test_a_candidate_better_on_its_target_and_no_worse_elsewhere_passes():
    rows = {"line_f1/body": row(0.90, 0.84, [0.04, 0.07]), "line_f1/comment": row(0.95, 0.96, [-0.02, 0.005]),
            "policy/remove_fpr": row(0.0, 0.0, [0.0, 0.0], True)}
    assert release.decide(rows, FLOORS, ["line_f1/body"], floors_bind=True) == []


def test_worse_beyond_the_noise_on_a_floor_metric_is_refused():
    rows = {"line_f1/body": row(0.90, 0.84, [0.04, 0.07]), "line_f1/comment": row(0.90, 0.96, [-0.08, -0.03])}
    reasons = release.decide(rows, FLOORS, ["line_f1/body"], floors_bind=True)
    assert len(reasons) == 1 and "line_f1/comment: worse than the released model" in reasons[0]


def test_worse_calibration_or_policy_rate_is_refused_though_no_floor_names_them():
    rows = {"line_f1/body": row(0.90, 0.84, [0.04, 0.07]),
            "test/incitement/gab/ece": row(0.05, 0.01, [0.02, 0.06], True),
            "policy/threats_remove_recall": row(0.1, 0.4, [-0.5, -0.1])}
    reasons = release.decide(rows, FLOORS, ["line_f1/body"], floors_bind=True)
    assert [r.split(":")[0] for r in reasons] == ["test/incitement/gab/ece", "policy/threats_remove_recall"]


def test_a_false_positive_rate_or_calibration_with_a_ceiling_is_judged_by_the_ceiling():
    floors = QualityFloors("x", {"segmentation": Bounds(at_least={"line_f1/body": 0.8}),
                                 "scoring": Bounds(at_most={"policy/review_fpr": 0.05, "test/incitement/gab/ece": 0.03})})
    spent = {"line_f1/body": row(0.90, 0.84, [0.04, 0.07]),
             "policy/review_fpr": row(0.03, 0.0, [0.02, 0.04], True),  # more review, still under 5%
             "test/incitement/gab/ece": row(0.02, 0.01, [0.005, 0.015], True)}
    assert release.decide(spent, floors, ["line_f1/body"], floors_bind=True) == []
    broken = {**spent, "policy/review_fpr": row(0.07, 0.0, [0.06, 0.08], True)}
    assert release.decide(broken, floors, ["line_f1/body"], floors_bind=True) == [
        "scoring: policy/review_fpr = 0.0700 is above its ceiling 0.05"]


def test_a_target_inside_the_noise_or_unmeasured_is_refused():
    rows = {"line_f1/body": row(0.85, 0.84, [-0.01, 0.03])}
    assert "not better beyond the noise" in release.decide(rows, FLOORS, ["line_f1/body"], True)[0]
    assert "not measured" in release.decide(rows, FLOORS, ["line_f1/typo"], True)[0]


def test_floors_bind_only_on_their_data():
    rows = {"line_f1/body": row(0.70, 0.60, [0.05, 0.15])}
    assert "below its floor" in release.decide(rows, FLOORS, ["line_f1/body"], floors_bind=True)[0]
    assert release.decide(rows, FLOORS, ["line_f1/body"], floors_bind=False) == []


def test_compare_takes_points_from_row_zero_and_intervals_from_the_resamples():
    values = {"candidate": {"m": np.array([0.9, 0.91, 0.89, 0.92])}, "released": {"m": np.array([0.8, 0.8, 0.8, 0.8])}}
    result = release.compare(values, "candidate", "released")["m"]
    assert result["candidate"] == 0.9 and result["released"] == 0.8
    assert result["delta_ci"][0] == pytest.approx(0.09, abs=0.002) and result["delta_ci"][1] <= 0.12


def test_segmentation_values_count_f1_per_subset_and_token_f1_only_where_measured():
    # columns: tp/fp/fn for body, boilerplate, comment; comments found/gold/page right/comment page; token F1 x2
    real_page = [8, 2, 2, 10, 0, 0, 0, 0, 0] + [0, 0, 0, 0] + [0.8, 0.7]
    synthetic = [4, 0, 0, 5, 0, 0, 3, 1, 1] + [2, 3, 0, 1] + [np.nan, np.nan]
    counts = np.array([real_page, synthetic], dtype=float)
    out = release.segmentation_values(counts, np.ones((1, 2)), np.array([True, False]))
    assert out["line_f1_real/body"][0] == pytest.approx(0.8)
    assert out["line_f1/body"][0] == pytest.approx(2 * 12 / (2 * 12 + 2 + 2))
    assert out["line_f1_synthetic/comment"][0] == pytest.approx(0.75)
    assert out["comment_split/comment_recall_exact"][0] == pytest.approx(2 / 3)
    assert out["token_f1/modclf content-only"][0] == pytest.approx(0.8)


def test_weighted_ece_matches_the_unweighted_one_and_follows_the_weights():
    from modclf.training.scoring import expected_calibration_error

    rng = np.random.default_rng(0)
    probs, labels = rng.random(200), (rng.random(200) < 0.3).astype(float)
    assert release.weighted_ece(probs, labels, np.ones((1, 200)))[0] == pytest.approx(
        expected_calibration_error(probs, labels))
    doubled = np.vstack([np.ones(200), np.r_[np.full(100, 2.0), np.zeros(100)]])
    assert release.weighted_ece(probs, labels, doubled)[1] == pytest.approx(
        expected_calibration_error(probs[:100], labels[:100]))


def test_version_bumps():
    assert release.bump("0.2.0", "minor") == "0.3.0"
    assert release.bump("0.2.7", "patch") == "0.2.8"
    assert release.bump("1.4.2", "major") == "2.0.0"


def test_rounding_level_changes_are_not_worse_whatever_their_interval():
    rows = {"line_f1/body": row(0.90, 0.84, [0.04, 0.07]),
            "test/incitement/gab/ece": row(0.00821, 0.00820, [0.000005, 0.00002], True)}
    assert release.decide(rows, FLOORS, ["line_f1/body"], floors_bind=True) == []


def test_calibration_is_judged_side_by_side_only_where_the_set_can_measure_it():
    worse = {"line_f1/body": row(0.90, 0.84, [0.04, 0.07]),
             "test/off_topic/contrast/ece": row(0.243, 0.233, [0.003, 0.019], True)}
    small = {**worse, "test/off_topic/contrast/ece_noise": row(0.21, 0.20, None, True)}
    large = {**worse, "test/off_topic/contrast/ece_noise": row(0.02, 0.02, None, True)}
    assert release.decide(small, FLOORS, ["line_f1/body"], floors_bind=True) == []
    assert release.decide(large, FLOORS, ["line_f1/body"], floors_bind=True)[0].startswith("test/off_topic/contrast/ece:")


def test_the_ece_noise_floor_shrinks_with_the_set_and_is_what_a_calibrated_model_measures():
    rng = np.random.default_rng(1)
    few, many = rng.random(22), rng.random(5000)
    assert release.ece_noise_floor(few) > 0.1 > 0.02 > release.ece_noise_floor(many)
    labels = (rng.random(5000) < many).astype(float)  # calibrated by construction
    measured = release.weighted_ece(many, labels, np.ones((1, 5000)))[0]
    assert measured == pytest.approx(release.ece_noise_floor(many), abs=0.015)


def test_leave_one_source_out_folds_keep_their_floors_and_a_changed_scoring_path_needs_them():
    floors = QualityFloors("x", {"scoring": Bounds(at_least={"loso/incitement/gab/roc_auc": 0.81,
                                                              "loso/incitement/edos/roc_auc": 0.82})})
    folds = [{"label": "incitement", "left_out": "gab", "model": {"roc_auc": 0.85}},
             {"label": "incitement", "left_out": "edos", "model": {"roc_auc": 0.80}}]
    reasons = release.loso_reasons(folds, floors, scoring_changed=True, floors_bind=True)
    assert reasons == ["scoring: loso/incitement/edos/roc_auc = 0.8000 is below its floor 0.82"]
    assert release.loso_reasons(folds[:1], floors, True, True) == ["loso/incitement/edos/roc_auc: no fold in --scoring-eval"]
    assert "no leave-one-source-out folds" in release.loso_reasons(None, floors, True, True)[0]
    assert release.loso_reasons(None, floors, scoring_changed=False, floors_bind=True) == []
    assert release.loso_reasons(folds, floors, True, floors_bind=False) == []


def test_the_gate_measures_the_candidate_as_it_ships(tiny_clf, tmp_path):
    # Training writes fp32; the release writes fp16. The gate must score the fp16 model it will write.
    import torch

    from modclf.model import save_model

    with torch.no_grad():
        tiny_clf.model.incitement_head[0].weight.add_(1e-4 * torch.randn_like(tiny_clf.model.incitement_head[0].weight))
    save_model(tiny_clf.model, tiny_clf.tokenizer, tmp_path / "fp32", dtype=torch.float32)
    shipped = release.as_shipped(tmp_path / "fp32", tmp_path / "shipped")
    weight = tiny_clf.model.incitement_head[0].weight
    assert not torch.equal(weight, weight.half().float())  # the perturbation is finer than fp16
    assert torch.equal(shipped.model.incitement_head[0].weight, weight.half().float())


def test_folds_file_gives_only_the_candidates_folds(tmp_path, monkeypatch):
    # The gate may read evaluate_scoring's folds file as soon as the folds are done; a fold measured
    # with another recipe or other data (another key) must not count for this candidate.
    import json
    import sys

    ev = sys.modules["evaluate_scoring"]
    monkeypatch.setattr(ev, "expected_fold_keys", lambda model, sources, data_dir: {"gab": "k-gab", "edos": "k-edos"})
    folds = tmp_path / "eval.folds.jsonl"
    gab = {"label": "incitement", "left_out": "gab", "model": {"roc_auc": 0.85}}
    folds.write_text("\n".join(json.dumps(r) for r in [{"key": "k-gab", "left_out": "gab", "rows": [gab]},
                                                         {"key": "stale", "left_out": "edos", "rows": [{"left_out": "edos"}]}]))
    assert release.read_scoring_eval(folds, tmp_path, None) == [gab]
    folds.write_text(json.dumps({"key": "stale", "left_out": "edos", "rows": []}))
    with pytest.raises(ValueError, match="none of its 1 folds"):
        release.read_scoring_eval(folds, tmp_path, None)
    with pytest.raises(ValueError, match="no such folds file"):
        release.read_scoring_eval(tmp_path / "missing.folds.jsonl", tmp_path, None)
    out = tmp_path / "eval.json"
    out.write_text(json.dumps({"leave_one_source_out": [gab]}))
    assert release.read_scoring_eval(out, tmp_path, None) == [gab]


def test_our_threat_sets_are_judged_by_their_calibration_at_the_sources_base_rate():
    worse_plain = {"line_f1/body": row(0.90, 0.84, [0.04, 0.07]),
                   "test/incitement/contrast/ece": row(0.103, 0.088, [0.005, 0.023], True),
                   "test/incitement/contrast/ece_noise": row(0.02, 0.02, None, True),
                   "test/incitement/contrast/ece_at_base_rate": row(0.010, 0.011, [-0.003, 0.001], True),
                   "test/incitement/contrast/ece_at_base_rate_noise": row(0.01, 0.01, None, True)}
    assert release.decide(worse_plain, FLOORS, ["line_f1/body"], floors_bind=True) == []
    worse_at_rate = {**worse_plain, "test/incitement/contrast/ece_at_base_rate": row(0.02, 0.011, [0.004, 0.012], True)}
    reasons = release.decide(worse_at_rate, FLOORS, ["line_f1/body"], floors_bind=True)
    assert [r.split(":")[0] for r in reasons] == ["test/incitement/contrast/ece_at_base_rate"]


def test_base_rate_weights_give_the_set_the_rate_and_a_calibrated_model_a_small_ece():
    rng = np.random.default_rng(2)
    labels = np.r_[np.ones(2500, bool), np.zeros(7500, bool)]  # a quarter positives, as the contrast set
    weights = release.base_rate_weights(labels, 0.02)
    assert weights[labels].sum() / weights.sum() == pytest.approx(0.02)
    # Scores calibrated for a 2% base rate: on the set as built they look badly under-confident, at 2% they do not.
    x = rng.normal(np.where(labels, 1.5, -1.5), 1.0)  # the likelihood ratio of x is exp(3x)
    probs = 1 / (1 + np.exp(-(3 * x + np.log(0.02 / 0.98))))  # the posterior at a 2% prior
    plain = release.weighted_ece(probs, labels.astype(float), np.ones((1, len(probs))))[0]
    at_rate = release.weighted_ece(probs, labels.astype(float), weights[None, :])[0]
    assert at_rate < 0.02 < 0.1 < plain


def test_a_set_where_one_swapped_pair_passes_the_precision_tolerance_cannot_judge_it():
    # 9 x 13 pairs: one swap moves ROC-AUC by 1/117 = 0.0085 > 0.005, so int8 would be refused on one pair.
    assert release.too_small_to_judge(np.array([True] * 9 + [False] * 13))
    assert not release.too_small_to_judge(np.array([True] * 80 + [False] * 80))  # the holdout: 1/6,400
    assert not release.too_small_to_judge(np.array([True] * 15 + [False] * 14))  # 210 pairs: 0.0048
