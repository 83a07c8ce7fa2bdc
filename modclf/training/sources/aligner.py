"""The aligner: each block of a real page labelled by aligning its tokens to the page's gold text.

Used by the page loaders (modclf.training.sources.page_loaders) to label real pages; a change here
is a change to the data (bump LABELS_VERSION there).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter, defaultdict

from modclf.pages import Block

# A block is aligned to a gold text when at least this share of its tokens lies in gold trigrams.
MIN_BLOCK_COVERAGE = 0.5
# Blocks with at most this many tokens are matched as whole sequences near their neighbours' gold
# position, because a short block ("Share", "Comments") can occur anywhere in a gold text.
SHORT_BLOCK_TOKENS = 5


# --------------------------------------------------------------------------------------------
# Alignment of blocks to gold text

_TOKEN = re.compile(r"\w+")


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens (NFKC), the unit of alignment and coverage."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


class GoldText:
    """A gold text indexed for block alignment: its tokens and the positions of each n-gram."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.trigrams: dict[tuple[str, ...], list[int]] = defaultdict(list)
        self.unigrams: dict[str, list[int]] = defaultdict(list)
        toks = self.tokens
        for i, tok in enumerate(toks):
            self.unigrams[tok].append(i)
            if i + 2 < len(toks):
                self.trigrams[(tok, toks[i + 1], toks[i + 2])].append(i)

    def __len__(self) -> int:
        return len(self.tokens)

    def match(self, toks: list[str], after: int = 0) -> tuple[float, set[int]]:
        """Share of the block's tokens inside trigrams found in the gold, and the gold positions used.

        Each matched trigram is placed at its gold occurrence nearest the block's best offset, so a
        sentence repeated elsewhere in the gold does not count twice. The best offset is the most
        voted one; when the block's text occurs several times in the gold (a repeated course
        description, "Location:" on every entry), it is the first such occurrence at or after
        `after`, the gold position reached by the blocks before it, because blocks and gold text
        run in the same order.
        """
        n = len(toks)
        if n < 3 or not self.tokens:
            return 0.0, set()
        grams = [(i, self.trigrams.get((toks[i], toks[i + 1], toks[i + 2]))) for i in range(n - 2)]
        grams = [(i, pos) for i, pos in grams if pos]
        if not grams:
            return 0.0, set()
        votes = Counter(p - i for i, pos in grams if len(pos) <= 50 for p in pos)
        if votes:
            top = votes.most_common(1)[0][1]
            tied = sorted(o for o, v in votes.items() if v == top)
            offset = next((o for o in tied if o >= after), tied[0])
        else:
            offset = grams[0][1][0] - grams[0][0]
        covered_block: set[int] = set()
        covered_gold: set[int] = set()
        for i, pos in grams:
            covered_block.update((i, i + 1, i + 2))
            target = offset + i
            k = bisect.bisect_left(pos, target)
            best = min(pos[max(0, k - 1) : k + 1], key=lambda p: abs(p - target))
            covered_gold.update((best, best + 1, best + 2))
        return len(covered_block) / n, covered_gold

    def occurrences(self, toks: list[str]) -> list[int]:
        """Start positions where the token sequence occurs contiguously in the gold."""
        if not toks:
            return []
        out = []
        for p in self.unigrams.get(toks[0], ()):
            if self.tokens[p : p + len(toks)] == toks:
                out.append(p)
        return out


