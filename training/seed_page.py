"""The seed page (a modern news page: video player, galleries, repeated captions, two bare comments)
against its hand labels, for one or more models side by side.

    python training/seed_page.py [--model models/modclf-base --model runs/x/best] [--page ../shared/examples/seed_page.txt]

The dev pages are 2007-2012 sites plus synthetic pages; this page is the one modern page we have,
so a release candidate should be judged on it as well. The labels follow the issue's rules: the
article's paragraphs are body; the video player (its title, controls, the "Need Text" placeholder),
gallery links ("+8", "View gallery") and photo captions (which repeat article sentences without the
final full stop) are boilerplate; the two final lines are two separate comments. The page itself
is not ours to redistribute, so it is read from ../shared and only its labels live here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from modclf import ModClf

DEFAULT_PAGE = Path(__file__).resolve().parents[1] / ".." / "shared" / "examples" / "seed_page.txt"
# (label, number of consecutive non-blank lines), top to bottom.
SEED_LABELS = [
    ("body", 5),  # headline paragraphs
    ("boilerplate", 22),  # video title and player, then three gallery links each followed by a caption
    ("body", 6),
    ("boilerplate", 4),  # a caption repeating a paragraph, a gallery link, another caption
    ("body", 6),
    ("boilerplate", 5),  # two gallery links, a caption
    ("body", 8),  # down to the last paragraph, directly followed by the comments
    ("comment", 1),
    ("comment", 1),
]


def expected_lines() -> list[tuple[str, int | None]]:
    """(label, comment index or None) per non-blank line of the seed page."""
    out: list[tuple[str, int | None]] = []
    comment = 0
    for label, count in SEED_LABELS:
        for _ in range(count):
            out.append((label, comment if label == "comment" else None))
            comment += label == "comment"
    return out


def check(clf: ModClf, text: str) -> dict:
    """Wrong lines (label or comment grouping) of one model on the seed page."""
    expected = expected_lines()
    page = clf.segment(text)
    if len(page.lines) != len(expected):
        raise SystemExit(f"seed page: {len(page.lines)} lines, the labels here are for {len(expected)}")
    def groups(comment_of: list[int | None]) -> list[frozenset | None]:
        members: dict[int, set] = {}
        for index, comment in enumerate(comment_of):
            if comment is not None:
                members.setdefault(comment, set()).add(index)
        return [None if c is None else frozenset(members[c]) for c in comment_of]

    # A comment line is right when its predicted comment has exactly the expected comment's lines.
    expected_groups = groups([comment for _, comment in expected])
    predicted_groups = groups([line.comment for line in page.lines])
    wrong = []
    for index, (line, (label, _)) in enumerate(zip(page.lines, expected)):
        if line.label != label or (label == "comment" and predicted_groups[index] != expected_groups[index]):
            wrong.append({"line": index, "text": line.text[:80], "expected": label, "predicted": line.label,
                          "comment": line.comment})
    return {"model": clf.model_id, "lines": len(expected), "wrong": wrong, "comments": len(page.comments)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", default=None, help="model folder (repeat; default: the released model)")
    parser.add_argument("--page", type=Path, default=DEFAULT_PAGE, help="the seed page (plain text)")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "int8"])
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON here")
    args = parser.parse_args()
    if not args.page.exists():
        sys.exit(f"seed page not found at {args.page}")
    text = args.page.read_text(encoding="utf-8")
    results = []
    for folder in args.model or [None]:
        result = check(ModClf.from_pretrained(folder, precision=args.precision), text)
        result["folder"] = str(folder or "models/modclf-base")
        results.append(result)
        print(f"{result['folder']} ({result['model']}): {len(result['wrong'])} of {result['lines']} lines wrong, "
              f"{result['comments']} comments (2 expected)")
        for w in result["wrong"]:
            print(f"  line {w['line']:2d}: expected {w['expected']:<11} got {w['predicted']:<11} {w['text']}")
    if args.out:
        args.out.write_text(json.dumps({"page_sha256": hashlib.sha256(text.encode()).hexdigest(), "results": results},
                                       indent=2) + "\n")


if __name__ == "__main__":
    main()
