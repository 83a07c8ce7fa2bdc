"""Refitting a model's calibration on a platform's labelled comments (modclf.training.recalibration,
`modclf calibrate`)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from modclf.errors import InputError
from modclf.training.recalibration import label_logits, mapped_policy, mapped_threshold, recalibrate
from modclf.training.sources.labels import load_label_files


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _write_labels(path, rows, columns=("text", "incitement")):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def test_a_mapped_threshold_makes_the_same_decisions():
    logits = np.random.default_rng(0).normal(0, 4, 5000)
    old, new = (1.7, -3.0), (0.6, 0.8)
    for threshold in (0.031, 0.103, 0.8):
        moved = mapped_threshold(threshold, old, new)
        assert moved != pytest.approx(threshold)
        p_old, p_new = _sigmoid(logits / old[0] + old[1]), _sigmoid(logits / new[0] + new[1])
        clear = np.abs(p_old - threshold) > 1e-9
        assert np.array_equal((p_old >= threshold)[clear], (p_new >= moved)[clear])
    assert mapped_threshold(0.0, old, new) == 0.0 and mapped_threshold(1.0, old, new) == 1.0


def test_recalibrate_recovers_a_known_calibration(tiny_clf, tmp_path):
    texts = [f"comment number {i} says {'yes' if i % 3 else 'no'} to the plan {i * 7}" for i in range(1500)]
    placeholder = _write_labels(tmp_path / "all.csv", [(t, 0) for t in texts])
    logits = label_logits(tiny_clf, load_label_files(placeholder), "incitement")
    # Labels drawn from a known Platt scaling of the model's own logits: the fit must find it.
    z = (logits - logits.mean()) / logits.std()
    true_probs = _sigmoid(1.5 * z - 1.0)
    labels = np.random.default_rng(1).random(len(texts)) < true_probs
    path = _write_labels(tmp_path / "labels.csv", [(t, int(y)) for t, y in zip(texts, labels)])

    report = recalibrate(tiny_clf, load_label_files(path), "incitement")

    temperature, bias = tiny_clf.config.calibration["incitement"]
    assert report["new"] == [temperature, bias] and report["old"] == [1.0, 0.0]
    assert temperature == pytest.approx(logits.std() / 1.5, rel=0.15)
    assert np.abs(_sigmoid(logits / temperature + bias) - true_probs).max() < 0.05
    assert report["comments"] == 1500 and report["positives"] == int(labels.sum())
    assert report["ece_after"] < report["ece_before"]
    assert report["ece_after_cross_validated"] < 0.06


def test_recalibrate_refuses_too_few_or_one_sided_labels(tiny_clf, tmp_path):
    few = _write_labels(tmp_path / "few.csv", [(f"comment {i}", i % 2) for i in range(20)])
    with pytest.raises(InputError, match="20 comments labelled for incitement .* at least 50"):
        recalibrate(tiny_clf, load_label_files(few), "incitement")
    one_sided = _write_labels(tmp_path / "one.csv", [(f"comment {i}", int(i == 0)) for i in range(200)])
    with pytest.raises(InputError, match=r"\(1 positive\).* 5 or more on each side"):
        recalibrate(tiny_clf, load_label_files(one_sided), "incitement")
    # A file labelled for incitement only has nothing to calibrate off-topic on.
    with pytest.raises(InputError, match="0 comments labelled for off_topic with an article"):
        recalibrate(tiny_clf, load_label_files(one_sided), "off_topic")
    assert tiny_clf.config.calibration["incitement"] == [1.0, 0.0]  # a refused fit changes nothing


def test_calibrate_command_writes_a_folder_that_scores_on_the_new_scale(tiny_model_dir, tmp_path, capsys):
    from modclf import ModClf
    from modclf.cli import main
    from modclf.policy import Policy

    articles = ["The council approved the harbour bridge budget.", "A storm closed the coastal road overnight."]
    rows = [(f"comment {i} on the {'bridge' if i % 2 else 'weather'}", articles[i % 2], i % 3 == 0) for i in range(120)]
    path = _write_labels(tmp_path / "labels.csv", [(t, a, int(y)) for t, a, y in rows], ("text", "article", "off_topic"))
    out = tmp_path / "recalibrated"
    args = ["calibrate", str(path), "--label", "off_topic", "-o", str(out), "--model", str(tiny_model_dir)]

    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "off_topic: 120 labelled comments, 40 positive" in printed and "cross-validated" in printed

    original = ModClf.from_pretrained(tiny_model_dir, precision="fp32")
    recalibrated = ModClf.from_pretrained(out, precision="fp32")
    report = json.loads((out / "calibration.json").read_text())
    assert recalibrated.config.calibration["off_topic"] == report["new"] != original.config.calibration["off_topic"]
    assert recalibrated.config.calibration["incitement"] == original.config.calibration["incitement"]
    assert recalibrated.model_id.startswith(f"{original.model_id}+cal.")
    assert (out / "model.safetensors").read_bytes() == (tiny_model_dir / "model.safetensors").read_bytes()
    assert "## Recalibrated: off_topic" in (out / "README.md").read_text()
    # The same ranking (up to the outputs' rounding to 6 decimals), on another scale.
    texts = [t for t, a, _ in rows if a == articles[0]]
    before = np.array([s.off_topic for s in original.score(texts, article=articles[0])])
    after = np.array([s.off_topic for s in recalibrated.score(texts, article=articles[0])])
    assert np.diff(after[np.argsort(before, kind="stable")]).min() >= -2e-6
    assert np.abs(before - after).max() > 0.01
    # policy.yaml: the default policy with the off-topic thresholds moved to the new scale.
    expected = mapped_policy(Policy.load(), "off_topic", report["old"], report["new"])
    assert Policy.load(out / "policy.yaml").as_dict() == expected.as_dict() != Policy.load().as_dict()

    # A second run does not overwrite the folder unless told to.
    assert main(args) == 1
    assert "already holds a model; pass --force" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0
    # The source folder itself, a file, or a folder holding something else are never written over.
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine")
    for target, message in ((tiny_model_dir, "is the model being recalibrated"), (path, "is a file"),
                            (tmp_path / "notes", "holds no model")):
        assert main([*args[:5], str(target), *args[6:], "--force"]) == 1
        assert message in capsys.readouterr().err
    assert (tmp_path / "notes" / "todo.txt").read_text() == "mine"
    assert not any(p.name.startswith(".recalibrated.") for p in tmp_path.iterdir())  # no staging left behind


def test_a_small_set_the_logits_separate_still_gives_a_usable_scale(tiny_clf, tmp_path):
    # Without Platt's smoothed targets the temperature runs to zero and the moved thresholds round to
    # 0 and 1 (review everything, remove nothing).
    from modclf.policy import Policy

    texts = [f"comment {i} about the harbour bridge budget" for i in range(50)]
    logits = label_logits(tiny_clf, load_label_files(_write_labels(tmp_path / "a.csv", [(t, 0) for t in texts])), "incitement")
    top = set(np.argsort(logits)[-5:].tolist())  # the 5 highest logits are the positives: separable
    path = _write_labels(tmp_path / "labels.csv", [(t, int(i in top)) for i, t in enumerate(texts)])
    report = recalibrate(tiny_clf, load_label_files(path), "incitement")
    temperature = report["new"][0]
    assert temperature > (logits.max() - logits.min()) / 20  # unsmoothed: about a 45th of the range
    old_probs = _sigmoid(logits)  # the tiny model's calibration is the identity
    review, remove = (float(np.quantile(old_probs, q)) for q in (0.5, 0.85))
    policy = Policy.from_mapping({"incitement": {"review": review, "remove": remove},
                                  "off_topic": {"review": None, "remove": None}})
    moved = mapped_policy(policy, "incitement", report["old"], report["new"]).thresholds["incitement"]
    assert 0 < moved.review < moved.remove < 1
    new_probs = _sigmoid(logits / temperature + report["new"][1])
    clear = (np.abs(old_probs - review) > 1e-6) & (np.abs(old_probs - remove) > 1e-6)
    assert np.array_equal((old_probs >= review)[clear], (new_probs >= moved.review)[clear])
    assert np.array_equal((old_probs >= remove)[clear], (new_probs >= moved.remove)[clear])


def test_a_model_folder_s_policy_is_the_default_wherever_that_folder_scores(tiny_model_dir, tmp_path):
    """`modclf calibrate` writes policy.yaml next to the new calibration; scoring with that folder and no
    explicit policy must use it, or the old thresholds would silently apply to the new scale."""
    import shutil

    from modclf import ModClf
    from modclf.batch.jobs import score_file
    from modclf.cli import main
    from modclf.policy import DEFAULT_POLICY_PATH, Policy

    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "policy.yaml").write_text("incitement: {review: 0.0, remove: 0.0}\noff_topic: {review: null, remove: null}\n")
    given = tmp_path / "given.yaml"
    given.write_text("incitement: {review: null, remove: null}\noff_topic: {review: null, remove: null}\n")

    assert Policy.load(model_dir=folder).source == str(folder / "policy.yaml")
    assert Policy.load(model_dir=tiny_model_dir).source == str(DEFAULT_POLICY_PATH)
    assert Policy.load(given, model_dir=folder).source == str(given)  # an explicit policy wins

    clf = ModClf.from_pretrained(folder, precision="fp32")
    assert clf.moderate("I will find you.").decision == "remove"
    assert clf.moderate("I will find you.", policy=given).decision == "allow"

    dump = tmp_path / "comments.jsonl"
    dump.write_text("".join(json.dumps({"id": str(i), "comment": f"comment number {i}"}) + "\n" for i in range(3)))
    score_file(clf, dump, tmp_path / "api.jsonl")
    assert main(["score", str(dump), "-o", str(tmp_path / "cli.jsonl"), "--model", str(folder), "-q"]) == 0
    assert main(["score", str(dump), "-o", str(tmp_path / "given.jsonl"), "--model", str(folder),
                 "--policy", str(given), "-q"]) == 0
    for name, decision in (("api", "remove"), ("cli", "remove"), ("given", "allow")):
        records = [json.loads(line) for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
        assert [r["decision"] for r in records] == [decision] * 3, name
