"""Build the segmentation train/dev data and print what it holds; optionally write it as JSONL.

    python training/build_segmentation_data.py --data-dir ../shared/data --out cache/segmentation

A thin wrapper over `modclf.training.sources.page_loaders.build_segmentation_data`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter, defaultdict
from dataclasses import asdict
from pathlib import Path

from modclf.training.sources.page_loaders import build_segmentation_data


def statistics(data: dict) -> list[dict]:
    """One row per (split, source): pages, lines per label, comments (known boundaries) and comment pages."""
    rows = []
    for split, pages in data.items():
        by_source = defaultdict(list)
        for page in pages:
            by_source[page.source].append(page)
        for source, group in sorted(by_source.items()):
            labels = Counter(label for page in group for label in page.labels)
            comments = sum(len({i for i in page.comment_index if i is not None}) for page in group)
            rows.append(
                {
                    "split": split,
                    "source": source,
                    "pages": len(group),
                    "groups": len({page.group for page in group}),
                    "body": labels["body"],
                    "boilerplate": labels["boilerplate"],
                    "comment": labels["comment"],
                    "pages_with_comments": sum("comment" in page.labels for page in group),
                    "comments": comments,
                }
            )
    return rows


def write_jsonl(data: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for split, pages in data.items():
        with open(out / f"{split}.jsonl", "w", encoding="utf-8") as handle:
            for page in pages:
                handle.write(json.dumps(asdict(page), ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", default=None, help="data folder (default $MODCLF_DATA_DIR or ../shared/data)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic pages")
    parser.add_argument("--n-synthetic-train", type=int, default=3000)
    parser.add_argument("--n-synthetic-dev", type=int, default=300)
    parser.add_argument(
        "--cache-dir", default="cache", help="where aligned real pages are cached ('' = no cache)"
    )
    parser.add_argument(
        "--out", default=None, help="write <out>/train.jsonl and dev.jsonl (keep it under cache/)"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        data = build_segmentation_data(
            args.data_dir,
            seed=args.seed,
            n_synthetic_train=args.n_synthetic_train,
            n_synthetic_dev=args.n_synthetic_dev,
            cache_dir=args.cache_dir or None,
        )
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    columns = [
        "split",
        "source",
        "pages",
        "groups",
        "body",
        "boilerplate",
        "comment",
        "pages_with_comments",
        "comments",
    ]
    print("\t".join(columns))
    for row in statistics(data):
        print("\t".join(str(row[c]) for c in columns))
    if args.out:
        write_jsonl(data, Path(args.out))
        print(f"wrote {args.out}/train.jsonl, {args.out}/dev.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
