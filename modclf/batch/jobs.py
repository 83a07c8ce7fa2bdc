"""Batch runs over files: segment pages or score comments of a dump, fast, streaming and resumable.

The CLI is a thin layer over `segment_file` and `score_file`; a Python user calls them the same way.
Both run on the engine in modclf.batch.engine (windows read ahead in a background thread, outputs in
input order, a progress sidecar for --resume); this module holds what a record becomes:

- scoring: a window of ~4096 comments is checked and tokenised by the reader thread; the model
  thread segments page records, resolves articles (each distinct article embedded once per run,
  kept in a bounded LRU cache), embeds each distinct comment text once (plus a bounded LRU of
  recent comment embeddings across windows) in length-sorted batches padded to a token budget,
  runs the heads on the whole window at once and applies the policy;
- segmentation: a window of pages is decoded and preprocessed by the reader thread and segmented
  by the model thread.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import logging
import os
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import torch

from modclf.batch import engine
from modclf.batch.dumps import NUMBER_UNITS, Record, input_kind, iter_records, text_bytes
from modclf.batch.engine import Item, RunOptions, Window, WindowResult
from modclf.encode import embed_token_rows, tokenize
from modclf.errors import InputError
from modclf.pages import FORMATS, decode_bytes, read_page
from modclf.policy import Policy
from modclf.score import scores_from_embeddings, sentence_spans
from modclf.segment import segment_page

logger = logging.getLogger(__name__)


@dataclass
class Summary:
    """What a batch run did (counts cover every resumed part of a run; seconds only this session)."""

    read: int = 0
    written: int = 0
    rejected: int = 0
    warnings: int = 0  # records written with a warning (invalid UTF-8 replaced, ...)
    seconds: float = 0.0
    reasons: dict = field(default_factory=dict)  # reject reason kind -> count
    processed: int = 0  # records processed in this session (a resumed run skips the others)
    session_written: int = 0  # rows written in this session
    notes: dict = field(default_factory=dict)  # e.g. {"comments without an article (off_topic null)": 12}

    @property
    def rate(self) -> float:
        """Rows (comments or pages) written per second in this session."""
        return self.session_written / self.seconds if self.seconds > 0 else 0.0

    def line(self, what: str = "pages", written: str = "") -> str:
        """One-line summary, e.g. line("records", "comments"): "3 records read, 7 comments written, ..."."""
        label = f" {written}" if written else ""
        text = f"{self.read} {what} read, {self.written}{label} written, {self.rejected} rejected"
        if self.reasons:
            text += " (" + "; ".join(f"{k}: {n}" for k, n in sorted(self.reasons.items(), key=lambda kv: -kv[1])) + ")"
        if self.warnings:
            text += f", {self.warnings} with warnings"
        for note, n in sorted(self.notes.items()):
            text += f", {n} {note}"
        return f"{text}, {self.seconds:.1f} s, {self.rate:.1f} {written or what}/s"


def _summary(state: engine.RunState, seconds: float, processed: int, session_written: int) -> Summary:
    return Summary(
        read=state.records, written=state.written, rejected=state.rejected, warnings=state.warnings,
        seconds=seconds, reasons=dict(state.reasons), processed=processed, session_written=session_written,
        notes=dict(state.notes),
    )


def _page_text(record: Record, source: str) -> tuple[str, list[str]]:
    """The record's page as text; InputError for a non-text or binary page."""
    page = record.fields["page"]
    if not isinstance(page, (str, bytes)):
        raise InputError(f"field 'page' must be a string, got {type(page).__name__}")
    # Through modclf.pages: binary content is an error, invalid UTF-8 is replaced and reported.
    return decode_bytes(text_bytes(page), source)


def _record_format(record: Record, fmt: str) -> str:
    """In "auto" mode a record's own `format` field (page files: "html") is used when valid."""
    if fmt == "auto" and record.fields.get("format") in FORMATS:
        return record.fields["format"]
    return fmt


def segment_record(clf, record: Record, fmt: str = "auto", source: str | None = None) -> tuple[dict, list[str]]:
    """Segment one record into its output dict {"id", "lines", "body", "comments"} and warnings.

    Raises InputError when the record cannot be segmented.
    """
    if record.error is not None:
        raise InputError(record.error)
    page, warnings = _segment_page(clf, record, fmt, source or f"record {record.id!r}")
    return {"id": record.id, **page.as_dict()}, warnings


