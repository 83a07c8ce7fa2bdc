"""Turn a training run's best/ folder into a released model under models/ (fp16, model card).

    python training/release.py runs/modclf-base/best models/modclf-base \
        --metrics runs/eval_segmentation.json --sources dragnet readability cleaneval sfu synthetic
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from modclf import ModClf
from modclf.card import write_model_card
from modclf.quality import gate, scoring_metrics, segmentation_metrics
from modclf.sources import resolve_data_dir


def floor_failures(metrics: dict, data_dir=None) -> list[str]:
    """Broken quality floors among evaluation results (segmentation or scoring JSON, by their keys)."""
    failures = []
    for name, result in metrics.items():
        if "lines" in result:
            section, measured = "segmentation", segmentation_metrics(result)
        elif "in_distribution" in result:
            section, measured = "scoring", scoring_metrics(result)
        else:
            continue
        status, messages = gate(section, measured, resolve_data_dir(data_dir), require_all=False)
        failures += [f"{name}: {m}" for m in messages if status == "fail"]
        if status == "other-data":
            print(f"release: {name}: {messages[0]}", file=sys.stderr)
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_folder", type=Path, help="a model folder written by training (e.g. runs/x/best)")
    parser.add_argument("release_folder", type=Path, help="where the released model goes (e.g. models/modclf-base)")
    parser.add_argument("--metrics", type=Path, action="append", default=[], help="JSON metrics file(s) for the card")
    parser.add_argument("--sources", nargs="+", required=True, help="training sources (names in modclf.card.SOURCES)")
    parser.add_argument("--notes", type=Path, default=None, help="a Markdown file of release notes for the card")
    parser.add_argument("--data-dir", default=None, help="data the metrics were measured on (for the floors check)")
    parser.add_argument(
        "--allow-below-floors",
        action="store_true",
        help="release even when a metric is below configs/quality_floors.yaml (say why in the notes)",
    )
    args = parser.parse_args()

    metrics: dict = {}
    for path in args.metrics:
        metrics[path.stem] = json.loads(path.read_text())
    failures = floor_failures(metrics, args.data_dir)
    for failure in failures:
        print(f"release: {failure}", file=sys.stderr)
    if failures and not args.allow_below_floors:
        sys.exit("release: refused; the model is below the quality floors (see above, or --allow-below-floors)")

    clf = ModClf.from_pretrained(args.run_folder)
    if args.release_folder.exists():
        shutil.rmtree(args.release_folder)
    clf.save_pretrained(args.release_folder)  # fp16 safetensors, no optimizer state
    for name in ("training_config.yaml",):
        for candidate in (args.run_folder / name, args.run_folder.parent / name):
            if candidate.exists():
                shutil.copy(candidate, args.release_folder / name)
                break
    notes = args.notes.read_text() if args.notes else ""
    card = write_model_card(args.release_folder, args.sources, metrics, notes)
    print(f"released {clf.model_id} to {args.release_folder} ({card})")


if __name__ == "__main__":
    main()
