"""Quality floors: the numbers a model must keep, stored next to the hash of the data they were measured on.

A retrained or optimised model that quietly loses quality is worse than a slow one. The evaluation
scripts and the test suite compare what they measure with `configs/quality_floors.yaml`; lowering a
floor is a deliberate, reviewed change to that file. Floors only bind on the data they were
measured on: when the data's fingerprint differs, the check says so instead of passing or failing.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from modclf.errors import ConfigError

DEFAULT_FLOORS = Path(__file__).resolve().parents[2] / "configs" / "quality_floors.yaml"
# The data folders the evaluations read: a change to any file in them changes the fingerprint.
DATA_FOLDERS = ("pages", "incitement", "offtopic")
SECTIONS = ("segmentation", "scoring", "gate_segmentation", "gate_scoring")


def data_fingerprint(data_dir: str | os.PathLike) -> str:
    """A short hash of every file (name and bytes) under the data folders the evaluations read, and
    of the page labelling's version: the pages' gold labels come from aligning those files."""
    from modclf.training.sources.page_loaders import LABELS_VERSION

    root = Path(data_dir)
    digest = hashlib.sha256(f"labels {LABELS_VERSION}".encode())
    for folder in DATA_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


@dataclass
class Bounds:
    """One section's limits: metric name -> the least (at_least) or most (at_most) allowed value."""

    at_least: dict[str, float] = field(default_factory=dict)
    at_most: dict[str, float] = field(default_factory=dict)


@dataclass
class QualityFloors:
    data_fingerprint: str
    sections: dict[str, Bounds]
    path: Path | None = None

    def check(self, section: str, measured: dict[str, float], require_all: bool = True) -> list[str]:
        """One line per broken limit. A metric missing from `measured` breaks it when `require_all`
        (a gate that silently measures less would mean little); a partial evaluation passes False."""
        bounds = self.sections.get(section)
        if bounds is None:
            raise ConfigError(f"{self.path}: no section {section!r}; expected one of {sorted(self.sections)}")
        failures = []
        for kind, limits in (("floor", bounds.at_least), ("ceiling", bounds.at_most)):
            for name, limit in limits.items():
                value = measured.get(name)
                if value is None:
                    if require_all:
                        failures.append(f"{section}: {name} was not measured ({kind} {limit})")
                elif (value < limit) if kind == "floor" else (value > limit):
                    side = "below its floor" if kind == "floor" else "above its ceiling"
                    failures.append(f"{section}: {name} = {value:.4f} is {side} {limit}")
        return failures


def load_floors(path: str | os.PathLike | None = None) -> QualityFloors:
    """Read a floors file; unknown sections, keys or non-numeric limits are errors naming the file."""
    path = Path(path) if path is not None else DEFAULT_FLOORS
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read quality floors {path}: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("data_fingerprint"), str):
        raise ConfigError(f"{path}: expected a mapping with a 'data_fingerprint' string and sections {SECTIONS}")
    sections = {}
    for name, body in raw.items():
        if name == "data_fingerprint":
            continue
        if name not in SECTIONS:
            raise ConfigError(f"{path}: unknown section {name!r}; expected one of {SECTIONS}")
        body = body or {}
        unknown = set(body) - {"at_least", "at_most"}
        if unknown:
            raise ConfigError(f"{path}: section {name!r} has unknown keys {sorted(unknown)}; use at_least / at_most")
        limits = {}
        for kind in ("at_least", "at_most"):
            limits[kind] = {}
            for metric, value in (body.get(kind) or {}).items():
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ConfigError(f"{path}: {name}.{kind}.{metric} must be a number, got {value!r}")
                limits[kind][str(metric)] = float(value)
        sections[name] = Bounds(**limits)
    return QualityFloors(raw["data_fingerprint"], sections, path)


