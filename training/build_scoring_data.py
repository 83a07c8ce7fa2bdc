"""Print statistics of the comment-scoring data (per source, split and target).

    python training/build_scoring_data.py [--data-dir ../shared/data] [--seed 0] [--jsonl out.jsonl]

A thin wrapper over modclf.training.sources.comments.build_scoring_data; --jsonl also writes the examples
(outside the repo, please: they hold third-party text).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter

from modclf.training.sources.comments import build_scoring_data, summarize

COLUMNS = ["source", "split", "n", "groups"] + [
    f"{t}_{s}" for t in ("incitement", "off_topic") for s in ("pos", "neg", "unk")
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data-dir", default=None, help="shared data folder (default: $MODCLF_DATA_DIR or ../shared/data)"
    )
    ap.add_argument("--seed", type=int, default=0, help="seed for dev carve-outs and pair sampling")
    ap.add_argument("--jsonl", default=None, help="also write every example as JSON lines to this path")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        examples = build_scoring_data(args.data_dir, seed=args.seed)
    except (OSError, ValueError) as err:
        print(f"build_scoring_data failed: {err}", file=sys.stderr)
        return 1

    rows = summarize(examples)
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in COLUMNS}
    print("  ".join(c.rjust(widths[c]) for c in COLUMNS))
    for r in rows:
        print("  ".join(str(r[c]).rjust(widths[c]) for c in COLUMNS))
    totals = Counter()
    for r in rows:
        for c in COLUMNS[2:]:
            totals[(r["split"], c)] += r[c]
    for split in ("train", "dev", "test"):
        print(f"{split:>5}: " + "  ".join(f"{c}={totals[(split, c)]}" for c in COLUMNS[2:]))
    kinds = Counter((e.split, e.meta.get("kind"), e.incitement) for e in examples if e.source == "contrast")
    print(
        "contrast (split, kind, incitement): "
        + ", ".join(f"{k}={n}" for k, n in sorted(kinds.items(), key=str))
    )
    noisy = sum(1 for e in examples if e.meta.get("noisy"))
    print(f"incitement texts with conflicting labels across copies (max taken): {noisy}")

    if args.jsonl:
        with open(args.jsonl, "w", encoding="utf-8") as f:
            for e in examples:
                f.write(json.dumps(e.as_dict(), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
