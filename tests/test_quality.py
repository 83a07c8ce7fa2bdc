"""Quality floors: the file, the checks, and the gate on the released model (STYLE habit 9)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA_DIR, RELEASED_MODEL, REPO, needs_data, needs_released_model
from sklearn.metrics import roc_auc_score

from modclf.errors import ConfigError
from modclf.training.quality import (
    DEFAULT_FLOORS,
    data_fingerprint,
    gate,
    load_floors,
    release_metrics,
    roc_auc,
    scoring_metrics,
    segmentation_metrics,
)

FLOORS_TEXT = """
data_fingerprint: abc
gate_scoring:
  at_least:
    incitement/gab/roc_auc: 0.9
  at_most:
    remove_fpr: 0.01
"""


def _floors(tmp_path, text=FLOORS_TEXT):
    path = tmp_path / "floors.yaml"
    path.write_text(text)
    return path


def test_roc_auc_matches_scikit_learn_with_ties():
    rng = np.random.default_rng(0)
    labels = rng.random(300) < 0.3
    scores = np.round(labels + rng.normal(0, 1, 300), 1)  # rounded: many ties
    assert roc_auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert np.isnan(roc_auc([0.1, 0.2], [True, True]))


def test_check_reports_broken_floors_ceilings_and_missing_metrics(tmp_path):
    floors = load_floors(_floors(tmp_path))
    assert floors.check("gate_scoring", {"incitement/gab/roc_auc": 0.95, "remove_fpr": 0.0}) == []
    low = floors.check("gate_scoring", {"incitement/gab/roc_auc": 0.85, "remove_fpr": 0.0})
    assert len(low) == 1 and "below its floor 0.9" in low[0]
    high = floors.check("gate_scoring", {"incitement/gab/roc_auc": 0.95, "remove_fpr": 0.02})
    assert len(high) == 1 and "above its ceiling 0.01" in high[0]
    missing = floors.check("gate_scoring", {"remove_fpr": 0.0})
    assert len(missing) == 1 and "not measured" in missing[0]
    assert floors.check("gate_scoring", {"remove_fpr": 0.0}, require_all=False) == []
    with pytest.raises(ConfigError, match="no section 'segmentation'"):
        floors.check("segmentation", {})


@pytest.mark.parametrize(
    "text, match",
    [
        ("gate_scoring: {}\n", "data_fingerprint"),
        ("data_fingerprint: abc\nscoring_gate: {}\n", "unknown section 'scoring_gate'"),
        ("data_fingerprint: abc\nscoring:\n  minimum: {x: 1}\n", "unknown keys \\['minimum'\\]"),
        ("data_fingerprint: abc\nscoring:\n  at_least: {x: high}\n", "scoring.at_least.x must be a number"),
        ("data_fingerprint: abc\nscoring: [\n", "cannot read quality floors"),
    ],
)
def test_bad_floors_files_name_the_problem(tmp_path, text, match):
    with pytest.raises(ConfigError, match=match):
        load_floors(_floors(tmp_path, text))


def test_fingerprint_follows_the_data_and_the_labelling(tmp_path, monkeypatch):
    (tmp_path / "pages").mkdir()
    (tmp_path / "incitement").mkdir()
    (tmp_path / "pages" / "a.txt").write_text("one")
    first = data_fingerprint(tmp_path)
    assert data_fingerprint(tmp_path) == first
    (tmp_path / "notes.txt").write_text("outside the data folders")
    assert data_fingerprint(tmp_path) == first
    (tmp_path / "incitement" / "b.tsv").write_text("two")
    second = data_fingerprint(tmp_path)
    assert second != first
    # The same archives aligned by other labelling code give other gold labels.
    monkeypatch.setattr("modclf.training.sources.page_loaders.LABELS_VERSION", "another")
    assert data_fingerprint(tmp_path) != second


def test_gate_does_not_judge_other_data(tmp_path):
    status, messages = gate("gate_scoring", {"incitement/gab/roc_auc": 0.1}, tmp_path, _floors(tmp_path))
    assert status == "other-data" and "re-measure" in messages[0]


def test_evaluation_results_flatten_to_the_floor_names():
    segmentation = {
        "lines": {"body": {"f1": 0.8}, "comment": {"f1": 0.9}},
        "comment_split": {"comment_recall_exact": 0.97, "comment_precision_exact": 0.96, "page_exact": 0.8},
        "token_f1": {"modclf content-only": {"mean_f1": 0.88, "pages": 3}},
    }
    assert segmentation_metrics(segmentation) == {
        "line_f1/body": 0.8,
        "line_f1/comment": 0.9,
        "comment_split/comment_recall_exact": 0.97,
        "comment_split/comment_precision_exact": 0.96,
        "comment_split/page_exact": 0.8,
        "token_f1/modclf content-only": 0.88,
    }
    scoring = {
        "in_distribution": [{"label": "incitement", "set": "gab", "model": {"roc_auc": 0.91, "ece_calibrated": 0.01}}],
        "leave_one_source_out": [{"label": "off_topic", "set": "semeval", "model": {"roc_auc": 0.72}}],
        "false_positives": {"test": {"fpr": 0.004}},
        "policy": {"candidate": {"ordinary/news": {"review_or_remove": 0.02, "remove": 0.004},
                                 "threats/holdout": {"review_or_remove": 0.9, "remove": None}}},
    }
    assert scoring_metrics(scoring) == {
        "test/incitement/gab/roc_auc": 0.91,
        "test/incitement/gab/ece": 0.01,
        "loso/off_topic/semeval/roc_auc": 0.72,
        "policy/review_fpr": 0.02,
        "policy/remove_fpr": 0.004,
        "policy/holdout_review_or_remove_recall": 0.9,
    }


def test_the_repository_floors_name_only_metrics_the_evaluations_produce():
    floors = load_floors(DEFAULT_FLOORS)
    assert set(floors.sections) == {"segmentation", "scoring", "gate_segmentation", "gate_scoring"}
    known_prefixes = ("line_f1/", "comment_split/", "token_f1/", "test/", "loso/", "remove_fpr/", "policy/",
                      "incitement/", "off_topic/", "pages_compared_share")
    for bounds in floors.sections.values():
        for name in [*bounds.at_least, *bounds.at_most]:
            assert name.startswith(known_prefixes), name


@needs_released_model
def test_the_released_model_card_meets_the_floors():
    measured = release_metrics(json.loads((RELEASED_MODEL / "metrics.json").read_text()))
    floors = load_floors(DEFAULT_FLOORS)
    for section in ("segmentation", "scoring"):
        assert measured[section], f"metrics.json has no {section} numbers"
        assert floors.check(section, measured[section], require_all=False) == []



@pytest.fixture(scope="module")
def gate_model():
    from modclf import ModClf

    return ModClf.from_pretrained(precision="fp32")  # the floors were measured in fp32


def _gate_or_skip(section, measured):
    status, messages = gate(section, measured, DATA_DIR)
    if status == "other-data":
        pytest.skip(messages[0])
    assert status == "pass", "\n".join(messages)


@pytest.mark.slow
@needs_data
@needs_released_model
def test_segmentation_gate(gate_model):
    from modclf.training.quality import measure_gate_segmentation

    _gate_or_skip("gate_segmentation", measure_gate_segmentation(gate_model, DATA_DIR))


@pytest.mark.slow
@needs_data
@needs_released_model
def test_scoring_gate(gate_model):
    from modclf.training.quality import measure_gate_scoring

    _gate_or_skip("gate_scoring", measure_gate_scoring(gate_model, DATA_DIR))


def test_floors_file_is_where_the_docs_say():
    assert DEFAULT_FLOORS == Path(REPO / "configs" / "quality_floors.yaml")
    assert DEFAULT_FLOORS.exists()
