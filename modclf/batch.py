"""Batch runs over files: read records, run the model on each, write results, report rejects.

The CLI is a thin layer over these functions; a Python user can call them the same way.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from modclf.dumps import NUMBER_UNITS, JsonlWriter, Record, RejectWriter, input_kind, iter_records, text_bytes
from modclf.errors import InputError
from modclf.pages import FORMATS, decode_bytes
from modclf.policy import Policy

logger = logging.getLogger(__name__)


@dataclass
class Summary:
    """What a batch run did."""

    read: int = 0
    written: int = 0
    rejected: int = 0
    warnings: int = 0  # records written with a warning (invalid UTF-8 replaced, ...)
    seconds: float = 0.0

    def line(self, what: str = "pages", written: str = "") -> str:
        """One-line summary, e.g. line("records", "comments"): "3 records read, 7 comments written, ..."."""
        written = f" {written}" if written else ""
        text = f"{self.read} {what} read, {self.written}{written} written, {self.rejected} rejected"
        if self.warnings:
            text += f", {self.warnings} with warnings"
        return f"{text}, {self.seconds:.1f} s"


def _page_text(record: Record, source: str) -> tuple[str, list[str]]:
    """The record's page as text; InputError for a non-text or binary page."""
    page = record.fields["page"]
    if not isinstance(page, (str, bytes)):
        raise InputError(f"field 'page' must be a string, got {type(page).__name__}")
    # Through modclf.pages: binary content is an error, invalid UTF-8 is replaced and reported.
    return decode_bytes(text_bytes(page), source)


def segment_record(clf, record: Record, fmt: str = "auto", source: str | None = None) -> tuple[dict, list[str]]:
    """Segment one record into its output dict {"id", "lines", "body", "comments"} and warnings.

    In "auto" mode a record's own `format` field (page files: "html" for .html/.htm) is used when
    it is one of auto/text/html. Raises InputError when the record cannot be segmented.
    """
    if record.error is not None:
        raise InputError(record.error)
    page, warnings = _segment_page(clf, record, fmt, source or f"record {record.id!r}")
    return {"id": record.id, **page.as_dict()}, warnings


def _segment_page(clf, record: Record, fmt: str, source: str):
    """(Page, warnings) for a record with a `page` field; its own `format` is used in "auto" mode."""
    text, warnings = _page_text(record, source)
    if fmt == "auto" and record.fields.get("format") in FORMATS:
        fmt = record.fields["format"]
    page = clf.segment(text, fmt=fmt)
    return page, warnings + page.warnings


