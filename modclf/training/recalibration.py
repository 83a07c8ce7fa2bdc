"""Refitting a model's calibration on a platform's own labelled comments (`modclf calibrate`).

A released model's probabilities are calibrated on the mix of our sources (about 1.5% of comments
incite). On a platform with another base rate or other kinds of comments they are off (docs/scoring.md
measures how far, per source, and what a refit on the source's own labels gives back). Refitting
changes only the temperature and bias of one label (the ranking, and so ROC-AUC and every
precision/recall trade-off, stays the same), so it needs no GPU and no training data, only a few
hundred labelled comments drawn at random from the platform's stream. Thresholds read off the old
scale move with it: `mapped_threshold` gives the one that makes the same decisions on the new scale.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from modclf.errors import InputError, ModClfError
from modclf.policy import MODEL_POLICY_FILE
from modclf.score import calibrate, embed_articles, embed_comments
from modclf.training.scoring import expected_calibration_error, fit_platt

MIN_LABELLED = 50  # fewer gives a temperature and bias that move with every added comment
MIN_PER_CLASS = 5  # at least this many comments on each side of 0.5
CV_FOLDS = 5  # cross-validated ECE: each comment scored by a fit that did not see its group


def label_logits(clf, examples, label: str) -> np.ndarray:
    """Uncalibrated fp32 logits of `label` for labelled examples (each distinct article encoded once).
    fp32 whatever `clf` serves at: reduced precisions are measured against fp32 logits."""
    texts = [ex.text for ex in examples]
    with torch.inference_mode():
        emb = embed_comments(clf.model, clf.tokenizer, texts, "fp32")
        if label == "incitement":
            return clf.model.incitement_logits(emb).double().numpy()
        articles = sorted({ex.article for ex in examples})
        index = {a: i for i, a in enumerate(articles)}
        article_emb = embed_articles(clf.model, clf.tokenizer, articles, "fp32")
        rows = torch.tensor([index[ex.article] for ex in examples], dtype=torch.long)
        return clf.model.off_topic_logits(emb, article_emb[rows]).double().numpy()


def _probs(logits: np.ndarray, params) -> np.ndarray:
    return calibrate(torch.tensor(logits), params).double().numpy()


def _fold_of(group: str) -> int:
    # A stable fold per group (not Python's salted hash), so reruns report the same number.
    return int(hashlib.sha256(group.encode()).hexdigest(), 16) % CV_FOLDS


def cross_validated_ece(logits: np.ndarray, targets: np.ndarray, groups: list[str]) -> float | None:
    """ECE of Platt fits scored on the groups they did not see (None: too few groups to split)."""
    folds = np.array([_fold_of(g) for g in groups])
    if len(set(folds.tolist())) < 2:
        return None
    probs = np.empty(len(logits))
    for fold in set(folds.tolist()):
        held = folds == fold
        probs[held] = _probs(logits[held], fit_platt(logits[~held], platt_targets(targets[~held])))
    return expected_calibration_error(probs, targets)


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def mapped_threshold(threshold: float, old, new) -> float:
    """The threshold on the `new` calibration's scale that flags exactly what `threshold` flagged on
    the `old` one (both calibrations are increasing functions of one logit)."""
    if threshold <= 0.0 or threshold >= 1.0:
        return threshold
    logit = (math.log(threshold / (1 - threshold)) - old[1]) * old[0]
    return _sigmoid(logit / new[0] + new[1])


def platt_targets(targets: np.ndarray) -> np.ndarray:
    """Platt's smoothed targets, (n+ + 1) / (n+ + 2) for positives and 1 / (n- + 2) for negatives:
    without them a small set that the logits separate drives the temperature to zero."""
    positives = targets.sum()
    negatives = len(targets) - positives
    return targets * (positives + 1) / (positives + 2) + (1 - targets) / (negatives + 2)


def recalibrate(clf, examples, label: str) -> dict:
    """Fit `label`'s temperature and bias on labelled examples and set them on `clf`'s model.

    Examples are label-file rows (modclf.training.sources.labels); off-topic ones need an article.
    Returns what a user needs to judge the fit: counts, old and new (temperature, bias), ECE before and
    after on these examples, and the cross-validated ECE after (the honest estimate). Only the model in
    memory changes: batch workers load theirs from a folder, so save it (save_recalibrated) and load that."""
    if label not in ("incitement", "off_topic"):
        raise InputError(f"unknown label {label!r}: incitement or off_topic")
    usable = [ex for ex in examples if getattr(ex, label) is not None and (label == "incitement" or ex.article)]
    targets = np.array([float(getattr(ex, label)) for ex in usable])
    positives = int((targets >= 0.5).sum())
    if len(usable) < MIN_LABELLED or min(positives, len(usable) - positives) < MIN_PER_CLASS:
        need = " with an article" if label == "off_topic" else ""
        raise InputError(
            f"{len(usable)} comments labelled for {label}{need} ({positives} positive): calibrating needs at "
            f"least {MIN_LABELLED}, with {MIN_PER_CLASS} or more on each side"
        )
    logits = label_logits(clf, usable, label)
    if not np.isfinite(logits).all():
        raise RuntimeError("the model produced NaN or infinite logits; the model folder may be corrupt")
    old = [float(v) for v in clf.config.calibration[label]]
    new = list(fit_platt(logits, platt_targets(targets)))
    if new == [1.0, 0.0]:  # fit_platt's answer when the fit fails (it logs why)
        raise ModClfError(f"the calibration fit failed on these {len(usable)} comments; the model is unchanged")
    clf.config.calibration[label] = new
    return {
        "label": label,
        "comments": len(usable),
        "positives": positives,
        "base_rate": float(targets.mean()),
        "old": old,
        "new": new,
        "ece_before": expected_calibration_error(_probs(logits, old), targets),
        "ece_after": expected_calibration_error(_probs(logits, new), targets),
        "ece_after_cross_validated": cross_validated_ece(logits, targets, [ex.group for ex in usable]),
    }


def mapped_policy(policy, label: str, old, new):
    """`policy` with `label`'s thresholds moved to the new calibration's scale (the same decisions)."""
    from modclf.policy import Policy, Thresholds

    def moved(v):
        # Rounded as the scores are (6 decimals), never to 0 or 1: those would review or keep everything.
        return None if v is None else min(max(round(mapped_threshold(v, old, new), 6), 1e-6), 1 - 1e-6)

    t = policy.thresholds[label]
    return Policy({**policy.thresholds, label: Thresholds(moved(t.review), moved(t.remove))},
                  f"{policy.source}, {label} moved to the new calibration")


def check_output(output, source) -> None:
    """Refuse an OUTPUT that is the source folder, a file, or a non-empty folder that is not a model."""
    from modclf.model import MODEL_CONFIG_FILE

    output = Path(output)
    if source is not None and output.resolve() == Path(source).resolve():
        raise ModClfError(f"{output} is the model being recalibrated; write the new folder elsewhere")
    if output.exists() and not output.is_dir():
        raise ModClfError(f"{output} is a file, not a folder")
    if output.is_dir() and any(output.iterdir()) and not (output / MODEL_CONFIG_FILE).is_file():
        raise ModClfError(f"{output} is not empty and holds no model; refusing to replace it")


def save_recalibrated(clf, report: dict, output, labels_file, policy):
    """Write the recalibrated model folder, replacing OUTPUT whole and only once it is complete: the
    source folder's files as they are (weights byte for byte), its config with the new calibration and
    a version tagged with that calibration's hash (so every output record says which scale scored it),
    its card with a section on the refit, `calibration.json` (the report) and `policy.yaml` (`policy`
    with the thresholds moved so that it makes the same decisions as before). Returns that policy."""
    from modclf.model import MODEL_CONFIG_FILE

    output, labels_file = Path(output), Path(labels_file)
    check_output(output, clf.path)
    digest = hashlib.sha256(labels_file.read_bytes()).hexdigest()
    tag = hashlib.sha256(json.dumps(clf.config.calibration, sort_keys=True).encode()).hexdigest()[:8]
    clf.config.version = f"{clf.config.version.split('+')[0]}+cal.{tag}"
    moved = mapped_policy(policy, report["label"], report["old"], report["new"])
    source = Path(clf.path) if clf.path is not None else None
    card = (source / "README.md").read_text(encoding="utf-8") if source and (source / "README.md").is_file() else f"# {clf.model_id}\n"
    cv = report["ece_after_cross_validated"]
    card += (
        f"\n## Recalibrated: {report['label']} ({clf.model_id})\n\n"
        f"`modclf calibrate` refitted the {report['label']} calibration on {report['comments']} labelled comments "
        f"of `{labels_file.name}` (sha256 {digest[:16]}..., {report['positives']} positive, mean label "
        f"{report['base_rate']:.3f}): temperature and bias {report['old'][0]:.3f}, {report['old'][1]:.3f} -> "
        f"{report['new'][0]:.3f}, {report['new'][1]:.3f}. ECE on those comments {report['ece_before']:.3f} -> "
        f"{report['ece_after']:.3f}" + ("" if cv is None else f" ({cv:.3f} cross-validated)") + ". Only the "
        "probabilities moved: rankings, and every ROC-AUC above, are unchanged; calibration errors and threshold "
        "tables above were measured on the old scale. `policy.yaml` here, used by default with this folder, "
        "makes the same decisions as the policy it came from.\n"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    try:
        if source is not None and (source / MODEL_CONFIG_FILE).is_file():
            shutil.copytree(source, staging, dirs_exist_ok=True)
            config = json.loads((staging / MODEL_CONFIG_FILE).read_text())
            config.update(calibration=clf.config.calibration, version=clf.config.version)
            (staging / MODEL_CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")
        else:  # a model built in memory
            clf.save_pretrained(staging)
        (staging / MODEL_POLICY_FILE).write_text(
            f"# {policy.source}, with the {report['label']} thresholds moved to this folder's calibration:\n"
            "# the same decisions as before. Pick new ones on your comments with `modclf thresholds`.\n" + moved.to_yaml()
        )
        (staging / "calibration.json").write_text(
            json.dumps({**report, "labels_file": labels_file.name, "labels_sha256": digest}, indent=2) + "\n"
        )
        (staging / "README.md").write_text(card, encoding="utf-8")
        if output.exists():
            shutil.rmtree(output)
        staging.rename(output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return moved
