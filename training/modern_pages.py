"""Modern news pages against hand labels, for one or more models side by side.

    python training/modern_pages.py [--model models/modclf-base --model runs/x/best]

The dev pages are 2007-2012 sites plus synthetic pages; these are the modern pages we have: the
seed page (`../shared/examples/seed_page.txt`: video player, galleries, captions that repeat
paragraphs, two bare comments; read from ../shared, not ours to redistribute, so only its labels
live here) and the bundled `examples/pages/harbour_bridge.txt` (written for the project: video
and gallery chrome, captions, comments with author/time/reply chrome and a bare one). A release
candidate should be judged on them as well. The labels follow the issue's rules: the article's
headline and paragraphs are body; navigation, bylines, share buttons, the video player (its title,
controls, the "Need Text" placeholder), gallery links ("+8", "View gallery") and photo captions
(which repeat article sentences without the final full stop) are boilerplate, as is comment chrome;
each comment's text lines are one comment.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from modclf import ModClf

REPO = Path(__file__).resolve().parents[1]
# (label, consecutive non-blank lines) top to bottom; each "comment" entry is one comment.
PAGES = {
    "seed_page": (REPO / ".." / "shared" / "examples" / "seed_page.txt", [
        ("body", 5),  # headline paragraphs
        ("boilerplate", 22),  # video title and player, then three gallery links each followed by a caption
        ("body", 6),
        ("boilerplate", 4),  # a caption repeating a paragraph, a gallery link, another caption
        ("body", 6),
        ("boilerplate", 5),  # two gallery links, a caption
        ("body", 8),  # down to the last paragraph, directly followed by the comments
        ("comment", 1),
        ("comment", 1),
    ]),
    "harbour_bridge": (REPO / "examples" / "pages" / "harbour_bridge.txt", [
        ("boilerplate", 5),  # skip link, sections
        ("body", 1),  # headline
        ("boilerplate", 5),  # byline, dates, share buttons
        ("body", 3),
        ("boilerplate", 12),  # caption, gallery link, video player
        ("body", 2),
        ("boilerplate", 12),  # caption, gallery link, advert, most read, comment-section chrome, author, time
        ("comment", 1),
        ("boilerplate", 5),  # reply / like / report, author, time
        ("comment", 2),  # a two-paragraph comment
        ("boilerplate", 3),
        ("comment", 1),  # a bare comment, no chrome
        ("boilerplate", 4),  # footer
    ]),
}


def expected_lines(spec: list[tuple[str, int]]) -> list[tuple[str, int | None]]:
    """(label, comment index or None) per non-blank line of a page, from its (label, count) runs."""
    out: list[tuple[str, int | None]] = []
    comment = 0
    for label, count in spec:
        out += [(label, comment if label == "comment" else None)] * count
        comment += label == "comment"
    return out


def _comment_members(comment_of: list[int | None]) -> list[frozenset | None]:
    """Per line, the set of lines of its comment (None outside comments)."""
    members: dict[int, set] = {}
    for index, comment in enumerate(comment_of):
        if comment is not None:
            members.setdefault(comment, set()).add(index)
    return [None if c is None else frozenset(members[c]) for c in comment_of]


def check(clf: ModClf, text: str, spec: list[tuple[str, int]]) -> dict:
    """Wrong lines (label or comment grouping) of one model on one page."""
    expected = expected_lines(spec)
    page = clf.segment(text, fmt="text")
    if len(page.lines) != len(expected):
        raise ValueError(f"{len(page.lines)} lines, but the labels here are for {len(expected)}")
    # A comment line is right when its predicted comment has exactly the expected comment's lines.
    expected_groups = _comment_members([comment for _, comment in expected])
    predicted_groups = _comment_members([line.comment for line in page.lines])
    wrong = []
    for index, (line, (label, _)) in enumerate(zip(page.lines, expected)):
        if line.label != label or (label == "comment" and predicted_groups[index] != expected_groups[index]):
            wrong.append({"line": index, "text": line.text[:80], "expected": label, "predicted": line.label,
                          "comment": line.comment})
    expected_comments = sum(label == "comment" for label, _ in spec)
    return {"lines": len(expected), "wrong": wrong, "comments": len(page.comments), "expected_comments": expected_comments}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", default=None, help="model folder (repeat; default: the released model)")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "int8"])
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON here")
    args = parser.parse_args()
    pages = {}
    for name, (path, spec) in PAGES.items():
        if path.exists():
            pages[name] = (path.read_text(encoding="utf-8"), spec)
        else:
            print(f"{name}: not found at {path}; skipped", file=sys.stderr)
    results = []
    for folder in args.model or [None]:
        clf = ModClf.from_pretrained(folder, precision=args.precision)
        total = 0
        for name, (text, spec) in pages.items():
            result = {"folder": str(folder or "models/modclf-base"), "model": clf.model_id, "page": name,
                      **check(clf, text, spec)}
            results.append(result)
            total += len(result["wrong"])
            print(f"{result['folder']} ({result['model']}) {name}: {len(result['wrong'])} of {result['lines']} lines "
                  f"wrong, {result['comments']} comments ({result['expected_comments']} expected)")
            for w in result["wrong"]:
                print(f"  line {w['line']:2d}: expected {w['expected']:<11} got {w['predicted']:<11} {w['text']}")
        print(f"{folder or 'models/modclf-base'}: {total} lines wrong in all")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