# Lines that are page or comment chrome even when a gold text contains them (our label spec:
# bylines, datelines, comment headers and footers, photo captions are boilerplate).
_MONTHS = (
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july "
    "august september october november december"
)
_DATE_WORDS = frozenset(
    (
        _MONTHS + " mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday "
        "sunday am pm a m p at on posted updated published last modified edt est cst cdt pst pdt "
        "gmt bst utc et pt ago just now minute minutes min mins hour hours hr hrs day days week weeks "
        "month months year years yesterday today st nd rd th of by comment comments said says wrote "
        "reply replies link permalink report abuse flag like likes dislike share quote recommend "
        "recommended points point votes vote up down reply to this in response view edit delete "
        "login log sign register respond parent"
    ).split()
)
_CHROME_ONLY_WORDS = frozenset(
    "reply replies report abuse flag like likes dislike share quote recommend recommended points point "
    "votes vote up down permalink link parent edit delete login log sign in to register respond "
    "this comment comments reply report spam thread view hide show more less".split()
)
_BYLINE = re.compile(r"^(?:(?:posted|written|submitted|published|story|text|photos?)\s+)?by[:\s]\s*\S", re.I)
_SAYS = re.compile(r"^\S+(?:\s+\S+){0,4}\s+(?:says|said|wrote|writes|replied|comments?)\s*[:,]?\s*$", re.I)
_DIGIT_TOKEN = re.compile(r"^\d+(?:st|nd|rd|th|am|pm|h|m|s)?$")
_CAPTION_WORDS = frozenset("caption captions figcaption credit credits photocredit wp".split()) - {"wp"}
_PHOTO_WORDS = ("photo", "image", "img", "picture", "figure", "media")
_CAPTION_TEXT = re.compile(
    r"^\(?(?:photo|credit|image|picture|pictured)s?\s*:|\((?:photo|credit|image)s?:[^)]*\)\s*$|"
    r"/(?:AFP|AP|Reuters|Getty Images)\)?\s*$|\bGetty Images\)?\s*$",
    re.I,
)
_COMMENT_META_WORDS = frozenset(
    "author username user name commenter vcard fn avatar meta byline date time timestamp posted "
    "postedby info signature sig permalink reply actions toolbar votes vote rating".split()
)


def chrome_reason(block: Block, toks: list[str] | None = None) -> str | None:
    """Why a short block is chrome by our label spec (byline, date, comment meta, caption), else None."""
    toks = tokenize(block.text) if toks is None else toks
    if not toks:
        return "no words"
    if block.tag in ("figcaption", "caption") or _CAPTION_WORDS.intersection(block.dom_words):
        return "caption"
    n = len(toks)
    if n > 14:
        return None
    text = block.text.strip()
    if all(t in _DATE_WORDS or _DIGIT_TOKEN.match(t) for t in toks) and any(
        _DIGIT_TOKEN.match(t) or t in ("ago", "yesterday", "today", "now") for t in toks
    ):
        return "date"
    if n <= 4 and all(t in _CHROME_ONLY_WORDS or t.isdigit() for t in toks):
        return "comment actions"
    if _BYLINE.match(text) and (n <= 6 or re.search(r"\d|\(|\bon\b|\bat\b|\|", text)):
        return "byline"
    if n <= 7 and _SAYS.match(text):
        return "comment header"
    if n <= 5 and _COMMENT_META_WORDS.intersection(block.dom_words):
        return "meta"
    return None


