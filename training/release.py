"""The release gate: evaluate a candidate next to the released model on the same dev data, in one
run, and write a new release only when the candidate is no worse on any quality floor and better on
what the release is for.

    python training/release.py runs/candidate --improves line_f1/body token_f1/modclf content-only \\
        --sources dragnet readability cleaneval sfu synthetic gab edos implicit_hate semeval news_pairs contrast

What it measures, for both models (fp32 inference; the candidate as it will ship, fp16 weights) on
the same items:
- segmentation on every dev page (line F1 per label, for all / real / synthetic pages; exact comment
  splitting; token F1 next to trafilatura on the HTML pages);
- scoring on every test split (ROC-AUC and calibrated ECE per source) and the default policy
  (configs/policy.yaml): `review` / `remove` false-positive rates on ordinary news comments and forum
  answers, and the share of the contrast set's threats and of the hand-written holdout threats
  (data/holdout/, phrasings no training template produced) that reach `review` or `remove`;
- the candidate at the reduced precisions this CPU runs natively (int8; bf16 where native), against
  its own fp32 numbers, stored in the folder for `--precision auto` (a set too small to resolve the
  tolerance, where one swapped pair moves ROC-AUC past it, is reported and not judged).

Each difference (candidate - released) gets a 95% bootstrap interval, the same resamples for both
models (pages; comment groups for scoring). Refused when: a measured number breaks a floor in
configs/quality_floors.yaml; or the candidate is worse than the released model beyond the noise
(the interval lies wholly on the worse side) on any floor metric, calibration or policy rate (our
own threat sets, whose share of threats we chose, by their ECE at the labelled sources' base rate); or a
metric named in --improves is not better beyond the noise; or the scoring path changed and the
leave-one-source-out folds of training/evaluate_scoring.py (--scoring-eval: its JSON, or its folds
file as soon as the folds are done) are missing or break
their loso/... floors. A false-positive rate or calibration
error that has a ceiling in the floors file is judged by that ceiling alone (a release may spend
headroom under it for recall); without one, by the side-by-side rule, and only on sets large enough to
measure it (a perfectly calibrated model would score an ECE under ECE_RESOLUTION there; each set's
`ece_noise` row prints that floor). `--scoring-only` runs the scoring side alone and writes nothing.
On a pass it writes the
folder (only the weights training changed), version bumped, with metrics.json and a model card, and prints the
commit message that names the measured gain. Commit the folder in one commit.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch

from modclf import ModClf
from modclf.segment import LABELS
from modclf.training.metrics import comment_groups, page_texts, token_f1
from modclf.training.quality import data_fingerprint, load_floors
from modclf.training.sources import resolve_data_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_precision import TOLERANCE, score_examples, too_small_to_judge  # noqa: E402
from evaluate_scoring import bootstrap_weights, weighted_roc_auc  # noqa: E402
from evaluate_segmentation import trafilatura_texts  # noqa: E402

logger = logging.getLogger("release")

MIN_CHANGE = 0.001  # smaller changes are rounding (fp16 weights, fp32 sums), whatever their interval
# A set is too small to judge calibration side by side when a perfectly calibrated model with the same
# scores would itself measure an ECE above this (the calibration target): its ECE changes are binning noise.
ECE_RESOLUTION = 0.03
# Incitement sets we wrote, whose share of threats we chose (a quarter, a half): the probabilities are
# calibrated to the labelled sources' base rate (1-2%), so these sets' calibration is judged at that
# rate (`ece_at_base_rate`: items reweighted to it); their plain ECE is reported, not judged.
CONSTRUCTED_SETS = ("contrast", "holdout")
SEGMENTATION_TOLERANCE = 0.002  # the largest |line F1 change| a reduced precision may cause
TOKEN_MEASURES = ("content-only", "content+comments")
# Parts of a model that incitement reads (with its calibration): when they are unchanged, so are its
# leave-one-source-out folds, the only ones with floors (an off-topic reader trained alone keeps them).
INCITEMENT_PREFIXES = ("encoder.", "score_top.", "incitement_head.")


def lower_is_better(name: str) -> bool:
    return "fpr" in name or "/ece" in name


def is_constructed(name: str) -> bool:
    """Whether a test/<label>/<source>/... name is one of our own incitement threat sets."""
    parts = name.split("/")
    return len(parts) > 2 and parts[1] == "incitement" and parts[2] in CONSTRUCTED_SETS


def is_calibration_error(name: str) -> bool:
    """An ECE row the gate judges side by side (the plain ECE of a constructed incitement set is not)."""
    return name.endswith("/ece_at_base_rate") or (name.endswith("/ece") and not is_constructed(name))


# ----------------------------------------------------------------------------- segmentation


def segment_pages(models: dict[str, ModClf], pages, with_trafilatura: bool = True) -> dict:
    """Per-page count vectors for every model, plus trafilatura's token F1 (model-independent).

    counts[model]: (pages, columns) array; columns tp/fp/fn per label, then exact comments found,
    gold comments, page fully right, comment pages, then token F1 content-only and content+comments
    (NaN where the page has no gold text). Pages whose line count differs are dropped for all."""
    rows: dict[str, list] = defaultdict(list)
    predictions: dict[str, list] = defaultdict(list)
    kept, traf = [], []
    started = time.time()
    for n, page in enumerate(pages, 1):
        results = {name: clf.segment(page.raw, fmt=page.format) for name, clf in models.items()}
        if any(len(r.lines) != len(page.labels) for r in results.values()):
            logger.warning("%s: line count differs from its labels; skipped for every model", page.id)
            continue
        kept.append(page)
        has_text = page.format == "html" and page.gold_body is not None
        gold_all = (page.gold_body + "\n" + (page.gold_comments or "")).strip() if has_text else ""
        for name, result in results.items():
            labels = [line.label for line in result.lines]
            predictions[name].append(labels)
            pairs = Counter(zip(page.labels, labels))
            row = []
            for label in LABELS:
                tp = pairs[(label, label)]
                row += [tp, sum(n for (_, p), n in pairs.items() if p == label) - tp,
                        sum(n for (g, _), n in pairs.items() if g == label) - tp]
            if page.boundaries_known:
                gold, found = comment_groups(page.comment_index), comment_groups([x.comment for x in result.lines])
                row += [len(gold & found), len(gold), float(gold == found), 1.0]
            else:
                row += [0, 0, 0, 0]
            if has_text:
                body, everything = page_texts(result)
                row += [token_f1(page.gold_body, body)["f1"], token_f1(gold_all, everything)["f1"]]
            else:
                row += [np.nan, np.nan]
            rows[name].append(row)
        if has_text and with_trafilatura:
            with_comments, without = trafilatura_texts(page.raw)
            traf.append({"trafilatura content-only": token_f1(page.gold_body, with_comments)["f1"],
                         "trafilatura content+comments": token_f1(gold_all, with_comments)["f1"],
                         "trafilatura(include_comments=False) content-only": token_f1(page.gold_body, without)["f1"]})
        if n % 50 == 0:
            logger.info("segmented %d / %d pages (%.0f s)", n, len(pages), time.time() - started)
    return {
        "pages": kept,
        "counts": {name: np.array(r, dtype=float) for name, r in rows.items()},
        "predictions": dict(predictions),
        "trafilatura": {k: statistics.fmean(t[k] for t in traf) for k in traf[0]} if traf else {},
    }


def segmentation_values(counts: np.ndarray, weights: np.ndarray, real: np.ndarray) -> dict[str, np.ndarray]:
    """Metric name -> one value per row of `weights` (page multiplicities) from per-page counts."""
    out = {}
    for subset, mask in (("", np.ones(len(real), bool)), ("_real", real), ("_synthetic", ~real)):
        if not mask.any():
            continue
        sums = (weights * mask) @ np.nan_to_num(counts)
        for i, label in enumerate(LABELS):
            tp, fp, fn = sums[:, 3 * i], sums[:, 3 * i + 1], sums[:, 3 * i + 2]
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"line_f1{subset}/{label}"] = np.where(tp > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
    sums = weights @ np.nan_to_num(counts)
    c = 3 * len(LABELS)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["comment_split/comment_recall_exact"] = sums[:, c] / sums[:, c + 1]
        out["comment_split/page_exact"] = sums[:, c + 2] / sums[:, c + 3]
        for j, measure in enumerate(TOKEN_MEASURES):
            values = counts[:, c + 4 + j]
            has = ~np.isnan(values)
            out[f"token_f1/modclf {measure}"] = (weights @ np.where(has, values, 0.0)) / (weights @ has)
    return out


# ----------------------------------------------------------------------------- scoring


def weighted_ece(probs: np.ndarray, labels: np.ndarray, weights: np.ndarray, bins: int = 15) -> np.ndarray:
    """Expected calibration error (equal-width bins) per row of `weights` (item multiplicities)."""
    index = np.clip(np.digitize(probs, np.linspace(0, 1, bins + 1)[1:-1]), 0, bins - 1)
    onehot = np.eye(bins)[index]
    gap = weights @ (onehot * labels[:, None]) - weights @ (onehot * probs[:, None])
    return np.abs(gap).sum(1) / weights.sum(1)


def ece_noise_floor(probs: np.ndarray, bins: int = 15, draws: int = 200, seed: int = 0,
                    weights: np.ndarray | None = None) -> float:
    """The mean ECE of a perfectly calibrated model with these scores on this many items (labels drawn
    from the scores): what ECE measures on this set when nothing is miscalibrated."""
    rng = np.random.default_rng(seed)
    labels = (rng.random((draws, len(probs))) < probs).astype(float)
    w = np.ones((1, len(probs))) if weights is None else weights[None, :]
    return float(np.mean([weighted_ece(probs, row, w)[0] for row in labels]))


def base_rate_weights(labels: np.ndarray, rate: float) -> np.ndarray:
    """Item weights that give a set the positive share `rate` (each class keeps its own mix)."""
    share = labels.mean()
    return np.where(labels, rate / share, (1 - rate) / (1 - share))


def scoring_sets(test) -> list[tuple[str, list[int], str]]:
    """(metric prefix, example indices, label) per test set, as quality_floors names them."""
    sets = defaultdict(list)
    for i, ex in enumerate(test):
        for label in ("incitement", "off_topic"):
            if getattr(ex, label) is not None and (label == "incitement" or ex.article):
                sets[(label, ex.source)].append(i)
    return [(f"test/{label}/{source}", index, label) for (label, source), index in sorted(sets.items())]


def scoring_values(scores: list, test, weights: dict, policy) -> dict[str, np.ndarray]:
    """Metric name -> value per bootstrap row (row 0 of each weight matrix is the full sample)."""
    out = {}
    real = [float(ex.incitement) >= 0.5 for ex in test
            if ex.incitement is not None and ex.source not in CONSTRUCTED_SETS]
    base_rate = float(np.mean(real)) if real else None
    for prefix, index, label in scoring_sets(test):
        column = 0 if label == "incitement" else 1
        probs = np.array([scores[i][column] for i in index], dtype=float)
        labels = np.array([float(getattr(test[i], label)) for i in index]) >= 0.5
        w = weights[prefix]
        out[f"{prefix}/roc_auc"] = weighted_roc_auc(probs, labels, w)
        out[f"{prefix}/ece"] = weighted_ece(probs, labels.astype(float), w)
        out[f"{prefix}/ece_noise"] = np.array([ece_noise_floor(probs)])  # one value: no interval
        if is_constructed(prefix) and base_rate and 0 < labels.mean() < 1:
            prior = base_rate_weights(labels, base_rate)
            out[f"{prefix}/ece_at_base_rate"] = weighted_ece(probs, labels.astype(float), w * prior)
            out[f"{prefix}/ece_at_base_rate_noise"] = np.array([ece_noise_floor(probs, weights=prior)])
    thresholds = policy.thresholds["incitement"]
    review = thresholds.review if thresholds.review is not None else thresholds.remove
    # (metric name, policy set, decision): false-positive rates on ordinary comments, recall on threats.
    checks = [("policy/review_fpr", "ordinary", review), ("policy/remove_fpr", "ordinary", thresholds.remove),
              ("policy/forum_review_fpr", "forum", review), ("policy/forum_remove_fpr", "forum", thresholds.remove),
              ("policy/threats_review_or_remove_recall", "threats", review),
              ("policy/threats_remove_recall", "threats", thresholds.remove),
              ("policy/holdout_review_or_remove_recall", "holdout_threats", review),
              ("policy/holdout_remove_recall", "holdout_threats", thresholds.remove)]
    for name, group, limit in checks:
        index = weights[f"{group}_index"]
        if not index:
            continue
        probs = np.array([scores[i][0] for i in index], dtype=float)
        hits = probs >= limit if limit is not None else np.zeros(len(probs), bool)
        out[name] = (weights[group] @ hits) / weights[group].sum(1)
    return out


def scoring_weights(test, n_boot: int, seed: int) -> dict:
    """Cluster-bootstrap weights per test set (row 0 = the sample itself), shared by both models."""
    def with_point(groups):
        return np.vstack([np.ones(len(groups)), bootstrap_weights(groups, n_boot, seed)])

    weights = {prefix: with_point([test[i].group for i in index]) for prefix, index, _ in scoring_sets(test)}
    seen, ordinary = set(), []
    for i, ex in enumerate(test):  # the on-topic comments of news pages, each text once
        if ex.source == "news_pairs" and ex.meta.get("pair") == "own" and ex.text not in seen:
            seen.add(ex.text)
            ordinary.append(i)
    seen, forum = set(), []
    for i, ex in enumerate(test):  # forum answers (SemEval), each text once
        if ex.source == "semeval" and ex.text not in seen:
            seen.add(ex.text)
            forum.append(i)
    threats = [i for i, ex in enumerate(test) if ex.source == "contrast" and (ex.incitement or 0) >= 0.5]
    holdout = [i for i, ex in enumerate(test) if ex.source == "holdout" and ex.incitement >= 0.5]
    for name, index in (("ordinary", ordinary), ("forum", forum), ("threats", threats), ("holdout_threats", holdout)):
        weights[f"{name}_index"] = index
        weights[name] = with_point([test[i].group for i in index])
    return weights


# ----------------------------------------------------------------------------- the gate


def compare(values: dict[str, dict[str, np.ndarray]], candidate: str, released: str) -> dict[str, dict]:
    """Per metric: both point values (row 0) and the 95% interval of candidate - released."""
    rows = {}
    for name, cand in values[candidate].items():
        rel = values[released].get(name)
        if rel is None:
            continue
        diff = cand[1:] - rel[1:]
        diff = diff[~np.isnan(diff)]
        ci = [float(np.percentile(diff, 2.5)), float(np.percentile(diff, 97.5))] if len(diff) else None
        rows[name] = {"candidate": float(cand[0]), "released": float(rel[0]), "delta": float(cand[0] - rel[0]),
                      "delta_ci": ci, "lower_is_better": lower_is_better(name)}
    return rows


def decide(rows: dict[str, dict], floors, improves: list[str], floors_bind: bool) -> list[str]:
    """The reasons to refuse (empty = release). See the module docstring for the rules."""
    reasons = []
    if floors_bind:
        measured = {name: row["candidate"] for name, row in rows.items()}
        for section in ("segmentation", "scoring"):
            reasons += floors.check(section, measured, require_all=False)
    guarded = set()
    for section in ("segmentation", "scoring"):
        bounds = floors.sections.get(section)
        if bounds:
            guarded |= set(bounds.at_least) | set(bounds.at_most)
    ceilings = set()
    for section in ("segmentation", "scoring"):
        bounds = floors.sections.get(section)
        if bounds:
            ceilings |= set(bounds.at_most)
    for name, row in rows.items():
        if not (name in guarded or name.startswith("policy/") or is_calibration_error(name)) or row["delta_ci"] is None:
            continue
        noise = rows.get(f"{name}_noise")
        if is_calibration_error(name) and noise and max(noise["candidate"], noise["released"]) > ECE_RESOLUTION:
            continue  # too few items for 15 bins to tell a calibration change from binning noise
        if name in ceilings and floors_bind:
            # A false-positive rate or calibration error with a ceiling is judged by the ceiling: a
            # release may spend headroom under it for recall (the policy's thresholds trade the two).
            continue
        low, high = row["delta_ci"]
        worse = (low > 0 if row["lower_is_better"] else high < 0) and abs(row["delta"]) >= MIN_CHANGE
        if worse:
            reasons.append(f"{name}: worse than the released model beyond the noise "
                           f"({row['released']:.4f} -> {row['candidate']:.4f}, 95% interval of the change {low:+.4f}..{high:+.4f})")
    for name in improves:
        row = rows.get(name)
        if row is None:
            reasons.append(f"--improves {name}: not measured; measured names: {', '.join(sorted(rows))}")
            continue
        low, high = row["delta_ci"] or (0.0, 0.0)
        better = high < 0 if row["lower_is_better"] else low > 0
        if not better:
            reasons.append(f"{name}: not better beyond the noise ({row['released']:.4f} -> {row['candidate']:.4f}, "
                           f"95% interval of the change {low:+.4f}..{high:+.4f})")
    return reasons


def read_scoring_eval(path: Path, candidate: Path, data_dir) -> list[dict] | None:
    """The leave-one-source-out rows of training/evaluate_scoring.py: from its --out JSON, or from
    its folds file (OUT.folds.jsonl), keeping only folds whose key is the candidate's recipe on this
    data, so the gate can run as soon as the folds are done."""
    if path.name.endswith(".jsonl"):
        from evaluate_scoring import LOSO_SOURCES, expected_fold_keys, read_folds

        if not path.exists():
            raise ValueError("no such folds file")
        folds = read_folds(path)
        expected = expected_fold_keys(candidate, LOSO_SOURCES, data_dir)
        found = [key for key in expected.values() if key in folds]
        if not found:
            raise ValueError(f"none of its {len(folds)} folds was measured on this candidate's recipe and data")
        logger.info("%s: %d of %d folds are this candidate's recipe", path, len(found), len(folds))
        return [row for key in found for row in folds[key]]
    return json.loads(path.read_text()).get("leave_one_source_out") or None


def loso_reasons(loso: list[dict] | None, floors, scoring_changed: bool, floors_bind: bool) -> list[str]:
    """Reasons to refuse from the leave-one-source-out folds: a changed incitement path needs them
    measured (training/evaluate_scoring.py --out, passed as --scoring-eval), and each fold's
    ROC-AUC must keep its loso/... floor."""
    if loso is None:
        return ["the incitement path changed but no leave-one-source-out folds were given (--scoring-eval)"] if scoring_changed else []
    if not floors_bind:
        return []
    measured = {f"loso/{row['label']}/{row['left_out']}/roc_auc": row["model"]["roc_auc"]
                for row in loso if row["model"].get("roc_auc") is not None}
    wanted = [n for n in floors.sections["scoring"].at_least if n.startswith("loso/")]
    missing = [f"{n}: no fold in --scoring-eval" for n in wanted if n not in measured]
    return missing + floors.check("scoring", measured, require_all=False)


def precision_check(clf: ModClf, test, fp32_scores, pages, fp32_predictions) -> dict:
    """The candidate at each reduced precision this CPU runs natively, against its own fp32 numbers."""
    from modclf.encode import native_bf16
    from modclf.model import int8_available
    from modclf.training.metrics import line_prf

    reduced = (["int8"] if int8_available() else []) + (["bf16"] if native_bf16() else [])
    out = {}
    sets = scoring_sets(test)
    for precision in reduced:
        started = time.time()
        scores = score_examples(clf, test, precision)
        deltas, too_small = {}, []
        for prefix, index, label in sets:
            column = 0 if label == "incitement" else 1
            labels = np.array([float(getattr(test[i], label)) for i in index]) >= 0.5
            auc = [weighted_roc_auc(np.array([s[i][column] for i in index]), labels)[0] for s in (fp32_scores, scores)]
            deltas[f"{prefix}/roc_auc"] = float(auc[1] - auc[0])
            if too_small_to_judge(labels):
                too_small.append(f"{prefix}/roc_auc")
        clf.precision = precision
        predicted = [[line.label for line in clf.segment(p.raw, fmt=p.format).lines] for p in pages]
        gold = [p.labels for p in pages]
        f1 = {k: v["f1"] for k, v in line_prf(gold, predicted).items()}
        f1_fp32 = {k: v["f1"] for k, v in line_prf(gold, fp32_predictions).items()}
        line_deltas = {f"line_f1/{k}": f1[k] - f1_fp32[k] for k in f1}
        worst_auc = max((abs(v) for k, v in deltas.items() if not np.isnan(v) and k not in too_small), default=0.0)
        worst_f1 = max(abs(v) for v in line_deltas.values())
        out[precision] = {
            "roc_auc_delta": deltas, "too_small_to_judge": too_small, "line_f1_delta": line_deltas, "pages": len(pages),
            "max_abs_roc_auc_delta": worst_auc, "max_abs_line_f1_delta": worst_f1,
            "within_tolerance": bool(worst_auc <= TOLERANCE and worst_f1 <= SEGMENTATION_TOLERANCE),
            "tolerance": {"roc_auc": TOLERANCE, "line_f1": SEGMENTATION_TOLERANCE},
            "cpu": torch.backends.cpu.get_cpu_capability(), "seconds": round(time.time() - started),
        }
        logger.info("%s: largest |dROC-AUC| %.4f, |d line F1| %.4f", precision, worst_auc, worst_f1)
    clf.precision = "fp32"
    return out


def threshold_grids(scores: list, test) -> dict[str, list[dict]]:
    """Precision, recall and false-positive rate per threshold of each label, on its test sets pooled
    (contrast and holdout items included), for the model card."""
    from modclf.training.thresholds import grid_table

    grids = {}
    for column, label in enumerate(("incitement", "off_topic")):
        index = [i for i, ex in enumerate(test) if getattr(ex, label) is not None and (label == "incitement" or ex.article)]
        probs = [float(scores[i][column]) for i in index]
        labels = [float(getattr(test[i], label)) >= 0.5 for i in index]
        grids[label] = grid_table(probs, labels)
    return grids


def bump(version: str, part: str) -> str:
    major, minor, patch = (int("".join(c for c in x if c.isdigit()) or 0) for x in (version.split(".") + ["0", "0"])[:3])
    if part == "major":
        return f"{major + 1}.0.0"
    return f"{major}.{minor + 1}.0" if part == "minor" else f"{major}.{minor}.{patch + 1}"


def incitement_unchanged(candidate: ModClf, released: ModClf) -> bool:
    """Whether incitement's path (shared and scoring layers, head, calibration; to fp16) is the same."""
    a, b = candidate.model.state_dict(), released.model.state_dict()
    keys = [k for k in a if k.startswith(INCITEMENT_PREFIXES)]
    same = all(k in b and a[k].shape == b[k].shape and torch.equal(a[k].half(), b[k].half()) for k in keys)
    return same and candidate.config.calibration["incitement"] == released.config.calibration["incitement"]


