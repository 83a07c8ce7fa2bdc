"""Segmentation training data: real pages aligned to their gold text, plus synthetic pages.

Real pages (Dragnet, Readability, CleanEval) are HTML rendered with `modclf.pages.html_blocks`, so
training blocks are exactly what inference sees; each block is labelled by aligning its tokens to
the page's gold article (and gold comment) text. No real set marks where one comment ends and the
next begins, so synthetic text pages (real article text + real chrome + real individual comments)
carry exact comment boundaries.

Every page belongs to a `group` (site host, article or thread); train and dev never share a group,
and synthetic dev pages are built only from dev material.

This module holds the data-set loaders and `build_segmentation_data`; the aligner is in
modclf.training.sources.aligner and the page synthesiser in modclf.training.sources.page_synthesizer.
"""

from __future__ import annotations

import csv
import hashlib
import html as html_lib
import json
import logging
import os
import re
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from modclf.pages import MAX_BLOCK_CHARS, Block, decode_page_bytes, html_blocks
from modclf.training.sources import resolve_data_dir
from modclf.training.sources.aligner import _CAPTION_TEXT, align_blocks, chrome_reason, tokenize
from modclf.training.sources.page_synthesizer import synthesize_pages
from modclf.training.sources.types import LabeledPage

logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())

SPLITS = ("train", "dev")
# Share of groups (hosts, articles, threads) held out for development.
DEV_SHARE = 0.2
# A real page whose body alignment covers less of its gold article than this is dropped.
MIN_BODY_COVERAGE = 0.6
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
# The whole data set

# Bump when alignment or labelling changes: it keys the page cache and the quality floors' data
# fingerprint (modclf.training.quality), since the same archives then give other gold labels.
LABELS_VERSION = "2"


def _source_fingerprint(root: Path) -> str:
    """Hash of the page archives and of this module and the aligner, so a cache is never stale."""
    digest = hashlib.sha1(LABELS_VERSION.encode())
    digest.update(Path(__file__).read_bytes())
    digest.update(Path(__file__).with_name("aligner.py").read_bytes())
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
