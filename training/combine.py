"""One model folder from two: the segmentation path of one, everything else (encoder, scoring
layers and heads, calibration, off-topic bank) of the other.

    python training/combine.py --segmentation runs/seg/best --scoring models/modclf-base \
        --out runs/candidate --version 0.3.0

A segmentation-only run (`--tasks='[segmentation]'`) trains heads on the frozen encoder, so its
heads fit any model with the same encoder: this releases better segmentation without retraining
scoring. Refused when the two encoders differ (beyond fp16 rounding), because the heads would then
read states they were not trained on.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import torch

from modclf.model import SEGMENTATION_PATH, ModClfModel, load_model, save_model

SEGMENTATION_SETTINGS = (
    "tags", "feature_dim", "max_line_tokens", "segment_hidden", "segment_layers", "segment_top", "segment_extra_depths",
)
ENCODER_TOLERANCE = 2e-3  # fp16 rounding of weights of magnitude < 2


def encoder_difference(a: ModClfModel, b: ModClfModel) -> float:
    """Largest absolute difference over the two models' encoder weights (inf if their shapes differ)."""
    sa, sb = a.encoder.state_dict(), b.encoder.state_dict()
    if sa.keys() != sb.keys() or any(sa[k].shape != sb[k].shape for k in sa):
        return float("inf")
    return max((sa[k].float() - sb[k].float()).abs().max().item() for k in sa if sa[k].is_floating_point())


def combine(segmentation_folder: str | Path, scoring_folder: str | Path, name: str | None = None,
            version: str | None = None) -> tuple[ModClfModel, object]:
    """(model, tokenizer): the segmentation path of one folder on the rest of the other."""
    segmentation, _ = load_model(segmentation_folder)
    scoring, tokenizer = load_model(scoring_folder)
    difference = encoder_difference(segmentation, scoring)
    if difference > ENCODER_TOLERANCE:
        raise ValueError(
            f"the encoders of {segmentation_folder} and {scoring_folder} differ (largest weight difference "
            f"{difference:.3g}); the segmentation heads would read states they were not trained on"
        )
    changes = {k: getattr(segmentation.config, k) for k in SEGMENTATION_SETTINGS}
    changes.update({k: v for k, v in (("name", name), ("version", version)) if v is not None})
    model = ModClfModel(dataclasses.replace(scoring.config, **changes), scoring.encoder)
    state = {k: v for k, v in scoring.state_dict().items() if not k.startswith(SEGMENTATION_PATH)}
    state.update({k: v for k, v in segmentation.state_dict().items() if k.startswith(SEGMENTATION_PATH)})
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise ValueError(f"combined weights do not fit (missing {result.missing_keys[:5]}, "
                         f"unexpected {result.unexpected_keys[:5]})")
    return model.eval(), tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segmentation", type=Path, required=True, help="model folder whose segmentation path is taken")
    parser.add_argument("--scoring", type=Path, required=True, help="model folder whose encoder and scoring are taken")
    parser.add_argument("--out", type=Path, required=True, help="where the combined model folder goes")
    parser.add_argument("--name", default=None, help="model name (default: the scoring folder's)")
    parser.add_argument("--version", default=None, help="model version (default: the scoring folder's)")
    args = parser.parse_args()
    try:
        model, tokenizer = combine(args.segmentation, args.scoring, args.name, args.version)
    except ValueError as exc:
        sys.exit(f"combine: {exc}")
    with torch.no_grad():
        save_model(model, tokenizer, args.out)
    print(f"combine: wrote {args.out} ({model.config.name} {model.config.version})")


if __name__ == "__main__":
    main()
