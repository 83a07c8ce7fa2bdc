"""Moderation policy: per-label thresholds that turn a Score into allow / review / remove.

The default policy is configs/policy.yaml in the checkout (every setting commented there). Its
thresholds are meant to be tuned on held-out data and edited by hand or by the trainer.

Example:
    >>> policy = Policy.load()  # configs/policy.yaml
    >>> policy.decide(Score(incitement=0.95, off_topic=0.1))
    ('remove', ['incitement'])
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from modclf.errors import ConfigError
from modclf.score import LABELS, Score

# The checkout's configs/policy.yaml, else the copy inside the installed package.
_CHECKOUT_POLICY = Path(__file__).resolve().parents[1] / "configs" / "policy.yaml"
DEFAULT_POLICY_PATH = _CHECKOUT_POLICY if _CHECKOUT_POLICY.is_file() else Path(__file__).resolve().parent / "defaults" / "policy.yaml"
# A model folder's own policy, used instead of the default when no policy is given.
MODEL_POLICY_FILE = "policy.yaml"
DECISIONS = ("allow", "review", "remove")
LEVELS = ("review", "remove")


@dataclass(frozen=True)
class Thresholds:
    """The probabilities at or above which a label sends a comment to review or removal (None: never)."""

    review: float | None
    remove: float | None


@dataclass(frozen=True)
class Policy:
    """Per-label thresholds; `decide(score)` gives the decision and the labels behind it."""

    thresholds: dict[str, Thresholds]
    source: str = "policy"

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, model_dir: str | os.PathLike | None = None) -> Policy:
        """Read and validate a policy YAML file.

        Default: the model folder's own policy.yaml when `model_dir` has one (`modclf calibrate`
        writes it, because a refitted calibration moves what a threshold means), else
        configs/policy.yaml of the checkout.

        Raises:
            ConfigError: missing or invalid file, unknown or missing label, a threshold outside
                [0, 1], or review above remove; the message names the file and the key.
        """
        if path is None and model_dir is not None and (Path(model_dir) / MODEL_POLICY_FILE).is_file():
            path = Path(model_dir) / MODEL_POLICY_FILE
        path = Path(path) if path is not None else DEFAULT_POLICY_PATH
        if not path.is_file():
            hint = "" if path != DEFAULT_POLICY_PATH else "; pass a policy file (--policy PATH)"
            raise ConfigError(f"policy file {path} does not exist{hint}")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_mapping(cls, data, source: str = "policy") -> Policy:
        """A policy from {label: {review: p|None, remove: p|None}}, validated like a file."""
        if not isinstance(data, dict):
            raise ConfigError(
                f"{source}: expected a mapping of labels ({', '.join(LABELS)}) to thresholds, "
                f"got {type(data).__name__}"
            )
        unknown = sorted(str(k) for k in data if k not in LABELS)
        if unknown:
            raise ConfigError(f"{source}: unknown label(s) {', '.join(unknown)}; known labels: {', '.join(LABELS)}")
        missing = [label for label in LABELS if label not in data]
        if missing:
            raise ConfigError(
                f"{source}: missing label(s) {', '.join(missing)}; list every label, e.g. "
                f"`{missing[0]}: {{review: null, remove: null}}` to never act on it"
            )
        return cls({label: _thresholds(data[label], f"{source}: {label}") for label in LABELS}, source)

    def decide(self, score: Score) -> tuple[str, list[str]]:
        """('remove' | 'review' | 'allow', labels that crossed a threshold, sorted by name).

        A label crosses when its probability is >= its review or remove threshold; a None
        probability (off_topic without an article) or a None threshold never crosses.
        """
        decision = "allow"
        reasons = []
        for label in sorted(self.thresholds):
            p = getattr(score, label)
            if p is None:
                continue
            t = self.thresholds[label]
            if t.remove is not None and p >= t.remove:
                decision = "remove"
            elif t.review is not None and p >= t.review:
                decision = "review" if decision == "allow" else decision
            else:
                continue
            reasons.append(label)
        return decision, reasons

    def as_dict(self) -> dict:
        return {label: {"review": t.review, "remove": t.remove} for label, t in self.thresholds.items()}

    def to_yaml(self) -> str:
        """The thresholds as YAML (for a tuned policy saved next to a model)."""
        return yaml.safe_dump(self.as_dict(), sort_keys=False)


def _thresholds(value, where: str) -> Thresholds:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping {{review: p, remove: p}}, got {value!r}")
    unknown = sorted(str(k) for k in value if k not in LEVELS)
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(LEVELS)}")
    missing = [level for level in LEVELS if level not in value]
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}; give a probability in [0, 1] or null (never)")
    review, remove = (_probability(value[level], f"{where}.{level}") for level in LEVELS)
    if review is not None and remove is not None and review > remove:
        raise ConfigError(f"{where}: review ({review}) must not be above remove ({remove})")
    return Thresholds(review, remove)


def _probability(value, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or not 0 <= value <= 1:
        raise ConfigError(f"{where}: expected a probability in [0, 1] or null (never), got {value!r}")
    return float(value)