def align_blocks(blocks: list[Block], gold_body: str, gold_comments: str = "") -> tuple[list[str], dict]:
    """Label each block body / comment / boilerplate by aligning it to the gold texts.

    A block with more than SHORT_BLOCK_TOKENS tokens is body (comment) when at least half its tokens
    lie in trigrams of the gold article (comments). A shorter block must occur as a whole in the
    gold, next to the gold position of a neighbouring aligned block. Chrome (bylines, dates, comment
    headers, captions) is boilerplate even when the gold holds it, and of two blocks that claim the
    same gold text (a caption repeating a sentence) the one among other body blocks keeps it.

    Returns:
        The labels, and alignment statistics: coverage of each gold text (share of its tokens
        covered by blocks given that label) and how many blocks were overridden as chrome.
    """
    golds = {"body": GoldText(gold_body), "comment": GoldText(gold_comments or "")}
    toks = [tokenize(b.text) for b in blocks]
    labels = ["boilerplate"] * len(blocks)
    spans: list[set[int]] = [set() for _ in blocks]

    # Pass 1: long blocks by trigram coverage; ambiguous ones (quoting the article) wait for pass 2.
    ambiguous = []
    reached = {"body": 0, "comment": 0}  # gold position after the last block aligned to each text
    for i, t in enumerate(toks):
        if len(t) <= SHORT_BLOCK_TOKENS:
            continue
        cov_b, pos_b = golds["body"].match(t, after=reached["body"])
        cov_c, pos_c = golds["comment"].match(t, after=reached["comment"])
        body_ok, comment_ok = cov_b >= MIN_BLOCK_COVERAGE, cov_c >= MIN_BLOCK_COVERAGE
        if body_ok:
            reached["body"] = max(pos_b) - 2
        if comment_ok:
            reached["comment"] = max(pos_c) - 2
        if body_ok and comment_ok:
            ambiguous.append((i, pos_b, pos_c))
        elif body_ok:
            labels[i], spans[i] = "body", pos_b
        elif comment_ok:
            labels[i], spans[i] = "comment", pos_c
    first_comment = next((i for i, lab in enumerate(labels) if lab == "comment"), len(blocks))
    for i, pos_b, pos_c in ambiguous:
        labels[i], spans[i] = ("comment", pos_c) if i > first_comment else ("body", pos_b)

    # Pass 2: short blocks, placed between their aligned neighbours' gold positions.
    long_aligned = [i for i, lab in enumerate(labels) if lab != "boilerplate" and spans[i]]
    for i, t in enumerate(toks):
        if not t or len(t) > SHORT_BLOCK_TOKENS:
            continue
        k = bisect.bisect_left(long_aligned, i)
        prev = long_aligned[k - 1] if k > 0 else None
        nxt = long_aligned[k] if k < len(long_aligned) else None
        for label in ("body", "comment"):
            prev_ok = prev is not None and labels[prev] == label
            next_ok = nxt is not None and labels[nxt] == label
            if not (prev_ok or next_ok):
                continue
            lo = max(spans[prev]) - 3 if prev_ok else min(spans[nxt]) - 15 - len(t)
            hi = min(spans[nxt]) + 3 if next_ok else max(spans[prev]) + 15
            hits = [p for p in golds[label].occurrences(t) if lo <= p <= hi]
            if hits:
                labels[i], spans[i] = label, set(range(hits[0], hits[0] + len(t)))
                break

    # Pass 3: chrome the gold happens to contain is boilerplate by our spec. A photo caption is a
    # block whose own element is a photo box unlike the elements holding most of the body.
    overridden = Counter()
    body_idx = [i for i, lab in enumerate(labels) if lab == "body"]
    photo_share = (
        {w: sum(w in blocks[i].dom_words[-3:] for i in body_idx) / len(body_idx) for w in _PHOTO_WORDS}
        if body_idx
        else {}
    )
    for i, lab in enumerate(labels):
        if lab != "boilerplate":
            reason = chrome_reason(blocks[i], toks[i])
            near = blocks[i].dom_words[-3:]
            if (
                not reason
                and len(toks[i]) < 80
                and (
                    _CAPTION_TEXT.search(blocks[i].text)
                    or any(w in near and photo_share.get(w, 1.0) < 0.5 for w in _PHOTO_WORDS)
                )
            ):
                reason = "caption"
            if reason:
                overridden[reason] += 1
                labels[i], spans[i] = "boilerplate", set()

    # Pass 4: two blocks claiming the same gold text: the one with fewer aligned neighbours loses.
    claimed: dict[tuple[str, int], int] = {}
    duplicates = 0

    def support(x: int) -> int:
        near = range(max(0, x - 2), min(len(labels), x + 3))
        return sum(1 for y in near if y != x and labels[y] == labels[x])

    for i, lab in enumerate(labels):
        if lab == "boilerplate" or not spans[i]:
            continue
        owners = Counter(claimed[(lab, p)] for p in spans[i] if (lab, p) in claimed)
        if owners:
            j, shared = owners.most_common(1)[0]
            if shared >= 0.8 * min(len(spans[i]), len(spans[j])):
                loser = i if support(i) <= support(j) else j
                for p in spans[loser]:
                    if claimed.get((lab, p)) == loser:
                        del claimed[(lab, p)]
                labels[loser], spans[loser] = "boilerplate", set()
                duplicates += 1
                if loser == i:
                    continue
        for p in spans[i]:
            claimed[(lab, p)] = i

    stats: dict = {"overridden_as_chrome": dict(overridden), "duplicates_removed": duplicates}
    for label, key in (("body", "coverage_body"), ("comment", "coverage_comments")):
        gold = golds[label]
        if len(gold):
            covered = set().union(*(spans[i] for i, lab in enumerate(labels) if lab == label))
            stats[key] = round(len({p for p in covered if p < len(gold)}) / len(gold), 4)
        else:
            stats[key] = None
    return labels, stats