def segmentation_metrics(result: dict) -> dict[str, float]:
    """Flat metric names for a segmentation evaluation result (training/evaluate_segmentation.py)."""
    out = {f"line_f1/{label}": m["f1"] for label, m in result.get("lines", {}).items()}
    split = result.get("comment_split") or {}
    for key in ("comment_recall_exact", "comment_precision_exact", "page_exact"):
        if split.get(key) is not None:
            out[f"comment_split/{key}"] = split[key]
    for name, m in (result.get("token_f1") or {}).items():
        out[f"token_f1/{name}"] = m["mean_f1"] if isinstance(m, dict) else m  # model cards keep the bare mean
    return out


def scoring_metrics(result: dict) -> dict[str, float]:
    """Flat metric names for a scoring evaluation result (training/evaluate_scoring.py)."""
    out = {}
    for section, prefix in (("in_distribution", "test"), ("leave_one_source_out", "loso")):
        for row in result.get(section) or []:
            out[f"{prefix}/{row['label']}/{row['set']}/roc_auc"] = row["model"]["roc_auc"]
        for row in result.get(section) or []:
            if prefix == "test" and row["model"].get("ece_calibrated") is not None:
                out[f"test/{row['label']}/{row['set']}/ece"] = row["model"]["ece_calibrated"]
    # The default policy, under the names the release gate gives the same measures.
    policy = (result.get("policy") or {}).get("candidate") or {}
    for name, (group, decision) in POLICY_METRICS.items():
        if (policy.get(group) or {}).get(decision) is not None:
            out[name] = policy[group][decision]
    return out


# Policy metric names (shared by training/release.py) -> (policy set, decision) of evaluate_scoring.
POLICY_METRICS = {
    "policy/review_fpr": ("ordinary/news", "review_or_remove"),
    "policy/remove_fpr": ("ordinary/news", "remove"),
    "policy/forum_review_fpr": ("ordinary/forum", "review_or_remove"),
    "policy/forum_remove_fpr": ("ordinary/forum", "remove"),
    "policy/threats_review_or_remove_recall": ("threats/contrast", "review_or_remove"),
    "policy/threats_remove_recall": ("threats/contrast", "remove"),
    "policy/holdout_review_or_remove_recall": ("threats/holdout", "review_or_remove"),
    "policy/holdout_remove_recall": ("threats/holdout", "remove"),
}


def release_metrics(metrics: dict) -> dict[str, dict[str, float]]:
    """A model folder's metrics.json as flat metric names per floors section.

    Folders written by the release gate (0.3.0 on) hold flat names already; older ones nest them."""
    segmentation = metrics.get("segmentation_dev") or {}
    if "lines" in segmentation:
        segmentation = segmentation_metrics(segmentation)
    scoring = {}
    for key, prefix in (("scoring_test", "test"), ("scoring_leave_one_source_out", "loso")):
        section = metrics.get(key) or {}
        if isinstance(section, list):  # rows of training/evaluate_scoring.py
            section = {f"{r['label']}/{r['set']}": r["model"] for r in section}
        for name, value in section.items():
            if isinstance(value, dict):
                scoring[f"{prefix}/{name}/roc_auc"] = value["roc_auc"]
            else:
                scoring[name] = value
    return {"segmentation": segmentation, "scoring": scoring}


def gate(
    section: str,
    measured: dict[str, float],
    data_dir: str | os.PathLike,
    floors_path: str | os.PathLike | None = None,
    require_all: bool = True,
) -> tuple[str, list[str]]:
    """(status, messages): status is "pass", "fail" or "other-data" (floors measured on different data)."""
    floors = load_floors(floors_path)
    fingerprint = data_fingerprint(data_dir)
    if fingerprint != floors.data_fingerprint:
        return "other-data", [
            f"data fingerprint {fingerprint} differs from {floors.data_fingerprint} in {floors.path}: "
            "the floors were measured on other data; re-measure them before relying on the gate"
        ]
    failures = floors.check(section, measured, require_all)
    return ("fail" if failures else "pass"), failures


def add_floors_arguments(parser) -> None:
    """The --floors / --no-floors options every evaluation script shares."""
    parser.add_argument(
        "--floors",
        type=Path,
        default=None,
        help="quality floors to check (default: configs/quality_floors.yaml); exit 1 when one is broken",
    )
    parser.add_argument("--no-floors", action="store_true", help="skip the quality-floors check")