def segment_file(
    clf,
    input_path: str | os.PathLike,
    output: str | os.PathLike | IO[str],
    rejects: str | os.PathLike | None = None,
    fmt: str = "auto",
) -> Summary:
    """Segment every page of a page file, a folder of pages or a dump into JSON Lines.

    Args:
        clf: a ModClf.
        input_path: see modclf.dumps.iter_records; dump records need `id` and `page`.
        output: a .jsonl / .jsonl.gz path, or an open text stream (sys.stdout).
        rejects: where rejected records go as JSON Lines {id, number, reason}; None: only logged.
        fmt: "auto", "text" or "html" for every page.

    Returns:
        Summary of pages read, written and rejected.

    Example:
        >>> segment_file(ModClf.from_pretrained(), "pages.jsonl", "segmented.jsonl", "rejects.jsonl")
        Summary(read=120, written=119, rejected=1, warnings=0, seconds=8.2)
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    start = time.perf_counter()
    summary = Summary()
    name = Path(input_path).name
    unit = NUMBER_UNITS[input_kind(input_path)]
    records = iter_records(input_path, required=["page"], columns=["format"])
    # Read the first record before creating any output, so that an unusable input (no `page`
    # column, unreadable Parquet) fails without leaving empty output files behind.
    first = next(records, None)
    records = itertools.chain([first] if first is not None else [], records)
    reject_writer = RejectWriter(rejects) if rejects is not None else None
    try:
        with JsonlWriter(output) as writer:
            for record in records:
                summary.read += 1
                where = f"{name} {unit} {record.number} (id {record.id!r})"
                try:
                    result, warnings = segment_record(clf, record, fmt, source=where)
                except InputError as exc:
                    reason = str(exc)
                except Exception as exc:  # noqa: BLE001 - one bad page must not end a long run
                    logger.debug("unexpected error on %s", where, exc_info=True)
                    reason = f"unexpected {type(exc).__name__}: {exc}"
                else:
                    writer.write(result)
                    summary.written += 1
                    summary.warnings += bool(warnings)
                    continue
                summary.rejected += 1
                logger.warning("rejected %s: %s", where, reason)
                if reject_writer is not None:
                    reject_writer.reject(record.id, record.number, reason)
    finally:
        if reject_writer is not None:
            reject_writer.close()
        summary.seconds = time.perf_counter() - start
    return summary


# --- score -----------------------------------------------------------------------------------------

MAX_COMMENT_CHARS = 100_000  # longer "comments" are pasted documents or spam, not comments
SCORE_CHUNK_COMMENTS = 256  # comments per scoring call: big enough to batch well, small to stream
ARTICLE_CACHE_SIZE = 4096  # article embeddings kept (about 1.5 KiB each for a 384-wide encoder)
SCORE_FIELDS = ("comment", "page", "article", "article_id", "format")


@dataclass
class _Comment:
    """One comment to score, with where it came from and the article it is scored against."""

    id: str | int
    text: str
    record_id: str | int
    number: int
    article_key: Hashable | None  # cache key of the article embedding; None: no article
    article: str | None = None  # article text; None when it is looked up by article_key


def _given(fields: dict, name: str) -> bool:
    """A field counts as given when present and not null or "" (CSV has every column on every row)."""
    value = fields.get(name)
    return value is not None and value != ""


def _field_text(record: Record, name: str, source: str) -> tuple[str, list[str]]:
    """A text field as str: invalid UTF-8 replaced (and reported), binary content an InputError."""
    value = record.fields[name]
    if not isinstance(value, (str, bytes)):
        raise InputError(f"field {name!r} must be a string, got {type(value).__name__}")
    return decode_bytes(text_bytes(value), f"{source} field {name!r}")


def _text_key(text: str) -> tuple[str, str]:
    return ("text", hashlib.sha1(text.encode("utf-8", errors="surrogatepass")).hexdigest())


def _comment_problem(text: str) -> str | None:
    if not text.strip():
        return "empty comment; there is nothing to score"
    if len(text) > MAX_COMMENT_CHARS:
        return f"comment is {len(text):,} characters; the limit is {MAX_COMMENT_CHARS:,}"
    return None


class ArticleIndex:
    """Article texts by id, read from a dump of records with `id` and `article` or `page`.

    `page` records are segmented on first use and their body kept. Every article is held in
    memory (pages as read until used); the high-throughput engine may replace this with an index
    on disk.
    """

    def __init__(self, clf, path: str | os.PathLike):
        self.clf = clf
        self.name = Path(path).name
        self._texts: dict[str, str | None] = {}  # id -> article text (None: the page has no body)
        self._pages: dict[str, Record] = {}  # id -> page record not segmented yet
        self._bad: dict[str, str] = {}  # id -> why the record cannot be used
        duplicates = 0
        for record in iter_records(path, columns=["article", "page", "format"]):
            key = str(record.id)
            if key in self._texts or key in self._pages or key in self._bad:
                duplicates += 1
                continue
            if record.error is not None:
                self._bad[key] = record.error
            elif _given(record.fields, "article"):
                try:
                    text, _ = _field_text(record, "article", f"{self.name} id {record.id!r}")
                except InputError as exc:
                    self._bad[key] = str(exc)
                else:
                    self._texts[key] = text if text.strip() else None
            elif _given(record.fields, "page"):
                self._pages[key] = record
            else:
                self._bad[key] = "missing field 'article' (or 'page')"
        if duplicates:
            logger.warning("%s: %d record(s) with an id seen before were ignored (the first one counts)", self.name, duplicates)
        logger.info("%s: %d article(s) read", self.name, len(self._texts) + len(self._pages))

    def get(self, article_id: str | int) -> str | None:
        """The article text for an id (None: a page without body); InputError for an unknown id."""
        key = str(article_id)
        if key in self._pages:
            record = self._pages.pop(key)
            try:
                page, _ = _segment_page(self.clf, record, "auto", f"{self.name} id {record.id!r}")
            except InputError as exc:
                self._bad[key] = str(exc)
            else:
                self._texts[key] = page.body if page.body.strip() else None
        if key in self._texts:
            return self._texts[key]
        if key in self._bad:
            raise InputError(f"article_id {article_id!r} cannot be used: {self.name}: {self._bad[key]}")
        raise InputError(f"unknown article_id {article_id!r} (not in {self.name})")


class ArticleEmbeddingCache:
    """A bounded LRU cache of article embeddings, so each distinct article is embedded once per run."""

    def __init__(self, clf, max_size: int = ARTICLE_CACHE_SIZE):
        self.clf = clf
        self.max_size = max_size
        self._cache: OrderedDict = OrderedDict()
        self.embedded = 0  # articles embedded so far (cache misses)

    def get_many(self, texts: dict[Hashable, str]):
        """{key: embedding} for {key: article text}; only articles not cached are embedded."""
        missing = [key for key in texts if key not in self._cache]
        if missing:
            embeddings = self.clf.embed_articles([texts[key] for key in missing])
            for key, row in zip(missing, embeddings):
                self._cache[key] = row.clone()  # a view would keep the whole batch alive
            self.embedded += len(missing)
        result = {}
        for key in texts:
            self._cache.move_to_end(key)
            result[key] = self._cache[key]
        while len(self._cache) > self.max_size:
            self._cache.popitem(last=False)
        return result


def _record_comments(
    clf, record: Record, articles: ArticleIndex | None, source: str
) -> tuple[list[_Comment], list[tuple[str | int, str]], list[str]]:
    """A record's comments to score, comments rejected inside it (id, reason), and warnings.

    Raises InputError when the whole record is unusable.
    """
    if record.error is not None:
        raise InputError(record.error)
    fields = record.fields
    has_comment, has_page = _given(fields, "comment"), _given(fields, "page")
    if has_comment and has_page:
        raise InputError("give either 'comment' or 'page', not both")
    if has_page:
        page, warnings = _segment_page(clf, record, "auto", source)
        body = page.body
        key = _text_key(body) if body.strip() else None
        comments, rejected = [], []
        for i, comment in enumerate(page.comments):
            comment_id = f"{record.id}#{i}"
            problem = _comment_problem(comment.text)
            if problem is not None:
                rejected.append((comment_id, problem))
            else:
                comments.append(_Comment(comment_id, comment.text, record.id, record.number, key, body if key else None))
        return comments, rejected, warnings
    if not has_comment:
        if "comment" in fields or "page" in fields:
            name = "comment" if "comment" in fields else "page"
            raise InputError(f"field {name!r} is {'null' if fields[name] is None else 'empty'}")
        raise InputError("missing field 'comment' (or 'page')")
    text, warnings = _field_text(record, "comment", source)
    problem = _comment_problem(text)
    if problem is not None:
        raise InputError(problem)
    if _given(fields, "article") and _given(fields, "article_id"):
        raise InputError("give 'article' or 'article_id', not both")
    key, article = None, None
    if _given(fields, "article"):
        article, article_warnings = _field_text(record, "article", source)
        warnings += article_warnings
        key = _text_key(article) if article.strip() else None
        article = article if key else None
    elif _given(fields, "article_id"):
        article_id = fields["article_id"]
        if isinstance(article_id, bool) or not isinstance(article_id, (str, int)):
            raise InputError(f"field 'article_id' must be a string or an integer, got {type(article_id).__name__}")
        if articles is None:
            raise InputError(f"article_id {article_id!r} given but no articles file (--articles)")
        if articles.get(article_id) is not None:
            key = ("id", str(article_id))
    return [_Comment(record.id, text, record.id, record.number, key, article)], [], warnings


def _score_comments(clf, comments: list[_Comment], cache: ArticleEmbeddingCache, articles: ArticleIndex | None):
    """Scores for comments, each against its article, every distinct article embedded once."""
    texts = {}
    for comment in comments:
        if comment.article_key is not None and comment.article_key not in texts:
            texts[comment.article_key] = comment.article if comment.article is not None else articles.get(comment.article_key[1])
    embeddings = cache.get_many(texts)
    return clf.score_embedded(
        [c.text for c in comments], [None if c.article_key is None else embeddings[c.article_key] for c in comments]
    )


def _chunks(comments: Iterator[_Comment], size: int) -> Iterator[list[_Comment]]:
    """Lists of about `size` comments, never splitting a record's comments."""
    chunk: list[_Comment] = []
    for comment in comments:
        if len(chunk) >= size and comment.number != chunk[-1].number:
            yield chunk
            chunk = []
        chunk.append(comment)
    if chunk:
        yield chunk