def _segment_page(clf, record: Record, fmt: str, source: str):
    """(Page, warnings) for a record with a `page` field; its own `format` is used in "auto" mode."""
    text, warnings = _page_text(record, source)
    page = clf.segment(text, fmt=_record_format(record, fmt))
    return page, warnings + page.warnings


def _source(name: str, unit: str, number: int, record_id) -> str:
    return f"{name} {unit} {number} (id {record_id!r})"


def _open_records(input_path, required, columns) -> tuple[Iterator[Record], Record | None]:
    """The input's records, its first one read already so that an unusable input fails before any output.

    Fields the job does not read are warned about once each, naming the closest known field (a
    misspelt `articel_id` must not silently become "no article"); an empty input is warned about.
    """
    known = {"id", *required, *columns}
    check = _FieldCheck(known, Path(input_path).name)
    if input_kind(input_path) == "parquet":
        # Only known columns are read from Parquet: check the schema instead.
        try:
            import pyarrow.parquet as pq

            check(pq.read_schema(input_path).names)
        except Exception:  # noqa: BLE001 - an unreadable file is reported by iter_records
            pass
    records = iter_records(input_path, required=required, columns=columns)
    first = next(records, None)
    if first is None:
        logger.warning("%s: the input holds no records", Path(input_path).name)

    def checked(stream):
        seen: set[int] = set()
        repeated = 0
        for record in stream:
            if record.error is None:
                check(record.fields)
                if len(seen) < MAX_IDS_CHECKED:
                    key = hash((type(record.id).__name__, record.id))
                    if key in seen:
                        repeated += 1
                        if repeated <= 3:
                            logger.warning("%s: id %r repeats an earlier record's id", Path(input_path).name, record.id)
                    seen.add(key)
            yield record
        if repeated:
            logger.warning("%s: %d record(s) repeat an earlier id; outputs keep them apart only by order",
                           Path(input_path).name, repeated)

    return checked(itertools.chain([first] if first is not None else [], records)), first


MAX_IDS_CHECKED = 5_000_000  # ids remembered for the duplicate check (about 0.3 GB at most)