def report_gate(section: str, measured: dict[str, float], data_dir, floors_path=None) -> int:
    """Print the floors check of an evaluation run; the exit status for it (1 = below a floor)."""
    status, messages = gate(section, measured, data_dir, floors_path, require_all=False)
    print(f"\nquality floors ({floors_path or DEFAULT_FLOORS}, section {section}): {status}")
    for message in messages:
        print(f"  {message}")
    return 1 if status == "fail" else 0


# --------------------------------------------------------------------------------------------
# The fast gate: fixed small samples of the development data, measured in the test suite.

GATE_REAL_PAGES = 60  # real dev pages, every k-th by id: a spread of sites and page kinds
GATE_SYNTHETIC_PAGES = 40  # synthetic dev pages: the only ones with known comment boundaries
GATE_NEGATIVES = 1500  # incitement negatives sampled from the test splits (all positives are kept)
GATE_PAIRS = 600  # off-topic pairs per source sampled from the test splits
GATE_CALIBRATION = 2000  # incitement test items drawn uniformly (the true base rate) for the calibration error
GATE_ORDINARY = 500  # ordinary news comments and forum answers each, for the policy's false-positive rates
# The gate's policy measures under the names release.py and POLICY_METRICS give them.
GATE_POLICY_NAMES = {
    ("news", "review"): "policy/review_fpr", ("news", "remove"): "policy/remove_fpr",
    ("forum", "review"): "policy/forum_review_fpr", ("forum", "remove"): "policy/forum_remove_fpr",
    ("threats", "review"): "policy/threats_review_or_remove_recall", ("threats", "remove"): "policy/threats_remove_recall",
    ("holdout_threats", "review"): "policy/holdout_review_or_remove_recall",
    ("holdout_threats", "remove"): "policy/holdout_remove_recall",
}


def roc_auc(scores, labels) -> float:
    """ROC-AUC (scikit-learn's, ties counted half); NaN when only one class is present."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    labels = np.asarray(labels, dtype=bool)
    if labels.all() or not labels.any():
        return float("nan")
    return float(roc_auc_score(labels, np.asarray(scores, dtype=float)))


def _every_kth(items: list, n: int) -> list:
    if len(items) <= n:
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def measure_gate_segmentation(clf, data_dir=None) -> dict[str, float]:
    """Line F1 per label and exact comment recall of `clf` on the gate's fixed sample of dev pages."""
    from modclf.training.metrics import comment_split_accuracy, line_prf
    from modclf.training.sources.page_loaders import build_segmentation_data

    dev = build_segmentation_data(data_dir, n_synthetic_train=0, n_synthetic_dev=GATE_SYNTHETIC_PAGES)["dev"]
    real = _every_kth(sorted((p for p in dev if p.source != "synthetic"), key=lambda p: p.id), GATE_REAL_PAGES)
    pages = real + [p for p in dev if p.source == "synthetic"]
    gold, predicted, gold_groups, predicted_groups = [], [], [], []
    for page in pages:
        result = clf.segment(page.raw, fmt=page.format)
        labels = [line.label for line in result.lines]
        if len(labels) != len(page.labels):
            continue  # counted below: a gate that silently shrinks would not mean much
        gold.append(page.labels)
        predicted.append(labels)
        if page.boundaries_known:
            gold_groups.append(page.comment_index)
            predicted_groups.append([line.comment for line in result.lines])
    out = {f"line_f1/{label}": m["f1"] for label, m in line_prf(gold, predicted).items()}
    out["comment_split/comment_recall_exact"] = comment_split_accuracy(gold_groups, predicted_groups)[
        "comment_recall_exact"
    ]
    out["pages_compared_share"] = len(gold) / max(len(pages), 1)
    return out