def score_file(
    clf,
    input_path: str | os.PathLike,
    output: str | os.PathLike | IO[str],
    rejects: str | os.PathLike | None = None,
    articles: str | os.PathLike | None = None,
    policy: Policy | None = None,
    chunk_comments: int = SCORE_CHUNK_COMMENTS,
) -> Summary:
    """Score every comment of a dump (or of the pages in it) and apply the moderation policy.

    Records carry either `page` (segmented; each comment is scored against the page's body and
    gets the id "<page id>#<comment index>") or `comment` with an optional `article` text or
    `article_id` (looked up in `articles`). A comment without an article gets off_topic null.
    Records are read and scored in chunks, so memory stays bounded (the articles file aside).

    Args:
        clf: a ModClf.
        input_path: a dump (.jsonl, .jsonl.gz, .csv, .parquet), a page file or a folder of pages.
        output: a .jsonl / .jsonl.gz path or an open text stream; one record per comment:
            {"id", "text", "incitement", "off_topic", "decision", "reasons", "model"}.
        rejects: where rejected records go as JSON Lines {id, number, reason}; None: only logged.
        articles: a dump of records with `id` and `article` (text) or `page` (its body is used).
        policy: the moderation policy (default: Policy.load(), configs/policy.yaml).
        chunk_comments: comments per scoring call.

    Returns:
        Summary: records read, comments written, records (or page comments) rejected.

    Example:
        >>> score_file(ModClf.from_pretrained(), "comments.jsonl", "scored.jsonl", "rejects.jsonl",
        ...            articles="articles.jsonl")
        Summary(read=1000, written=998, rejected=2, warnings=0, seconds=12.5)
    """
    start = time.perf_counter()
    policy = policy if policy is not None else Policy.load()
    summary = Summary()
    name = Path(input_path).name
    unit = NUMBER_UNITS[input_kind(input_path)]
    records = iter_records(input_path, columns=SCORE_FIELDS)
    # Fail on an unusable input before loading articles or creating any output.
    first = next(records, None)
    if first is not None and first.error is None and input_kind(input_path) in ("csv", "parquet"):
        if "comment" not in first.fields and "page" not in first.fields:
            raise InputError(f"{input_path}: no column 'comment' or 'page' (columns: {', '.join(first.fields)[:300]})")
    records = itertools.chain([first] if first is not None else [], records)
    article_index = ArticleIndex(clf, articles) if articles is not None else None
    cache = ArticleEmbeddingCache(clf)
    reject_writer = RejectWriter(rejects) if rejects is not None else None

    def reject(record_id, number: int, reason: str) -> None:
        summary.rejected += 1
        logger.warning("rejected %s %s %d (id %r): %s", name, unit, number, record_id, reason)
        if reject_writer is not None:
            reject_writer.reject(record_id, number, reason)

    def comments() -> Iterator[_Comment]:
        for record in records:
            summary.read += 1
            source = f"{name} {unit} {record.number} (id {record.id!r})"
            try:
                found, rejected, warnings = _record_comments(clf, record, article_index, source)
            except InputError as exc:
                reject(record.id, record.number, str(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - one bad record must not end a long run
                logger.debug("unexpected error on %s", source, exc_info=True)
                reject(record.id, record.number, f"unexpected {type(exc).__name__}: {exc}")
                continue
            summary.warnings += bool(warnings)
            for comment_id, reason in rejected:
                reject(comment_id, record.number, reason)
            yield from found

    def scored(chunk: list[_Comment]):
        """(comment, score) pairs; when a chunk fails, its records are retried one by one."""
        try:
            return list(zip(chunk, _score_comments(clf, chunk, cache, article_index)))
        except Exception:  # noqa: BLE001
            logger.debug("scoring a chunk failed; retrying record by record", exc_info=True)
        pairs = []
        for _, group in itertools.groupby(chunk, key=lambda c: c.number):
            group = list(group)
            try:
                pairs += zip(group, _score_comments(clf, group, cache, article_index))
            except Exception as exc:  # noqa: BLE001
                reason = str(exc) if isinstance(exc, InputError) else f"unexpected {type(exc).__name__}: {exc}"
                reject(group[0].record_id, group[0].number, reason)
        return pairs

    try:
        with JsonlWriter(output) as writer:
            for chunk in _chunks(comments(), chunk_comments):
                for comment, score in scored(chunk):
                    decision, reasons = policy.decide(score)
                    writer.write(
                        {
                            "id": comment.id,
                            "text": comment.text,
                            "incitement": score.incitement,
                            "off_topic": score.off_topic,
                            "decision": decision,
                            "reasons": reasons,
                            "model": clf.model_id,
                        }
                    )
                    summary.written += 1
    finally:
        if reject_writer is not None:
            reject_writer.close()
        summary.seconds = time.perf_counter() - start
    logger.debug("score: %d distinct article(s) embedded", cache.embedded)
    return summary
