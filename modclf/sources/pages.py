"""Segmentation training data: real pages aligned to their gold text, plus synthetic pages.

Real pages (Dragnet, Readability, CleanEval) are HTML rendered with `modclf.pages.html_blocks`, so
training blocks are exactly what inference sees; each block is labelled by aligning its tokens to
the page's gold article (and gold comment) text. No real set marks where one comment ends and the
next begins, so synthetic text pages (real article text + real chrome + real individual comments)
carry exact comment boundaries.

Every page belongs to a `group` (site host, article or thread); train and dev never share a group,
and synthetic dev pages are built only from dev material.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import html as html_lib
import json
import logging
import os
import random
import re
import tarfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from modclf.pages import MAX_BLOCK_CHARS, Block, decode_page_bytes, html_blocks, text_blocks
from modclf.sources import resolve_data_dir
from modclf.sources.types import LabeledPage

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

SPLITS = ("train", "dev")
# Share of groups (hosts, articles, threads) held out for development.
DEV_SHARE = 0.2
# A real page whose body alignment covers less of its gold article than this is dropped.
MIN_BODY_COVERAGE = 0.6
# A block is aligned to a gold text when at least this share of its tokens lies in gold trigrams.
MIN_BLOCK_COVERAGE = 0.5
# Blocks with at most this many tokens are matched as whole sequences near their neighbours' gold
# position, because a short block ("Share", "Comments") can occur anywhere in a gold text.
SHORT_BLOCK_TOKENS = 5
# Comment-separator line of the Dragnet gold files; a few are garbled ("!@ $%^&*()  COMMNENTS").
_DRAGNET_SEPARATOR = re.compile(r"^[ \t]*!{1,2}[!@#$%^&*() \t]{3,}(?:[A-Z]+)?[ \t\r]*$", re.M)


# --------------------------------------------------------------------------------------------
# Splitting


def split_of(group: str, dev_share: float = DEV_SHARE) -> str:
    """'dev' or 'train' for a group, from a stable hash of its name (same on every machine)."""
    digest = hashlib.sha1(group.encode("utf-8")).digest()
    return "dev" if int.from_bytes(digest[:4], "big") / 2**32 < dev_share else "train"


# --------------------------------------------------------------------------------------------
# Decoding

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def decode_html_bytes(data: bytes, source: str = "page") -> tuple[str, str]:
    """(text, encoding): modclf.pages.decode_page_bytes, the decoder inference uses too."""
    text, encoding, _ = decode_page_bytes(data)
    return text, encoding


def decode_gold_bytes(data: bytes) -> str:
    """Decode a gold text file: UTF-16 (BOM or NUL bytes), else UTF-8, else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data[:200]:
        return data.decode("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _clean_html(text: str) -> str:
    """The HTML as given to the model: without an XML declaration (lxml rejects it in a str)."""
    return _XML_DECLARATION.sub("", text, count=1)


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


# --------------------------------------------------------------------------------------------
# Real pages


def _tar_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """(file name without folders, bytes) of each regular file in a .tar.xz, without unpacking."""
    with tarfile.open(path) as archive:
        for member in archive:
            if member.isfile():
                handle = archive.extractfile(member)
                if handle is not None:
                    yield member.name.rsplit("/", 1)[-1], handle.read()


def split_dragnet_gold(text: str) -> tuple[str, str]:
    """(article text, comment text) of a Dragnet gold file; the separator line may be garbled."""
    match = _DRAGNET_SEPARATOR.search(text)
    if not match:
        return text.strip(), ""
    return text[: match.start()].strip(), text[match.end() :].strip()


def _labeled_html_page(
    page_id: str, source: str, group: str, raw: str, gold_body: str, gold_comments: str
) -> LabeledPage:
    blocks = html_blocks(raw)
    labels, stats = align_blocks(blocks, gold_body, gold_comments)
    return LabeledPage(
        id=page_id,
        source=source,
        group=group,
        format="html",
        blocks=blocks,
        labels=labels,
        comment_index=[None] * len(blocks),
        boundaries_known=False,
        raw=raw,
        gold_body=gold_body,
        gold_comments=gold_comments or None,
        meta=stats,
    )


def _keep_page(page: LabeledPage) -> bool:
    """Flag and drop pages whose alignment is too poor to trust; log why."""
    flags = page.meta.setdefault("flags", [])
    body_cov = page.meta.get("coverage_body")
    if body_cov is None or body_cov < MIN_BODY_COVERAGE:
        flags.append("low_body_coverage")
    comment_cov = page.meta.get("coverage_comments")
    if comment_cov is not None and comment_cov < 0.5:
        # The page often lacks the comments (loaded by script): fine unless some were half found.
        flags.append("low_comment_coverage")
        if comment_cov >= 0.1:
            flags.append("partial_comments")
    if not page.blocks:
        flags.append("empty")
    drop = bool({"low_body_coverage", "partial_comments", "empty"}.intersection(flags))
    if drop:
        logger.info(
            "%s: dropped (%s; body %.2f, comments %s)", page.id, ", ".join(flags), body_cov or 0, comment_cov
        )
    return not drop


def load_dragnet(
    data_dir=None, keep_poor: bool = False, ids: Iterable[str] | None = None
) -> list[LabeledPage]:
    """Dragnet training pages (2012 news and blogs), labelled body / comment / boilerplate.

    Comments are known only as one gold block, so `boundaries_known` is False and every
    `comment_index` is None. Pages with poor alignment are dropped unless `keep_poor`.

    Example:
        >>> pages = load_dragnet("../shared/data")  # doctest: +SKIP
        >>> pages[0].meta["coverage_body"]  # doctest: +SKIP
        0.97
    """
    root = resolve_data_dir(data_dir) / "pages" / "dragnet_train"
    hosts = {}
    with open(root / "hosts.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            hosts[row["id"]] = (row.get("host_from_canonical_or_og_url") or "").strip()
    wanted = set(ids) if ids is not None else None
    pages = []
    for name, data in _tar_members(root / "html.tar.xz"):
        page_id = name.removesuffix(".html")
        if wanted is not None and page_id not in wanted:
            continue
        gold_path = root / "gold" / f"{page_id}.html.corrected.txt"
        try:
            gold_body, gold_comments = split_dragnet_gold(decode_gold_bytes(gold_path.read_bytes()))
            raw, encoding = decode_html_bytes(data, f"dragnet/{page_id}")
            page = _labeled_html_page(
                f"dragnet/{page_id}",
                "dragnet",
                hosts.get(page_id) or f"dragnet/{page_id}",
                _clean_html(raw),
                gold_body,
                gold_comments,
            )
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the build
            logger.warning("dragnet/%s: skipped: %s", page_id, exc)
            continue
        page.meta["encoding"] = encoding
        page.meta["split"] = split_of(page.group)
        if _keep_page(page) or keep_poor:
            pages.append(page)
    logger.info("dragnet: %d pages", len(pages))
    return sorted(pages, key=lambda p: p.id)


def _gold_html_text(gold_html: str) -> str:
    return "\n".join(b.text for b in html_blocks(gold_html))


def _keep_gold_page(pages: list, page: LabeledPage, encoding: str, keep_poor: bool) -> None:
    """Record encoding and split, and keep the page unless its alignment is poor."""
    page.meta["encoding"] = encoding
    page.meta["split"] = split_of(page.group)
    if _keep_page(page) or keep_poor:
        pages.append(page)


def load_readability(data_dir=None, keep_poor: bool = False) -> list[LabeledPage]:
    """Mozilla Readability test pages, labelled body / boilerplate (their gold is the article only)."""
    root = resolve_data_dir(data_dir) / "pages" / "readability"
    pages = []
    for name, data in _tar_members(root / "input.tar.xz"):
        stem = name.removesuffix(".html")
        gold_path = root / "GoldStandard" / f"{stem}.txt"
        if not gold_path.exists():
            logger.warning("readability/%s: no gold file, skipped", stem)
            continue
        try:
            gold = _gold_html_text(_clean_html(decode_gold_bytes(gold_path.read_bytes())))
            raw, encoding = decode_html_bytes(data, f"readability/{stem}")
            group = f"readability/{stem}"
            page = _labeled_html_page(group, "readability", group, _clean_html(raw), gold, "")
        except Exception as exc:  # noqa: BLE001
            logger.warning("readability/%s: skipped: %s", stem, exc)
            continue
        _keep_gold_page(pages, page, encoding, keep_poor)
    logger.info("readability: %d pages", len(pages))
    return sorted(pages, key=lambda p: p.id)


_CLEANEVAL_MARKER = re.compile(r"<\s*[phl]\s*>", re.I)
_CLEANEVAL_WRAPPER = re.compile(r"^\s*<text\b[^>]*>|</text>\s*$", re.I)


def cleaneval_paragraphs(gold: str) -> list[str]:
    """Paragraphs of a CleanEval gold text (markers <p>/<h>/<l> start one; hard wraps joined)."""
    lines = gold.splitlines()
    if lines and lines[0].startswith("URL:"):
        lines = lines[1:]
    text = "\n".join(lines)
    parts = _CLEANEVAL_MARKER.split(text)
    return [p for p in (" ".join(part.split()) for part in parts) if p]


def load_cleaneval(data_dir=None, keep_poor: bool = False) -> list[LabeledPage]:
    """CleanEval 2007 pages (dev and final), labelled body / boilerplate."""
    root = resolve_data_dir(data_dir) / "pages" / "cleaneval"
    pages = []
    for part in ("cleaneval-dev", "cleaneval-final"):
        archive = root / part / "input.tar.xz"
        if not archive.exists():
            logger.warning("cleaneval: %s missing, skipped", archive)
            continue
        short = part.removeprefix("cleaneval-")
        for name, data in _tar_members(archive):
            stem = name.removesuffix(".html")
            gold_path = root / part / "GoldStandard" / f"{stem}.txt"
            if not gold_path.exists():
                continue  # 59 final pages have no gold
            group = f"cleaneval/{short}/{stem}"
            try:
                gold = "\n".join(cleaneval_paragraphs(decode_gold_bytes(gold_path.read_bytes())))
                raw, encoding = decode_html_bytes(data, group)
                raw = _clean_html(_CLEANEVAL_WRAPPER.sub("", raw).strip())
                page = _labeled_html_page(group, "cleaneval", group, raw, gold, "")
            except Exception as exc:  # noqa: BLE001
                logger.warning("%s: skipped: %s", group, exc)
                continue
            _keep_gold_page(pages, page, encoding, keep_poor)
    logger.info("cleaneval: %d pages", len(pages))
    return sorted(pages, key=lambda p: p.id)


_TAG = re.compile(r"<[^>]+>")


def strip_html(text: str) -> str:
    """Plain text of an HTML fragment: tags removed (<br>/<p> become line breaks), entities decoded."""
    text = re.sub(r"(?i)<br\s*/?>|</p\s*>|<p\b[^>]*>", "\n", text)
    text = html_lib.unescape(_TAG.sub("", text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def load_sfu(data_dir=None) -> tuple[list[dict], list[dict]]:
    """Globe and Mail articles and their individual reader comments (replies flattened).

    Returns:
        (articles, comments): articles are {id, title, paragraphs, group}; comments are
        {article_id, text, author, thread_id, group}, in thread order (a reply follows its parent).
    """
    root = resolve_data_dir(data_dir) / "pages" / "sfu_gnm_sample"
    articles = []
    for path in sorted((root / "ArticleRawData").glob("*.json")):
        try:
            for article_id, record in json.loads(path.read_text(encoding="utf-8")).items():
                paragraphs = [strip_html(p).replace("\n", " ") for p in record.get("article_text") or []]
                paragraphs = [p for p in paragraphs if p]
                title = re.sub(r"\s+-\s+The Globe and Mail\s*$", "", record.get("title") or "").strip()
                if paragraphs:
                    articles.append(
                        {
                            "id": f"sfu/{article_id}",
                            "title": title,
                            "paragraphs": paragraphs,
                            "group": f"sfu/{article_id}",
                        }
                    )
        except (OSError, ValueError, AttributeError) as exc:
            logger.warning("%s: skipped: %s", path.name, exc)
    comments = []

    def walk(items: list, article_id: str, thread_id: str | None) -> None:
        for item in items:
            text = strip_html(item.get("commentText") or "")
            thread = thread_id or item.get("threadID") or item.get("ID") or ""
            if text:
                comments.append(
                    {
                        "article_id": f"sfu/{article_id}",
                        "text": text,
                        "author": ((item.get("sender") or {}).get("name") or "").strip(),
                        "thread_id": thread,
                        "group": f"sfu/{article_id}",
                    }
                )
            walk(item.get("replies") or [], article_id, thread)

    for path in sorted((root / "CommentsRawData").glob("*.json")):
        try:
            for article_id, record in json.loads(path.read_text(encoding="utf-8")).items():
                walk(record.get("comments") or [], article_id, None)
        except (OSError, ValueError, AttributeError) as exc:
            logger.warning("%s: skipped: %s", path.name, exc)
    logger.info("sfu: %d articles, %d comments", len(articles), len(comments))
    return articles, comments


# --------------------------------------------------------------------------------------------
# Material for synthetic pages: articles, chrome lines and individual comments, per split


def _is_article_paragraph(text: str) -> bool:
    """A gold paragraph that is body by our spec (not a dateline, byline or caption credit)."""
    toks = tokenize(text)
    return bool(toks) and chrome_reason(Block(text), toks) is None and not _CAPTION_TEXT.search(text)


def _article_from_lines(article_id: str, group: str, lines: Iterable[str]) -> dict | None:
    """{id, title, paragraphs, group} from gold lines; a short first line without a period is the title."""
    paragraphs = [" ".join(line.split()) for line in lines]
    paragraphs = [p[:MAX_BLOCK_CHARS] for p in paragraphs if p and _is_article_paragraph(p)]
    if not paragraphs:
        return None
    title = ""
    if len(tokenize(paragraphs[0])) <= 16 and not paragraphs[0].endswith((".", ":")) and len(paragraphs) > 1:
        title, paragraphs = paragraphs[0], paragraphs[1:]
    if sum(len(tokenize(p)) for p in paragraphs) < 40:
        return None  # too little text to stand for an article
    return {"id": article_id, "title": title, "paragraphs": paragraphs, "group": group}


def page_chrome_lines(page: LabeledPage, max_tokens: int = 12) -> list[str]:
    """Short boilerplate lines of a real page in page order: its navigation, footer and widget text."""
    out = []
    for block, label in zip(page.blocks, page.labels, strict=True):
        if label == "boilerplate" and len(block.text) <= 100 and 0 < len(tokenize(block.text)) <= max_tokens:
            out.append(block.text)
    return out


def _read_tsv(path: Path, column: str) -> list[dict]:
    csv.field_size_limit(10_000_000)
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t" if path.suffix == ".tsv" else ",")
        return [row for row in reader if (row.get(column) or "").strip()]


def load_forum_comments(data_dir=None) -> dict[str, list[dict]]:
    """Individual comments per split from SemEval Qatar Living threads and, for variety, posts of
    the incitement sets (split by the sets' own splits: thread or post never crosses splits)."""
    root = resolve_data_dir(data_dir)
    out: dict[str, list[dict]] = {"train": [], "dev": []}
    semeval = root / "offtopic" / "semeval_cqa"
    for name, split in (("pairs_2016_train_part2.tsv", "train"), ("pairs_2016_dev.tsv", "dev")):
        try:
            seen = set()
            for row in _read_tsv(semeval / name, "comment"):
                key = (row["thread_id"], row["comment"])
                if key not in seen:
                    seen.add(key)
                    out[split].append(
                        {
                            "article_id": None,
                            "text": row["comment"].strip(),
                            "author": "",
                            "thread_id": row["thread_id"],
                            "group": f"semeval/{row['thread_id']}",
                        }
                    )
        except (OSError, KeyError, csv.Error) as exc:
            logger.warning("semeval %s: skipped: %s", name, exc)
    incitement = root / "incitement"
    sets = [
        (incitement / "gab_hate_corpus" / "ghc_train.tsv", "text", lambda row: "train"),
        (incitement / "gab_hate_corpus" / "ghc_test.tsv", "text", lambda row: "dev"),
        (
            incitement / "edos" / "edos_labelled_aggregated.csv",
            "text",
            lambda row: "train" if row.get("split") == "train" else "dev",
        ),
    ]
    seen_posts: set[str] = set()
    for path, column, split_fn in sets:
        try:
            rows = _read_tsv(path, column)
        except (OSError, csv.Error) as exc:
            logger.warning("%s: skipped: %s", path.name, exc)
            continue
        for row in rows:
            text = " ".join(row[column].split())
            # The sets repeat texts across files and splits: the first occurrence decides.
            if text in seen_posts or len(text) < 3 or text.startswith("http"):
                continue
            seen_posts.add(text)
            digest = hashlib.sha1(text.encode()).hexdigest()[:12]
            out[split_fn(row)].append(
                {
                    "article_id": None,
                    "text": text.replace("[USER]", "@user").replace("[URL]", "").strip(),
                    "author": "",
                    "thread_id": digest,
                    "group": f"{path.parent.name}/{digest}",
                }
            )
    logger.info("forum comments: %s", {k: len(v) for k, v in out.items()})
    return out


# --------------------------------------------------------------------------------------------
# Synthetic pages

_FIRST = "Anna Ben Carla David Elena Frank Grace Hugo Irene James Kate Liam Maria Noah Olga Paul Rosa Sam Tara Victor".split()
_LAST = "Adams Brown Clarke Diaz Evans Fischer Garcia Hughes Ivanova Jones Khan Lopez Martin Novak Owens Patel Reed Silva Turner Walsh".split()
_AGENCIES = ["AP", "Reuters", "AFP", "Getty Images", "EPA", "PA", "Bloomberg", "Shutterstock"]
_SECTIONS = [
    "News",
    "World",
    "Politics",
    "Business",
    "Sport",
    "Opinion",
    "Tech",
    "Culture",
    "Science",
    "Health",
]
_SHORT_COMMENTS = [
    "yes",
    "Agreed.",
    "lol",
    "Well said.",
    "+1",
    "This.",
    "Nonsense.",
    "So true",
    "Thank you!",
    "Exactly!",
    "No.",
    "Great article",
    "Wow",
    "Same here",
    "Couldn't agree more.",
    "Sad.",
    "Finally!",
    "Good.",
    "ha",
    "Really?",
    "Spot on.",
    "Thanks for sharing",
    "Bravo",
    "Disgraceful",
    "why?",
]
# Article sources are drawn with these weights (pool sizes differ tenfold; news text matters most).
_ARTICLE_SOURCE_WEIGHTS = {"dragnet": 0.45, "sfu": 0.2, "readability": 0.15, "cleaneval": 0.2}
_MONTH_NAMES = "January February March April May June July August September October November December".split()


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _handle(rng: random.Random) -> str:
    style = rng.random()
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    if style < 0.3:
        return f"{first.lower()}{rng.randint(1, 999)}"
    if style < 0.5:
        return f"{first}_{last[0]}"
    if style < 0.6:
        return rng.choice(["Anonymous", "Guest", "A reader", "Anonymous Coward", "Concerned citizen"])
    return f"{first} {last}"


def _date(rng: random.Random) -> str:
    d, m, y = rng.randint(1, 28), rng.randrange(12), rng.randint(2009, 2024)
    hh, mm = rng.randint(1, 12), rng.randint(0, 59)
    return rng.choice(
        [
            f"{_MONTH_NAMES[m]} {d}, {y}",
            f"{d} {_MONTH_NAMES[m]} {y}",
            f"{_MONTH_NAMES[m][:3]} {d}, {y} {hh}:{mm:02d} {rng.choice(['AM', 'PM', 'a.m.', 'p.m.'])}",
            f"{y}-{m + 1:02d}-{d:02d}",
            f"{d:02d}/{m + 1:02d}/{y}",
            f"{_MONTH_NAMES[m]} {d}, {y} at {hh}:{mm:02d} {rng.choice(['am', 'pm'])}",
        ]
    )


def _ago(rng: random.Random) -> str:
    n = rng.randint(1, 23)
    return rng.choice(
        [
            f"{n} hours ago",
            f"{n} minutes ago",
            f"{n}h",
            f"{n}m",
            f"{rng.randint(1, 6)} days ago",
            "1 hour ago",
            "Just now",
            "yesterday",
            f"{n} hrs ago",
            f"{rng.randint(2, 11)} months ago",
            f"{n}d",
        ]
    )


def _byline_lines(rng: random.Random) -> list[str]:
    name = _name(rng)
    options = [
        [f"By {name}"],
        [f"By {name}", _date(rng)],
        [
            f"{name}, {rng.choice(['Reporter', 'Staff writer', 'Political editor', 'Correspondent'])}",
            _date(rng),
        ],
        [f"Published {_date(rng)}"],
        [
            f"Updated {rng.randint(1, 12)}:{rng.randint(0, 59):02d} {rng.choice(['EST', 'GMT', 'BST', 'ET'])}, {_date(rng)}"
        ],
        [f"{_date(rng)} | {name}"],
        [f"By {name} and {_name(rng)}", f"{rng.randint(2, 15)} min read"],
        [
            f"{name} For {rng.choice(['The Daily Post', 'MailOnline', 'Example News', 'The Herald'])}",
            f"Published: {_date(rng)}",
        ],
        [name, rng.choice(_SECTIONS), _date(rng)],
    ]
    return rng.choice(options)


def _video_chrome(rng: random.Random, title: str) -> list[str]:
    minutes, seconds = rng.randint(0, 14), rng.randint(1, 59)
    duration = f"{minutes}:{seconds:02d}"
    sep = rng.choice(["", " ", ": "])
    # Ordered as players lay them out; each item kept with its own probability, so runs vary.
    items = [
        ("Video Player is loading.", 0.3),
        (f"Watch: {title}" if title else "Watch", 0.2),
        ("Play Video", 0.3),
        (f"Loaded{sep}{rng.choice([0, 0, 12, 37, 100])}%", 0.6),
        (f"Progress{sep}{rng.choice([0, 0, 5])}%", 0.5),
        ("0:00", 0.5),
        ("Previous", 0.4),
        (rng.choice(["Play", "Pause"]), 0.8),
        ("Skip", 0.3),
        ("Next", 0.3),
        (rng.choice(["Mute", "Unmute"]), 0.7),
        (f"Current Time{sep}0:00", 0.6),
        ("/", 0.5),
        (f"Duration{rng.choice([' Time', ''])}{sep}{duration}", 0.6),
        (f"Remaining Time{sep}-{duration}", 0.3),
        ("Stream Type LIVE", 0.1),
        ("1x", 0.2),
        ("Playback Rate", 0.2),
        ("Chapters", 0.15),
        ("descriptions off, selected", 0.1),
        ("Captions", 0.2),
        ("captions off, selected", 0.15),
        ("Audio Track", 0.1),
        ("Picture-in-Picture", 0.15),
        ("Fullscreen", 0.7),
        ("This is a modal window.", 0.15),
        ("Up Next", 0.2),
        ("Autoplay", 0.15),
        ("Replay", 0.1),
        (f"{rng.randint(1, 900)}K views", 0.1),
        ("Close", 0.2),
    ]
    lines = [text for text, p in items if rng.random() < p]
    return lines or ["Play"]


def _gallery_chrome(rng: random.Random, caption: str | None) -> list[str]:
    n = rng.randint(2, 40)
    style = rng.randrange(4)
    lines = []
    if style == 0:
        lines = [f"+{n}", rng.choice(["View gallery", "View Gallery", "Open gallery"])]
    elif style == 1:
        lines = [f"{rng.randint(1, n)}/{n}", rng.choice(["Prev", "Previous"]), "Next"]
    elif style == 2:
        lines = [
            f"Image {rng.randint(1, n)} of {n}",
            rng.choice(["Show more", "Expand", "Enlarge this image"]),
        ]
    else:
        lines = [f"{n} photos", rng.choice(["View all", "See all photos", "Launch gallery"])]
    if caption:
        lines.append(caption)
        if rng.random() < 0.4:
            lines.append(
                rng.choice(
                    [
                        f"Photo: {rng.choice(_AGENCIES)}",
                        f"{_name(rng)}/{rng.choice(_AGENCIES)}",
                        f"Credit: {rng.choice(_AGENCIES)}",
                        f"({rng.choice(_AGENCIES)})",
                    ]
                )
            )
    return lines


def _caption(rng: random.Random, paragraphs: list[str]) -> str | None:
    """A caption repeating or paraphrasing an article sentence (often without its final period)."""
    sentences = [s for p in paragraphs for s in re.split(r"(?<=[.!?])\s+", p) if 6 <= len(s.split()) <= 45]
    if not sentences:
        return None
    text = rng.choice(sentences)
    r = rng.random()
    if r < 0.5:
        text = text.rstrip(".")
    elif r < 0.7 and "," in text:
        text = text.split(",", 1)[0]
    elif r < 0.8:
        text = "Pictured: " + text[0].lower() + text[1:].rstrip(".")
    elif r < 0.9:
        text = text.rstrip(".") + f" ({rng.choice(_AGENCIES)})"
    return text


def _share_chrome(rng: random.Random) -> list[str]:
    pool = [
        "Share",
        "Tweet",
        "Email",
        "Facebook",
        "Twitter",
        "WhatsApp",
        "LinkedIn",
        "Pinterest",
        "Reddit",
        "Copy link",
        "Print",
        f"Comments {rng.randint(0, 900)}",
        f"{rng.randint(1, 900)} comments",
        "Save",
        "Share this article",
        "Share on Facebook",
        "Share on X",
        f"{rng.randint(1, 99)}K shares",
        "Gift article",
    ]
    picked = rng.sample(pool, rng.randint(1, 5))
    return [" ".join(picked)] if rng.random() < 0.25 else picked


def _ad_chrome(rng: random.Random) -> list[str]:
    return [
        rng.choice(
            [
                "Advertisement",
                "ADVERTISEMENT",
                "Story continues below advertisement",
                "Sponsored",
                "Continue reading the main story",
                "Article continues below",
                "Scroll to continue with content",
                "Ad",
                "Advertisement - scroll to continue",
            ]
        )
    ]


def _related_chrome(rng: random.Random, titles: list[str]) -> list[str]:
    head = rng.choice(
        [
            "Related",
            "Read more",
            f"More from {rng.choice(_SECTIONS)}",
            "You may also like",
            "Most read",
            "Trending",
            "Recommended",
            "RELATED ARTICLES",
            "Top stories",
        ]
    )
    if not titles:
        return [head]
    picked = rng.sample(titles, min(len(titles), rng.randint(1, 5)))
    if rng.random() < 0.3:
        return [f"READ MORE: {picked[0]}"]
    lines = [head]
    for t in picked:
        lines.append(t)
        if rng.random() < 0.2:
            lines.append(_ago(rng))
    return lines


def _newsletter_chrome(rng: random.Random) -> list[str]:
    return rng.choice(
        [
            ["Sign up for our newsletter", "Enter your email", "Subscribe"],
            [
                "Get the latest headlines in your inbox",
                "Sign up",
                "By signing up you agree to our Terms of Use and Privacy Policy",
            ],
            ["Thanks for signing up!"],
            ["Subscribe now", f"Only {rng.randint(1, 9)}.99 a month"],
        ]
    )


def _comments_header(rng: random.Random, n: int) -> list[str]:
    options = [
        [f"Comments ({n})"],
        [f"{n} Comments"],
        ["Join the conversation"],
        ["Comments"],
        [f"Comments ({n})", "Sort by", rng.choice(["Newest", "Oldest", "Best", "Most liked"])],
        ["Conversation", f"{n} comments", "Log in to comment"],
        ["Post a comment", "Add a comment...", "Submit"],
        [f"View all {n} comments"],
        ["Show comments"],
        ["Community guidelines", "Write a comment...", "Post"],
        [f"{n} Responses to this article"],
        ["What do you think?", "Leave a Reply", "Name", "Email (not published)"],
    ]
    return rng.choice(options)


def _footer_lines(rng: random.Random) -> list[str]:
    site = rng.choice(
        ["Example News", "The Daily Post", "Metro Herald", "Global Times Online", "City Gazette"]
    )
    pool = [
        f"© {rng.randint(2010, 2024)} {site}. All rights reserved.",
        "Privacy Policy",
        "Terms of Use",
        "Contact Us",
        "About Us",
        "Cookie settings",
        "Back to top",
        "Advertise with us",
        "Site map",
        "Careers",
    ]
    return rng.sample(pool, rng.randint(1, 5))


def _window(rng: random.Random, lines: list[str], k: int) -> list[str]:
    if not lines or k <= 0:
        return []
    start = rng.randrange(max(1, len(lines) - k + 1))
    return lines[start : start + k]


def _comment_style(rng: random.Random) -> dict:
    """How one page shows its comments: the same header/footer chrome for every comment."""
    bare = rng.random() < 0.25
    return {
        "bare": bare,
        "header": "none"
        if bare
        else rng.choice(
            ["author", "author+time", "author_dot_time", "says", "posted_by", "wrote", "none", "author+date"]
        ),
        "footer": "none"
        if bare
        else rng.choice(["none", "reply", "reply_report", "like_reply", "inline_actions", "votes", "report"]),
        "numbered": not bare and rng.random() < 0.1,
        "reply_marker": not bare and rng.random() < 0.3,
        "split_long": not bare and rng.random() < 0.5,
    }


def _comment_header(rng: random.Random, style: dict, author: str, number: int) -> list[str]:
    h = style["header"]
    lines = [f"#{number}"] if style["numbered"] else []
    if h == "author":
        lines.append(author)
    elif h == "author+time":
        lines += [author, _ago(rng)]
    elif h == "author+date":
        lines += [author, _date(rng)]
    elif h == "author_dot_time":
        lines.append(f"{author} {rng.choice(['·', '•', '|', '-'])} {_ago(rng)}")
    elif h == "says":
        lines += [f"{author} says:", _date(rng)]
    elif h == "posted_by":
        lines.append(f"Posted by {author} on {_date(rng)}")
    elif h == "wrote":
        lines.append(f"{author} wrote:")
    return lines


def _comment_footer(rng: random.Random, style: dict) -> list[str]:
    f = style["footer"]
    likes = rng.randint(0, 300)
    if f == "reply":
        return ["Reply"]
    if f == "reply_report":
        return ["Reply", "Report"] if rng.random() < 0.7 else ["Reply | Report abuse"]
    if f == "like_reply":
        return [f"Like {likes}" if rng.random() < 0.5 else f"{likes} likes", "Reply"]
    if f == "inline_actions":
        return [
            rng.choice([f"{likes} Likes · Reply · Share", "Reply · Share · Report", f"Like ({likes}) Reply"])
        ]
    if f == "votes":
        return [str(likes), str(rng.randint(0, 50))] if rng.random() < 0.5 else [f"▲ {likes} ▼"]
    if f == "report":
        return ["Report"]
    return []


def _comment_paragraphs(rng: random.Random, text: str, style: dict) -> list[str]:
    lines = [" ".join(line.split())[:MAX_BLOCK_CHARS] for line in re.split(r"\r\n|\r|\n", text)]
    lines = [line for line in lines if line]
    if style["bare"]:
        return [" ".join(lines)[:MAX_BLOCK_CHARS]] if lines else []
    if len(lines) == 1 and style["split_long"] and rng.random() < 0.3:
        sentences = re.split(r"(?<=[.!?])\s+", lines[0])
        if len(sentences) >= 4:
            cut = sorted(rng.sample(range(1, len(sentences)), min(2, len(sentences) - 1)))
            bounds = [0, *cut, len(sentences)]
            lines = [" ".join(sentences[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]
    return lines


def _pick_comments(
    rng: random.Random,
    conversations: list[list[dict]],
    threaded: list[dict],
    singles: list[dict] = (),
    n: int = 1,
) -> list[dict]:
    """n comments: mostly a contiguous run of one conversation (replies after parents), topped up at
    random from threaded comments and, for one in five, from stand-alone posts."""
    picked: list[dict] = []
    if conversations and rng.random() < 0.75:
        conv = rng.choice(conversations)
        start = rng.randrange(max(1, len(conv) - n + 1))
        picked = conv[start : start + n]
    while len(picked) < n and (threaded or singles):
        pool = singles if singles and (not threaded or rng.random() < 0.2) else threaded
        picked.append(rng.choice(pool))
    return picked


class _PageWriter:
    """Collects (line, label, comment index); lines are normalised so text_blocks reproduces them."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.labels: list[str] = []
        self.index: list[int | None] = []

    def add(self, lines: Iterable[str], label: str, index: int | None = None) -> None:
        for line in lines:
            line = " ".join(line.split())[:MAX_BLOCK_CHARS].strip()
            if line:
                self.lines.append(line)
                self.labels.append(label)
                self.index.append(index)


def synthesize_pages(
    articles: list[dict],
    chrome_lines: list[str] | list[list[str]],
    comments: list[dict],
    n: int,
    seed: int,
    split: str,
) -> list[LabeledPage]:
    """Synthetic text pages (one block per line, as a browser copy gives) with exact labels.

    A page is header chrome, a title and byline, the article paragraphs with modern chrome between
    them (video player, gallery, captions repeating article sentences, share bars, ads, related
    links), an optional comments header, reader comments in one per-page style (with or without
    author / time / reply chrome, multi-line or bare) and footer chrome. Some pages have no
    comments and some have only comments. Chrome is boilerplate; title and paragraphs are body;
    every line of comment k is 'comment' with comment_index k.

    Args:
        articles: {id, title, paragraphs, group} dicts of one split.
        chrome_lines: short boilerplate lines of real pages of the same split, in page order
            (a flat list, or one list per page).
        comments: {text, author?, thread_id?, group?} dicts of the same split, in thread order.
        n: number of pages.
        seed: the pages are a pure function of the inputs and the seed.
        split: "train" or "dev"; names the pages.

    Example:
        >>> arts = [{"id": "a", "title": "T", "paragraphs": ["One two three."], "group": "g"}]
        >>> page = synthesize_pages(arts, ["Home", "News"], [{"text": "Nice."}], 1, 0, "dev")[0]
        >>> len(page.blocks) == len(page.labels)
        True
    """
    rng = random.Random(f"modclf-synthetic-{seed}-{split}")
    if chrome_lines and not isinstance(chrome_lines[0], str):
        chrome = [line for page in chrome_lines for line in page]
    else:
        chrome = list(chrome_lines)
    comment_pool = [c for c in comments if (c.get("text") or "").strip()]
    by_conversation: dict[str, list[dict]] = defaultdict(list)
    for c in comment_pool:
        by_conversation[str(c.get("group") or c.get("article_id") or c.get("thread_id") or "")].append(c)
    conversations = [conv for conv in by_conversation.values() if len(conv) >= 3]
    threaded = [c for conv in conversations for c in conv]
    singles = [c for conv in by_conversation.values() if len(conv) < 3 for c in conv]
    by_source: dict[str, list[dict]] = defaultdict(list)
    for a in articles:
        by_source[str(a.get("id", "")).split("/", 1)[0]].append(a)
    sources = sorted(by_source)
    source_weights = [_ARTICLE_SOURCE_WEIGHTS.get(s, 0.1) for s in sources]
    titles = [a["title"] for a in articles if a.get("title")]
    authors = sorted({c["author"] for c in comment_pool if c.get("author")})
    pages = []
    for k in range(n):
        kind = rng.choices(["full", "article_only", "comments_only"], [0.72, 0.16, 0.12])[0]
        if not articles:
            kind = "comments_only"
        if not comment_pool:
            kind = "article_only"
        article = rng.choice(by_source[rng.choices(sources, source_weights)[0]]) if articles else None
        w = _PageWriter()
        w.add(_window(rng, chrome, rng.choice([0, rng.randint(1, 8), rng.randint(5, 30)])), "boilerplate")
        if kind != "comments_only" and article is not None:
            _write_article(rng, w, article, titles)
        elif article is not None and rng.random() < 0.5:
            w.add(
                [
                    rng.choice(["Comments on: ", "Discussion: ", "Reader comments: "])
                    + (article["title"] or "this story")
                ],
                "boilerplate",
            )
        if kind != "article_only" and comment_pool:
            n_comments = rng.choice([1, 2, rng.randint(2, 6), rng.randint(3, 15), rng.randint(10, 40)])
            style = _comment_style(rng)
            if rng.random() < 0.7:
                w.add(_comments_header(rng, n_comments), "boilerplate")
            own = by_conversation.get(article["group"]) if article is not None else None
            if own and kind == "full" and rng.random() < 0.8:
                start = rng.randrange(max(1, len(own) - n_comments + 1))
                picked = own[start : start + n_comments]
            else:
                picked = _pick_comments(rng, conversations, threaded, singles, n=n_comments)
            previous_author = ""
            for index, comment in enumerate(picked):
                author = comment.get("author") or (
                    rng.choice(authors) if authors and rng.random() < 0.5 else _handle(rng)
                )
                w.add(_comment_header(rng, style, author, index + 1), "boilerplate")
                if style["reply_marker"] and previous_author and rng.random() < 0.25:
                    w.add(
                        [
                            rng.choice(
                                [
                                    f"In reply to {previous_author}",
                                    f"Replying to {previous_author}",
                                    "Show parent",
                                ]
                            )
                        ],
                        "boilerplate",
                    )
                text = rng.choice(_SHORT_COMMENTS) if rng.random() < 0.06 else comment["text"]
                w.add(_comment_paragraphs(rng, text, style), "comment", index)
                w.add(_comment_footer(rng, style), "boilerplate")
                previous_author = author
            if rng.random() < 0.3:
                w.add(
                    [
                        rng.choice(
                            [
                                "Load more comments",
                                "Show more comments",
                                "View more replies",
                                "Comments are closed.",
                                f"Show {rng.randint(2, 60)} more comments",
                            ]
                        )
                    ],
                    "boilerplate",
                )
        if rng.random() < 0.7:
            w.add(_window(rng, chrome, rng.randint(1, 15)), "boilerplate")
        if rng.random() < 0.5:
            w.add(_footer_lines(rng), "boilerplate")
        pages.append(_finish_synthetic(k, split, w, article, kind))
    return pages


def _write_article(rng: random.Random, w: _PageWriter, article: dict, titles: list[str]) -> None:
    title = article.get("title") or ""
    paragraphs = list(article["paragraphs"])
    if len(paragraphs) > 40:
        start = rng.randrange(len(paragraphs) - 30)
        paragraphs = paragraphs[start : start + rng.randint(10, 40)]
    others = [t for t in titles if t != title]
    if rng.random() < 0.3:
        w.add([rng.choice(_SECTIONS)], "boilerplate")
    if title:
        w.add([title], "body")
    if rng.random() < 0.8:
        w.add(_byline_lines(rng), "boilerplate")
    if rng.random() < 0.3:
        w.add(_share_chrome(rng), "boilerplate")
    modern = rng.random() < 0.7  # a page with modern widgets between paragraphs
    for i, paragraph in enumerate(paragraphs):
        w.add([paragraph], "body")
        if not modern or i == len(paragraphs) - 1 or rng.random() > 0.25:
            continue
        widget = rng.choices(
            ["video", "gallery", "caption", "share", "ad", "related", "newsletter"], [3, 3, 3, 1, 2, 1, 1]
        )[0]
        if widget == "video":
            lines = _video_chrome(rng, title)
            cap = _caption(rng, paragraphs) if rng.random() < 0.5 else None
            w.add(
                ([cap] if cap else []) + lines if rng.random() < 0.5 else lines + ([cap] if cap else []),
                "boilerplate",
            )
        elif widget == "gallery":
            w.add(
                _gallery_chrome(rng, _caption(rng, paragraphs) if rng.random() < 0.7 else None), "boilerplate"
            )
        elif widget == "caption":
            cap = _caption(rng, paragraphs)
            w.add([cap] if cap else [], "boilerplate")
        elif widget == "share":
            w.add(_share_chrome(rng), "boilerplate")
        elif widget == "ad":
            w.add(_ad_chrome(rng), "boilerplate")
        elif widget == "related":
            w.add(_related_chrome(rng, others), "boilerplate")
        else:
            w.add(_newsletter_chrome(rng), "boilerplate")
    if rng.random() < 0.4:
        w.add(_share_chrome(rng), "boilerplate")
    if rng.random() < 0.4:
        w.add(_related_chrome(rng, others), "boilerplate")


def _finish_synthetic(k: int, split: str, w: _PageWriter, article: dict | None, kind: str) -> LabeledPage:
    raw = "\n".join(w.lines)
    blocks = text_blocks(raw)
    if [b.text for b in blocks] != w.lines:  # the writer normalises lines, so this cannot differ
        raise AssertionError(f"synthetic/{split}/{k}: blocks differ from written lines")
    n_comments = len({i for i in w.index if i is not None})
    group = article["group"] if article is not None and kind != "comments_only" else f"synthetic/{split}/{k}"
    return LabeledPage(
        id=f"synthetic/{split}/{k}",
        source="synthetic",
        group=group,
        format="text",
        blocks=blocks,
        labels=w.labels,
        comment_index=w.index,
        boundaries_known=True,
        raw=raw,
        gold_body="\n".join(t for t, lab in zip(w.lines, w.labels, strict=True) if lab == "body") or None,
        gold_comments="\n".join(t for t, lab in zip(w.lines, w.labels, strict=True) if lab == "comment")
        or None,
        meta={
            "kind": kind,
            "article": article["id"] if article else None,
            "n_comments": n_comments,
            "split": split,
        },
    )


# --------------------------------------------------------------------------------------------
# The whole data set

# Bump when alignment or labelling changes: it keys the page cache and the quality floors' data
# fingerprint (modclf.quality), since the same archives then give other gold labels.
LABELS_VERSION = "2"


def _source_fingerprint(root: Path) -> str:
    """Hash of the page archives and of this module, so a cache is never stale."""
    digest = hashlib.sha1(LABELS_VERSION.encode())
    digest.update(Path(__file__).read_bytes())
    for path in sorted((root / "pages").rglob("*.tar.xz")):
        digest.update(path.name.encode())
        digest.update(hashlib.sha1(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def load_real_pages(
    data_dir=None, cache_dir: str | os.PathLike | None = None
) -> dict[str, list[LabeledPage]]:
    """Aligned real pages by source ("dragnet", "readability", "cleaneval"), cached when cache_dir is given."""
    import pickle

    root = resolve_data_dir(data_dir)
    cache_path = None
    if cache_dir is not None:
        cache_path = Path(cache_dir) / f"real_pages_{_source_fingerprint(root)}.pkl"
        if cache_path.exists():
            try:
                with open(cache_path, "rb") as handle:
                    logger.info("real pages from cache %s", cache_path)
                    return pickle.load(handle)
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as exc:
                logger.warning("cache %s unreadable (%s); rebuilding", cache_path, exc)
    real = {
        "dragnet": load_dragnet(root),
        "readability": load_readability(root),
        "cleaneval": load_cleaneval(root),
    }
    if cache_path is not None:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_path.with_suffix(".tmp")
        with open(tmp, "wb") as handle:
            pickle.dump(real, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache_path)
        for stale in cache_path.parent.glob("real_pages_*.pkl"):
            if stale != cache_path:  # built from other data or older code: never read again
                stale.unlink(missing_ok=True)
    return real


def build_segmentation_data(
    data_dir=None,
    seed: int = 0,
    n_synthetic_train: int = 3000,
    n_synthetic_dev: int = 300,
    cache_dir: str | os.PathLike | None = None,
) -> dict[str, list[LabeledPage]]:
    """Train and dev segmentation pages: aligned real pages plus synthetic pages.

    Real pages are split by group (site host, page or article) with a stable hash, about 80/20;
    synthetic pages of a split are built only from that split's articles, chrome and comments.

    Example:
        >>> data = build_segmentation_data(n_synthetic_train=10, n_synthetic_dev=2)  # doctest: +SKIP
        >>> sorted(data)  # doctest: +SKIP
        ['dev', 'train']
    """
    root = resolve_data_dir(data_dir)
    real = load_real_pages(root, cache_dir)
    out: dict[str, list[LabeledPage]] = {"train": [], "dev": []}
    articles: dict[str, list[dict]] = {"train": [], "dev": []}
    chrome: dict[str, list[str]] = {"train": [], "dev": []}
    for source, pages in real.items():
        for page in pages:
            split = split_of(page.group)
            out[split].append(page)
            if source == "dragnet":
                chrome[split].extend(page_chrome_lines(page))
                lines = page.gold_body.splitlines() if page.gold_body else []
            elif source == "readability":
                lines = page.gold_body.splitlines() if page.gold_body else []
            else:
                lines = page.gold_body.splitlines() if page.gold_body else []
            article = _article_from_lines(page.id, page.group, lines)
            if article is not None:
                articles[split].append(article)
    sfu_articles, sfu_comments = load_sfu(root)
    for article in sfu_articles:
        articles[split_of(article["group"])].append(article)
    comments = load_forum_comments(root)
    for comment in sfu_comments:
        comments[split_of(comment["group"])].append(comment)
    for split, n in (("train", n_synthetic_train), ("dev", n_synthetic_dev)):
        out[split].extend(synthesize_pages(articles[split], chrome[split], comments[split], n, seed, split))
    train_groups = {p.group for p in out["train"]}
    leaked = sorted({p.group for p in out["dev"]} & train_groups)
    if leaked:
        raise AssertionError(f"dev pages share groups with train pages: {leaked[:5]}")
    return out