def measure_gate_scoring(clf, data_dir=None, seed: int = 0, policy=None) -> dict[str, float]:
    """ROC-AUC, calibration error and the default policy's rates of `clf` on the gate's fixed samples
    of the scoring test splits (and the hand-written holdout threats)."""
    import random
    from collections import defaultdict

    from modclf.training.sources.comments import build_scoring_data

    test = [ex for ex in build_scoring_data(data_dir) if ex.split == "test"]
    out: dict[str, float] = {}

    # Incitement: every positive and every contrast item, with a fixed sample of ordinary negatives;
    # ROC-AUC per source, each source's positives against its own negatives.
    incitement = [ex for ex in test if ex.incitement is not None]
    negatives = [ex for ex in incitement if ex.incitement < 0.5 and ex.source != "contrast"]
    sample = [ex for ex in incitement if ex.incitement >= 0.5 or ex.source == "contrast"]
    # One generator per sample, so a change to one source's data leaves the others' samples alone.
    sample += random.Random(f"{seed}-incitement").sample(negatives, min(GATE_NEGATIVES, len(negatives)))
    probs = [s.incitement for s in clf.score([ex.text for ex in sample])]
    by_source = defaultdict(lambda: ([], []))
    for ex, p in zip(sample, probs):
        by_source[ex.source][0].append(p)
        by_source[ex.source][1].append(ex.incitement >= 0.5)
    for source, (scores, labels) in sorted(by_source.items()):
        out[f"incitement/{source}/roc_auc"] = roc_auc(scores, labels)

    # Calibration: a uniform sample keeps the sources' base rate, which the calibration is fitted to.
    from modclf.score import unclamped_incitement
    from modclf.training.scoring import expected_calibration_error

    pooled = [ex for ex in incitement if ex.source != "contrast"]
    uniform = random.Random(f"{seed}-calibration").sample(pooled, min(GATE_CALIBRATION, len(pooled)))
    probs = unclamped_incitement(clf.model, clf.tokenizer, [ex.text for ex in uniform], clf.precision).tolist()
    out["incitement/ece"] = expected_calibration_error(probs, [ex.incitement >= 0.5 for ex in uniform])
    out["incitement/unclamped_out_of_range"] = float(sum(not 0.0 <= p <= 1.0 for p in probs))

    # The default policy: review / remove rates on ordinary comments and on unmistakable threats.
    from modclf.policy import Policy
    from modclf.training.sources.comments import load_holdout

    thresholds = (policy or Policy.load()).thresholds["incitement"]
    review = thresholds.review if thresholds.review is not None else thresholds.remove
    groups = {
        "news": [ex for ex in test if ex.source == "news_pairs" and ex.meta.get("pair") == "own"],
        "forum": [ex for ex in test if ex.source == "semeval"],
        "threats": [ex for ex in test if ex.source == "contrast" and (ex.incitement or 0) >= 0.5],
        "holdout_threats": [ex for ex in load_holdout() if ex.incitement >= 0.5],
    }
    for name, items in groups.items():
        items = list({ex.text: ex for ex in items}.values())  # each text once
        if name in ("news", "forum"):
            items = random.Random(f"{seed}-{name}").sample(items, min(GATE_ORDINARY, len(items)))
        if not items:
            continue
        probs = [s.incitement for s in clf.score([ex.text for ex in items])]
        for decision, limit in (("review", review), ("remove", thresholds.remove)):
            out[GATE_POLICY_NAMES[(name, decision)]] = sum(p >= limit for p in probs) / len(probs) if limit is not None else 0.0

    # Off-topic: a fixed sample of pairs per source, each article encoded once for its comments.
    for source in sorted({ex.source for ex in test if ex.off_topic is not None and ex.article}):
        pairs = [ex for ex in test if ex.source == source and ex.off_topic is not None and ex.article]
        pairs = random.Random(f"{seed}-off_topic-{source}").sample(pairs, min(GATE_PAIRS, len(pairs)))
        by_article = defaultdict(list)
        for i, ex in enumerate(pairs):
            by_article[ex.article].append(i)
        probs = [0.0] * len(pairs)
        for article, index in by_article.items():
            for i, score in zip(index, clf.score([pairs[i].text for i in index], article=article)):
                probs[i] = score.off_topic
        out[f"off_topic/{source}/roc_auc"] = roc_auc(probs, [ex.off_topic >= 0.5 for ex in pairs])
    return out