class _FieldCheck:
    """Warns once per unknown field name, with the closest known name when there is one."""

    def __init__(self, known: set[str], name: str):
        self.known, self.name, self.seen = known, name, set()

    def __call__(self, fields) -> None:
        for key in fields:
            if key in self.known or key in self.seen:
                continue
            self.seen.add(key)
            close = difflib.get_close_matches(str(key), sorted(self.known), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"known fields: {', '.join(sorted(self.known))}"
            logger.warning("%s: unknown field %r is ignored; %s", self.name, key, hint)


# --- segment ---------------------------------------------------------------------------------------

SEGMENT_WINDOW_PAGES = 16  # pages per window: a page is ~150 lines, segmented in one forward
SEGMENT_COLUMNS = ["id", "lines", "body", "comments"]


class SegmentJob:
    """Pages -> {"id", "lines", "body", "comments"}; pages are decoded and preprocessed ahead."""

    unit, what, columns = "pages", "segment", SEGMENT_COLUMNS

    def __init__(self, clf, fmt: str, name: str, unit: str):
        self.clf, self.fmt, self.name, self.record_unit = clf, fmt, name, unit
        self.progress = None  # set by the engine: pages of the current window done

    @staticmethod
    def schema():
        import pyarrow as pa

        line = pa.struct([("text", pa.string()), ("label", pa.string()), ("comment", pa.int64())])
        return pa.schema([("id", pa.string()), ("lines", pa.list_(line)), ("body", pa.string()),
                          ("comments", pa.list_(pa.struct([("text", pa.string())])))])

    def items(self, records: Iterator[Record]) -> Iterator[Item]:
        for record in records:
            if record.error is not None:
                yield Item(record.number, record.id, reject=record.error)
                continue
            source = _source(self.name, self.record_unit, record.number, record.id)
            try:
                text, warnings = _page_text(record, source)
                page_input = read_page(text, _record_format(record, self.fmt), source)
            except InputError as exc:
                yield Item(record.number, record.id, reject=str(exc))
            except Exception as exc:  # noqa: BLE001 - one bad page must not end a long run
                yield Item(record.number, record.id, reject=f"unexpected {type(exc).__name__}: {exc}")
            else:
                yield Item(record.number, record.id, payload=(page_input, warnings))

    def finish_window(self, window: Window) -> None:
        pass

    def process(self, window: Window) -> WindowResult:
        result = WindowResult()
        for item in window.items:
            if item.reject is not None:
                result.reject(item.id, item.number, item.reject)
                continue
            page_input, warnings = item.payload
            try:
                with torch.inference_mode():
                    page = segment_page(self.clf.model, self.clf.tokenizer, page_input, self.clf.precision)
            except Exception as exc:  # noqa: BLE001
                logger.debug("unexpected error on %s %d", self.name, item.number, exc_info=True)
                result.reject(item.id, item.number, f"unexpected {type(exc).__name__}: {exc}")
                continue
            result.rows.append({"id": item.id, **page.as_dict()})
            result.warnings += bool(warnings or page.warnings)
            if self.progress is not None:
                self.progress(len(result.rows) + len(result.rejects))
        return result


def segment_file(
    clf,
    input_path: str | os.PathLike,
    output: str | os.PathLike | IO[str],
    rejects: str | os.PathLike | None = None,
    fmt: str = "auto",
    options: RunOptions | None = None,
) -> Summary:
    """Segment every page of a page file, a folder of pages or a dump.

    Args:
        clf: a ModClf.
        input_path: see modclf.batch.dumps.iter_records; dump records need `id` and `page`.
        output: a .jsonl / .jsonl.gz / .csv / .parquet path, or an open text stream (sys.stdout).
        rejects: where rejected records go as JSON Lines {id, number, reason}; None: only logged.
        fmt: "auto", "text" or "html" for every page.
        options: engine options (window, resume, progress); default RunOptions(window=16).

    Returns:
        Summary of pages read, written and rejected.

    Example:
        >>> segment_file(ModClf.from_pretrained(), "pages.jsonl", "segmented.jsonl", "rejects.jsonl")
        Summary(read=120, written=119, rejected=1, ...)
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    options = options or RunOptions(window=SEGMENT_WINDOW_PAGES)
    kind = input_kind(input_path)
    name, unit = Path(input_path).name, NUMBER_UNITS[kind]
    records, _ = _open_records(input_path, ["page"], ["format"])
    job = SegmentJob(clf, fmt, name, unit)
    total = _total(input_path, kind)
    state, seconds, processed, session_written = engine.run(
        job, records, Path(input_path), output, rejects, options, total,
        where=lambda r: _source(name, unit, r["number"], r["id"]),
    )
    return _summary(state, seconds, processed, session_written)


def _total(input_path, kind: str) -> int | None:
    if kind == "folder":
        return None
    return engine.estimate_records(Path(input_path), kind)


# --- score -----------------------------------------------------------------------------------------

MAX_COMMENT_CHARS = 100_000  # longer "comments" are pasted documents or spam, not comments
SCORE_WINDOW_COMMENTS = 4096  # comments per window: the scope of length sorting and dedupe
SCORE_CHUNK_COMMENTS = SCORE_WINDOW_COMMENTS  # the old name of the window size
BATCH_TOKENS = 4096  # padded tokens per forward batch: measured fastest on 2 cores (8192 is ~5% slower)
ARTICLE_CACHE_SIZE = 4096  # article embeddings kept (1.5 KiB each for a 384-wide encoder; 7.5 KiB with an off-topic reader)
NO_COMMENTS = "page(s) without reader comments (nothing to score)"
NO_ARTICLE = "comment(s) without an article (off_topic null; give `article`, `article_id` or pages)"
COMMENT_CACHE_BYTES = 16384 * 1920 * 4  # recent comment embeddings kept (by text digest): 16,384 of 1,920 floats (0.8.0), 120 MiB
# `text` is the comment's field in output and label files too; `comment` is its older name.
SCORE_FIELDS = ("text", "comment", "page", "article", "article_id", "format")
SCORE_COLUMNS = ["id", "text", "article_id", "incitement", "off_topic", "decision", "reasons", "model"]


@dataclass
class _Comment:
    """One comment to score (reader thread: checked; model thread: article resolved)."""

    id: str | int
    text: str
    digest: bytes
    article_key: Hashable | None = None  # cache key of the article embedding; None: no article
    article: str | None = None  # article text given inline
    article_id: str | int | None = None  # article looked up in the articles file


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


def _digest(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8", errors="surrogatepass")).digest()


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

    Memory: for an uncompressed JSON Lines file only the byte offset of each id's line is kept
    (about 100 bytes per article) and the record is read again when its article is first needed,
    so a large articles file is never held in memory. Other formats (.jsonl.gz, .csv, .parquet)
    are read into memory; convert a large one to .jsonl. `page` records are segmented on first
    use and their body is used. The first record with an id counts; later ones are ignored.
    """

    def __init__(self, clf, path: str | os.PathLike):
        self.clf = clf
        self.path = Path(path)
        self.name = self.path.name
        self._offsets: dict[str, int] = {}  # id -> byte offset of its JSONL line (on-disk mode)
        self._records: dict[str, Record] = {}  # id -> record (in-memory mode)
        self._bad: dict[str, str] = {}  # id -> why the record cannot be used
        self._on_disk = input_kind(path) == "jsonl" and not self.name.lower().endswith(".gz")
        duplicates = 0
        for key, record, offset in self._scan():
            if key in self._offsets or key in self._records or key in self._bad:
                duplicates += 1
            elif record.error is not None:
                self._bad[key] = record.error
            elif not (_given(record.fields, "article") or _given(record.fields, "page")):
                self._bad[key] = "missing field 'article' (or 'page')"
            elif self._on_disk:
                self._offsets[key] = offset
            else:
                self._records[key] = record
        if duplicates:
            logger.warning("%s: %d record(s) with an id seen before were ignored (the first one counts)", self.name, duplicates)
        logger.info("%s: %d article(s) indexed", self.name, len(self._offsets) + len(self._records))

    def _scan(self):
        if not self._on_disk:
            for record in iter_records(self.path, columns=["article", "page", "format"]):
                yield str(record.id), record, None
            return
        from modclf.batch.dumps import _jsonl_record

        with open(self.path, "rb") as f:
            offset = 0
            for number, raw in enumerate(f, start=1):
                line_offset, offset = offset, offset + len(raw)
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if raw.strip():
                    record = _jsonl_record(number, raw)
                    yield str(record.id), record, line_offset

    def __contains__(self, article_id) -> bool:
        key = str(article_id)
        return key in self._offsets or key in self._records or key in self._bad

    def _record(self, key: str) -> Record:
        if key in self._records:
            return self._records[key]
        from modclf.batch.dumps import _jsonl_record

        with open(self.path, "rb") as f:
            f.seek(self._offsets[key])
            return _jsonl_record(0, f.readline())

    def get(self, article_id: str | int) -> str | None:
        """The article text for an id (None: a page without body); InputError for an unknown id."""
        key = str(article_id)
        if key in self._bad:
            raise InputError(f"article_id {article_id!r} cannot be used: {self.name}: {self._bad[key]}")
        if key not in self._offsets and key not in self._records:
            raise InputError(f"unknown article_id {article_id!r} (not in {self.name})")
        record = self._record(key)
        source = f"{self.name} id {record.id!r}"
        try:
            if _given(record.fields, "article"):
                text, _ = _field_text(record, "article", source)
            else:
                page, _ = _segment_page(self.clf, record, "auto", source)
                text = page.body
        except InputError as exc:
            self._bad[key] = str(exc)
            self._offsets.pop(key, None)
            self._records.pop(key, None)
            raise InputError(f"article_id {article_id!r} cannot be used: {self.name}: {exc}") from exc
        return text if text.strip() else None


class ArticleEmbeddingCache:
    """A bounded LRU cache of article embeddings, so each distinct article is embedded once per run."""

    def __init__(self, clf, max_size: int = ARTICLE_CACHE_SIZE):
        self.clf = clf
        self.max_size = max_size
        self._cache: OrderedDict = OrderedDict()
        self.embedded = 0  # articles embedded so far (cache misses)

    def __contains__(self, key) -> bool:
        return key in self._cache

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


class _LRU(OrderedDict):
    """A tiny bounded LRU mapping."""

    def __init__(self, max_size: int):
        super().__init__()
        self.max_size = max_size

    def get_fresh(self, key):
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.max_size:
            self.popitem(last=False)


class ScoreJob:
    """Comment and page records -> one scored row per comment, with the policy's decision."""

    unit, what, columns = "records", "score", SCORE_COLUMNS

    def __init__(
        self,
        clf,
        policy: Policy,
        articles: str | os.PathLike | None,
        name: str,
        unit: str,
        batch_tokens: int = BATCH_TOKENS,
        comment_cache_size: int | None = None,
        spans: bool = False,
    ):
        self.clf, self.policy, self.name, self.record_unit = clf, policy, name, unit
        self.spans = spans
        if spans:  # each row also carries its sentences' own incitement scores
            self.columns = SCORE_COLUMNS + ["spans"]
        self.articles = ArticleIndex(clf, articles) if articles is not None else None
        self.article_cache = ArticleEmbeddingCache(clf)
        self.article_state = _LRU(ARTICLE_CACHE_SIZE)  # article_id -> key, None (no body) or error
        if comment_cache_size is None:  # as many as fit the byte budget at this model's embedding width
            comment_cache_size = max(1024, COMMENT_CACHE_BYTES // (4 * clf.model.score_embedding_dim))
        self.comment_cache = _LRU(comment_cache_size)  # text digest -> embedding
        self.batch_tokens = batch_tokens
        self.model_id = clf.model_id
        self.comments_embedded = 0
        self.progress = None  # set by the engine: records of the current window done, per batch

    def schema(self):
        import pyarrow as pa

        fields = [("id", pa.string()), ("text", pa.string()), ("article_id", pa.string()), ("incitement", pa.float64()),
                  ("off_topic", pa.float64()), ("decision", pa.string()),
                  ("reasons", pa.list_(pa.string())), ("model", pa.string())]
        if self.spans:
            span = pa.struct([("begin", pa.int64()), ("end", pa.int64()), ("incitement", pa.float64())])
            fields.append(("spans", pa.list_(span)))
        return pa.schema(fields)

    # reader thread ------------------------------------------------------------------------------

    def items(self, records: Iterator[Record]) -> Iterator[Item]:
        for record in records:
            try:
                yield self._item(record)
            except InputError as exc:
                yield Item(record.number, record.id, reject=str(exc))
            except Exception as exc:  # noqa: BLE001 - one bad record must not end a long run
                yield Item(record.number, record.id, reject=f"unexpected {type(exc).__name__}: {exc}")

    def _item(self, record: Record) -> Item:
        if record.error is not None:
            raise InputError(record.error)
        fields = record.fields
        source = _source(self.name, self.record_unit, record.number, record.id)
        if _given(fields, "text") and _given(fields, "comment"):
            raise InputError("give 'text' or 'comment' (the same field), not both")
        field_name = "comment" if "comment" in fields and not _given(fields, "text") else "text"
        has_comment, has_page = _given(fields, field_name), _given(fields, "page")
        if has_comment and has_page:
            raise InputError(f"give either {field_name!r} or 'page', not both")
        if has_page:
            text, warnings = _page_text(record, source)
            # A page has ~50 comments: count it so that a window of pages stays near its size.
            return Item(record.number, record.id, payload=("page", text, _record_format(record, "auto"), warnings), weight=32)
        if not has_comment:
            if field_name in fields or "page" in fields:
                name = field_name if field_name in fields else "page"
                raise InputError(f"field {name!r} is {'null' if fields[name] is None else 'empty'}")
            raise InputError("missing field 'text' (or 'comment', or 'page')")
        text, warnings = _field_text(record, field_name, source)
        problem = _comment_problem(text)
        if problem is not None:
            raise InputError(problem)
        if _given(fields, "article") and _given(fields, "article_id"):
            raise InputError("give 'article' or 'article_id', not both")
        comment = _Comment(record.id, text, _digest(text))
        if _given(fields, "article"):
            article, article_warnings = _field_text(record, "article", source)
            warnings += article_warnings
            if article.strip():
                comment.article_key, comment.article = _text_key(article), article
        elif _given(fields, "article_id"):
            article_id = fields["article_id"]
            if isinstance(article_id, bool) or not isinstance(article_id, (str, int)):
                raise InputError(f"field 'article_id' must be a string or an integer, got {type(article_id).__name__}")
            if self.articles is None:
                raise InputError(f"article_id {article_id!r} given but no articles file (--articles)")
            if article_id not in self.articles:
                raise InputError(f"unknown article_id {article_id!r} (not in {self.articles.name})")
            comment.article_id = article_id
        return Item(record.number, record.id, payload=("comments", [comment], warnings))

    def finish_window(self, window: Window) -> None:
        """Tokenise the window's distinct comment texts (ahead of the model thread)."""
        texts: dict[bytes, str] = {}
        for item in window.items:
            if item.reject is None and item.payload[0] == "comments":
                for comment in item.payload[1]:
                    # Texts embedded recently need no tokens (a racy look-up is fine: the model
                    # thread tokenises whatever is missing when it gets there).
                    if comment.digest not in self.comment_cache:
                        texts.setdefault(comment.digest, comment.text)
        window.extra = self._tokenize(texts)

    def _tokenize(self, texts: dict[bytes, str]) -> dict[bytes, list[int]]:
        if not texts:
            return {}
        rows = tokenize(self.clf.tokenizer, list(texts.values()), self.clf.config.max_comment_tokens)
        return dict(zip(texts, rows))

    # model thread -------------------------------------------------------------------------------

    def process(self, window: Window) -> WindowResult:
        result = WindowResult()
        groups: list[tuple[Item, list[_Comment]]] = []
        rows = dict(window.extra or {})
        for item in window.items:
            if item.reject is not None:
                result.reject(item.id, item.number, item.reject)
                continue
            try:
                comments, warnings = self._resolve(item, result)
            except InputError as exc:
                result.reject(item.id, item.number, str(exc))
                continue
            except Exception as exc:  # noqa: BLE001
                logger.debug("unexpected error on %s %d", self.name, item.number, exc_info=True)
                result.reject(item.id, item.number, f"unexpected {type(exc).__name__}: {exc}")
                continue
            result.warnings += bool(warnings)
            groups.append((item, comments))
        missing = {c.digest: c.text for _, cs in groups for c in cs
                   if c.digest not in rows and c.digest not in self.comment_cache}
        rows.update(self._tokenize(missing))
        records = len(window.items)
        self._on_batch = (lambda done, total: self.progress(records * done // max(total, 1))) if self.progress else None
        try:
            scored = self._score([c for _, cs in groups for c in cs], rows)
        except Exception:  # noqa: BLE001 - retried record by record below
            logger.debug("scoring a window failed; retrying record by record", exc_info=True)
            scored = None
        for item, comments in groups:
            if scored is not None:
                scores, scored = scored[: len(comments)], scored[len(comments):]
            else:
                try:
                    scores = self._score(comments, rows)
                except Exception as exc:  # noqa: BLE001
                    reason = str(exc) if isinstance(exc, InputError) else f"unexpected {type(exc).__name__}: {exc}"
                    result.reject(item.id, item.number, reason)
                    continue
            for comment, score in zip(comments, scores):
                if score.off_topic is None:
                    result.notes[NO_ARTICLE] += 1
                decision, reasons = self.policy.decide(score)
                row = {"id": comment.id, "text": comment.text}
                if comment.article_id is not None:  # kept as the input gave it
                    row["article_id"] = comment.article_id
                result.rows.append({
                    **row, "incitement": score.incitement, "off_topic": score.off_topic, "decision": decision,
                    "reasons": reasons, "model": self.model_id, **({"spans": score.spans} if self.spans else {}),
                })
        return result

    def _resolve(self, item: Item, result: WindowResult) -> tuple[list[_Comment], list[str]]:
        """The item's comments with their articles resolved (pages segmented here)."""
        kind = item.payload[0]
        if kind == "page":
            _, text, fmt, warnings = item.payload
            page = self.clf.segment(text, fmt=fmt)
            warnings = warnings + page.warnings
            body = page.body
            key = _text_key(body) if body.strip() else None
            comments = []
            for i, comment in enumerate(page.comments):
                comment_id = f"{item.id}#{i}"
                problem = _comment_problem(comment.text)
                if problem is not None:
                    result.reject(comment_id, item.number, problem)
                else:
                    comments.append(_Comment(comment_id, comment.text, _digest(comment.text), key, body if key else None))
            if not page.comments:
                # Not an error (many pages have no comments section); counted in the summary.
                result.notes[NO_COMMENTS] += 1
            return comments, warnings
        _, comments, warnings = item.payload
        for comment in comments:
            if comment.article_id is not None:
                comment.article_key = self._article_key(comment.article_id)
        return comments, warnings

    def _article_key(self, article_id) -> Hashable | None:
        """The embedding cache key of an article by id (None: no body); InputError if unusable."""
        key = str(article_id)
        state = self.article_state.get_fresh(key)
        if state is None:
            try:
                text = self.articles.get(article_id)
            except InputError as exc:
                state = ("error", str(exc))
            else:
                state = ("ok", None) if text is None else ("ok", ("id", key))
                if text is not None and ("id", key) not in self.article_cache:
                    self.article_cache.get_many({("id", key): text})
            self.article_state.put(key, state)
        if state[0] == "error":
            raise InputError(state[1])
        return state[1]

    def _score(self, comments: list[_Comment], rows: dict[bytes, list[int]]):
        """Scores for comments: distinct texts embedded once (length-sorted), heads over the lot."""
        if not comments:
            return []
        model = self.clf.model
        inline = {}
        for c in comments:
            if c.article is not None and c.article_key not in inline:
                inline[c.article_key] = c.article
        articles = self.article_cache.get_many(inline) if inline else {}
        by_id = {c.article_key for c in comments if c.article_key is not None and c.article_key not in articles}
        if by_id:
            # Evicted from the cache since resolved (a huge window of many articles): embed again.
            articles.update(self.article_cache.get_many({k: self.articles.get(k[1]) for k in by_id}))
        embeddings: dict[bytes, torch.Tensor] = {}
        todo = []
        for c in comments:
            if c.digest in embeddings:
                continue
            cached = self.comment_cache.get_fresh(c.digest)
            if cached is not None:
                embeddings[c.digest] = cached
            else:
                embeddings[c.digest] = None
                todo.append(c.digest)
        # Sentences (for --spans) are embedded in the same length-sorted batches as the comments.
        offsets = [sentence_spans(c.text) for c in comments] if self.spans else []
        pieces = [c.text[b:e] for c, spans_of in zip(comments, offsets) for b, e in spans_of]
        piece_rows = tokenize(self.clf.tokenizer, pieces, model.config.max_comment_tokens) if pieces else []
        if todo or piece_rows:
            with torch.inference_mode():
                fresh = embed_token_rows(
                    model, [rows[d] for d in todo] + piece_rows, self.clf.tokenizer.pad_token_id, self.batch_tokens,
                    self.clf.precision, embed_fn=model.score_embed, on_batch=getattr(self, "_on_batch", None),
                )
            for d, row in zip(todo, fresh):
                row = row.clone()
                embeddings[d] = row
                self.comment_cache.put(d, row)
            self.comments_embedded += len(todo)
        matrix = torch.stack([embeddings[c.digest] for c in comments])
        scores = scores_from_embeddings(
            model, matrix, [None if c.article_key is None else articles[c.article_key] for c in comments]
        )
        if self.spans:
            piece_scores = iter(scores_from_embeddings(model, fresh[len(todo):], [None] * len(pieces)) if pieces else [])
            for score, spans_of in zip(scores, offsets):
                score.spans = [{"begin": b, "end": e, "incitement": next(piece_scores).incitement} for b, e in spans_of]
        return scores


class _WorkerPool:
    """Worker processes, each with its own model and ScoreJob, fed whole windows."""

    def __init__(self, spec: dict, workers: int):
        self.spec, self.workers = spec, workers

    def __enter__(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.executor = ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker, initargs=(self.spec,)
        )
        return self

    def submit(self, window: Window):
        return self.executor.submit(_process_in_worker, window)

    def __exit__(self, *exc) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


_WORKER_JOB: ScoreJob | None = None


def _init_worker(spec: dict) -> None:
    global _WORKER_JOB
    from modclf.api import ModClf

    torch.set_num_threads(spec["threads"])
    clf = ModClf.from_pretrained(spec["model"], precision=spec["precision"])
    _WORKER_JOB = ScoreJob(clf, spec["policy"], spec["articles"], spec["name"], spec["unit"], spec["batch_tokens"],
                           spans=spec["spans"])


def _process_in_worker(window: Window) -> WindowResult:
    result = _WORKER_JOB.process(window)
    engine.release_freed_memory()
    return result


def score_file(
    clf,
    input_path: str | os.PathLike,
    output: str | os.PathLike | IO[str],
    rejects: str | os.PathLike | None = None,
    articles: str | os.PathLike | None = None,
    policy: Policy | None = None,
    chunk_comments: int | None = None,
    options: RunOptions | None = None,
    batch_tokens: int = BATCH_TOKENS,
    spans: bool = False,
) -> Summary:
    """Score every comment of a dump (or of the pages in it) and apply the moderation policy.

    Records carry either `page` (segmented; each comment is scored against the page's body and
    gets the id "<page id>#<comment index>") or `comment` with an optional `article` text or
    `article_id` (looked up in `articles`). A comment without an article gets off_topic null.
    Records stream through in windows (`options.window` comments), so memory stays bounded;
    output is in input order, and every record is either scored or in the rejects.

    Args:
        clf: a ModClf.
        input_path: a dump (.jsonl, .jsonl.gz, .csv, .parquet), a page file or a folder of pages.
        output: a .jsonl / .jsonl.gz / .csv / .parquet path or an open text stream; one record per
            comment: {"id", "text", "incitement", "off_topic", "decision", "reasons", "model"}.
        rejects: where rejected records go as JSON Lines {id, number, reason}; None: only logged.
        articles: a dump of records with `id` and `article` (text) or `page` (its body is used).
        policy: the moderation policy (default: the model folder's policy.yaml, else configs/policy.yaml).
        chunk_comments: the window size (overrides options.window; kept for older callers).
        options: engine options: window, resume, workers, progress (see modclf.batch.engine.RunOptions).
        batch_tokens: padded tokens per forward batch.
        spans: also score each sentence of every comment: `spans` [{begin, end, incitement}] in
            character offsets, so a moderator sees which sentence drove the score.

    Returns:
        Summary: records read, comments written, records (or page comments) rejected, reasons.

    Example:
        >>> score_file(ModClf.from_pretrained(), "comments.jsonl", "scored.jsonl", "rejects.jsonl",
        ...            articles="articles.jsonl")
        Summary(read=1000, written=998, rejected=2, ...)
    """
    policy = policy if policy is not None else Policy.load(model_dir=clf.path)
    options = options or RunOptions(window=SCORE_WINDOW_COMMENTS)
    if chunk_comments is not None:
        options.window = chunk_comments
    kind = input_kind(input_path)
    name, unit = Path(input_path).name, NUMBER_UNITS[kind]
    records, first = _open_records(input_path, (), SCORE_FIELDS)
    # Fail on an unusable input before loading articles or creating any output.
    if first is not None and first.error is None and kind in ("csv", "parquet"):
        if not {"text", "comment", "page"} & set(first.fields):
            raise InputError(f"{input_path}: no column 'text' (or 'comment') or 'page' (columns: {', '.join(first.fields)[:300]})")
    job = ScoreJob(clf, policy, articles, name, unit, batch_tokens, spans=spans)
    worker_factory = None
    if options.workers > 1:
        if clf.path is None:
            raise InputError("workers > 1 needs a model loaded from a folder (ModClf.from_pretrained)")
        threads = options.threads or max(1, engine.physical_cores() // options.workers)
        spec = {"model": str(clf.path), "precision": clf.precision, "policy": policy, "threads": threads,
                "articles": None if articles is None else str(articles), "name": name, "unit": unit,
                "batch_tokens": batch_tokens, "spans": spans}

        def worker_factory():
            return _WorkerPool(spec, options.workers)

    state, seconds, processed, session_written = engine.run(
        job, records, Path(input_path), output, rejects, options, _total(input_path, kind),
        where=lambda r: _source(name, unit, r["number"], r["id"]), worker_factory=worker_factory,
    )
    logger.debug("score: %d distinct article(s), %d distinct comment(s) embedded",
                 job.article_cache.embedded, job.comments_embedded)
    return _summary(state, seconds, processed, session_written)