def print_table(title: str, rows: dict[str, dict], names) -> None:
    print(f"\n{title}")
    print(f"{'metric':<48} {'released':>9} {'candidate':>9} {'change':>8}  95% interval")
    for name in names:
        row = rows.get(name)
        if row is None:
            continue
        ci = row["delta_ci"]
        ci_text = f"{ci[0]:+.4f}..{ci[1]:+.4f}" if ci else "-"
        print(f"{name:<48} {row['released']:9.4f} {row['candidate']:9.4f} {row['delta']:+8.4f}  {ci_text}")


def as_shipped(folder: Path, workdir: Path) -> ModClf:
    """The candidate as the release writes it (fp16 weights of what training changed, the rest from
    the base package), so the gate measures what ships rather than training's fp32 folder."""
    ModClf.from_pretrained(folder, precision="fp32").save_pretrained(workdir)
    return ModClf.from_pretrained(workdir, precision="fp32")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("candidate", type=Path, help="the candidate model folder (e.g. runs/x/best)")
    parser.add_argument("--released", type=Path, default=Path("models/modclf-base"), help="the released model to beat")
    parser.add_argument("--out", type=Path, default=None, help="where the release goes (default: --released, replaced)")
    parser.add_argument("--improves", nargs="+", required=True,
                        help="metrics this release is for: each must be better beyond the noise (e.g. line_f1/body)")
    parser.add_argument("--sources", nargs="+", required=True, help="training sources (names in modclf.training.card.SOURCES)")
    parser.add_argument("--bump", choices=["major", "minor", "patch"], default="minor", help="version part to bump")
    parser.add_argument("--notes", type=Path, default=None, help="a Markdown file of release notes to add")
    parser.add_argument("--scoring-eval", type=Path, default=None,
                        help="training/evaluate_scoring.py's --out JSON of the candidate, or its OUT.folds.jsonl "
                             "(leave-one-source-out numbers; from a folds file, only folds of the candidate's recipe)")
    parser.add_argument("--data-dir", default=None, help="data directory (default: $MODCLF_DATA_DIR or ../shared/data)")
    parser.add_argument("--pages", type=int, default=0, help="dev pages to use, every k-th (0 = all; smoke runs only)")
    parser.add_argument("--items", type=int, default=0, help="test items to use, every k-th (0 = all; smoke runs only)")
    parser.add_argument("--precision-pages", type=int, default=150, help="dev pages for the reduced-precision check")
    parser.add_argument("--bootstrap", type=int, default=500, help="bootstrap resamples")
    parser.add_argument("--dry-run", action="store_true", help="measure and decide, write nothing")
    parser.add_argument("--scoring-only", action="store_true",
                        help="the scoring side of the gate alone (no pages, no precision check; writes nothing): "
                             "would a scoring candidate be refused?")
    parser.add_argument("--json", type=Path, default=None, help="also write the whole comparison here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    from modclf.policy import Policy
    from modclf.training.sources.comments import build_scoring_data, load_holdout
    from modclf.training.sources.page_loaders import build_segmentation_data

    started = time.time()
    data_dir = resolve_data_dir(args.data_dir)
    loso, loso_from = None, None
    if args.scoring_eval:  # read before the long measurement, so a wrong file fails at once
        try:
            loso = read_scoring_eval(args.scoring_eval, args.candidate, data_dir)
        except (OSError, ValueError) as exc:
            print(f"release: --scoring-eval {args.scoring_eval}: {exc}", file=sys.stderr)
            return 2
        loso_from = f"training/evaluate_scoring.py on the candidate ({args.scoring_eval.name})"
    shipped = tempfile.TemporaryDirectory(prefix="modclf-release-")  # removed when the gate exits
    models = {"released": ModClf.from_pretrained(args.released, precision="fp32"),
              "candidate": as_shipped(args.candidate, Path(shipped.name))}
    print(f"release gate: candidate {args.candidate} ({models['candidate'].model_id}) against "
          f"{args.released} ({models['released'].model_id})")

    values = {name: {} for name in models}
    if not args.scoring_only:
        dev = build_segmentation_data(data_dir)["dev"]
        if args.pages:
            dev = dev[:: max(1, len(dev) // args.pages)][: args.pages]
        seg = segment_pages(models, dev)
        pages = seg["pages"]
        real = np.array([p.source != "synthetic" for p in pages])
        page_weights = np.vstack([np.ones(len(pages)), bootstrap_weights([p.id for p in pages], args.bootstrap, 0)])
        values = {name: segmentation_values(seg["counts"][name], page_weights, real) for name in models}

    test = [ex for ex in build_scoring_data(data_dir) if ex.split == "test"] + load_holdout()
    if args.items:
        test = test[:: max(1, len(test) // args.items)]
    policy = Policy.load()
    weights = scoring_weights(test, args.bootstrap, 0)
    scores = {name: score_examples(clf, test, "fp32") for name, clf in models.items()}
    for name in models:
        values[name].update(scoring_values(scores[name], test, weights, policy))
    rows = compare(values, "candidate", "released")

    floors = load_floors()
    fingerprint = data_fingerprint(data_dir)
    floors_bind = fingerprint == floors.data_fingerprint and not (args.pages or args.items)  # not on samples
    reasons = decide(rows, floors, args.improves, floors_bind)
    scoring_changed = not incitement_unchanged(models["candidate"], models["released"])
    if not args.scoring_eval and not scoring_changed:
        previous = json.loads((args.released / "metrics.json").read_text()) if (args.released / "metrics.json").exists() else {}
        # Its incitement folds only: an off-topic fold of the released model says nothing of a new reader.
        loso = [row for row in previous.get("scoring_leave_one_source_out") or [] if row.get("label") == "incitement"] or None
        loso_from = f"{models['released'].model_id}'s incitement folds: this model keeps its incitement path unchanged"
    # The released model's folds were checked at its release; a changed scoring path brings its own.
    reasons += loso_reasons(loso if args.scoring_eval else None, floors, scoring_changed, floors_bind)
    if args.scoring_only:
        print(f"\n{len(test)} test items, {args.bootstrap} bootstrap resamples")
        print_table("scoring (test splits) and the default policy", rows, list(rows))
        print("\nscoring side of the gate: " + ("REFUSED" if reasons else "passed") + f" ({time.time() - started:.0f} s)")
        for reason in reasons:
            print(f"  {reason}")
        return 1 if reasons else 0

    sample = random.Random(0).sample(range(len(pages)), min(args.precision_pages, len(pages)))
    precision = precision_check(models["candidate"], test, scores["candidate"], [pages[i] for i in sample],
                                [seg["predictions"]["candidate"][i] for i in sample])

    seg_names = [n for n in rows if n.startswith(("line_f1", "comment_split", "token_f1"))]
    print(f"\n{len(pages)} dev pages ({int(real.sum())} real, {int((~real).sum())} synthetic), "
          f"{len(test)} test items, {args.bootstrap} bootstrap resamples")
    print_table("segmentation (dev pages)", rows, seg_names)
    for name, value in seg["trafilatura"].items():
        print(f"  {name}: {value:.4f}")
    print_table("scoring (test splits) and the default policy", rows, [n for n in rows if n not in seg_names])
    for name, check in precision.items():
        print(f"\n{name}: largest |dROC-AUC| {check['max_abs_roc_auc_delta']:.4f}, largest |d line F1| "
              f"{check['max_abs_line_f1_delta']:.4f} on {check['pages']} pages: "
              f"{'within' if check['within_tolerance'] else 'NOT within'} tolerance")
    if not floors_bind and fingerprint == floors.data_fingerprint:
        print("\nquality floors: not checked on a sample (--pages / --items)")
    elif not floors_bind:
        print(f"\nquality floors: the data's fingerprint {fingerprint} differs from {floors.data_fingerprint} "
              f"(other data); only the side-by-side rules were applied")

    version = bump(models["released"].config.version, args.bump)
    comparison = {
        "candidate": str(args.candidate), "released": models["released"].model_id, "version": version,
        "pages": {"all": len(pages), "real": int(real.sum()), "synthetic": int((~real).sum())},
        "test_items": len(test), "bootstrap": args.bootstrap, "data_fingerprint": fingerprint,
        "floors_bind": floors_bind, "improves": args.improves, "rows": rows, "trafilatura": seg["trafilatura"],
        "refused": reasons, "seconds": round(time.time() - started),
    }
    if args.json:
        args.json.write_text(json.dumps(comparison, indent=2, default=float) + "\n")
    if reasons:
        print("\nrelease: REFUSED")
        for reason in reasons:
            print(f"  {reason}")
        return 1
    gains = ", ".join(f"{n} {rows[n]['released']:.3f} -> {rows[n]['candidate']:.3f}" for n in args.improves)
    message = f"Release {models['candidate'].config.name} {version}: {gains} (gate: no floor metric worse)"
    print(f"\nrelease: PASSED ({comparison['seconds']} s)")
    if args.dry_run:
        print(f"dry run: nothing written; the commit message would be:\n  {message}")
        return 0

    out = args.out or args.released
    clf = models["candidate"]
    clf.model.config.version = version
    staging = out.with_name(out.name + ".new")
    if staging.exists():
        shutil.rmtree(staging)
    clf.save_pretrained(staging)
    for candidate in (args.candidate / "training_config.yaml", args.candidate.parent / "training_config.yaml"):
        if candidate.exists():
            shutil.copy(candidate, staging / "training_config.yaml")
            break
    metrics = {
        "gate": comparison,
        "segmentation_dev": {name: row["candidate"] for name, row in rows.items() if name in seg_names},
        "scoring_test": {name: row["candidate"] for name, row in rows.items() if name not in seg_names},
        "scoring_leave_one_source_out": loso,
        "scoring_leave_one_source_out_from": loso_from,
        "precision": precision,
        "threshold_grid": threshold_grids(scores["candidate"], test),
    }
    from modclf.training.card import write_model_card

    notes = args.notes.read_text() if args.notes else ""
    write_model_card(staging, args.sources, metrics, notes)
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"released {clf.model_id} to {out} ({size / 2**20:.1f} MiB); commit it in one commit:\n  git add {out} && "
          f"git commit -m \"{message}\"")
    return 0


if __name__ == "__main__":
    sys.exit(main())
