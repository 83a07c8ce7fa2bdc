"""Choosing thresholds from labelled data (modclf.training.thresholds, `modclf thresholds`)."""

from __future__ import annotations

import csv

from modclf.training.thresholds import pick_threshold, rates_at, threshold_table

SCORES = [0.95, 0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1, 0.05]
LABELS = [True, True, False, True, False, True, False, False, False, False]


def test_rates_at_a_threshold():
    row = rates_at(SCORES, LABELS, 0.7)
    assert (row["tp"], row["fp"], row["flagged"]) == (3, 1, 4)
    assert (row["precision"], row["recall"], row["fpr"]) == (0.75, 0.75, 1 / 6)


def test_pick_the_most_recall_within_a_false_positive_rate():
    rows = threshold_table(SCORES, LABELS)
    best = pick_threshold(rows, max_fpr=0.0)
    assert best["threshold"] == 0.85 and best["recall"] == 0.5  # lowest cut with no false positive
    assert pick_threshold(rows, max_fpr=0.2)["threshold"] == 0.65  # flags the same 4 as 0.7
    # A recall target alone: the highest threshold that still reaches it.
    assert pick_threshold(rows, min_recall=1.0)["threshold"] == 0.4
    assert pick_threshold(rows, max_fpr=0.0, min_recall=1.0) is None


def test_thresholds_command_on_a_label_file(tiny_model_dir, tmp_path, capsys):
    from modclf.cli import main

    path = tmp_path / "labels.csv"
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "incitement"])
        writer.writerows([(f"comment {i}", i % 2) for i in range(20)])
    assert main(["thresholds", str(path), "--label", "incitement", "--model", str(tiny_model_dir), "--min-recall", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "incitement: 20 labelled comments, 10 positive" in out and "| threshold |" in out
    assert "meets min recall 0.5" in out
    # off_topic needs articles: a clear error, exit 1.
    assert main(["thresholds", str(path), "--label", "off_topic", "--model", str(tiny_model_dir)]) == 1
