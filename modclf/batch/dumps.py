"""Streaming record readers and writers for batch runs: page files, folders of pages and dumps.

Every reader yields `Record`s one at a time and never holds more than one record (Parquet: one
small batch of rows) in memory, so a dump of any size runs in bounded memory. A malformed record
comes out with `error` set instead of raising, so that a batch can report it and go on; only
problems with the input as a whole (missing file, unknown extension, unreadable Parquet footer,
a missing required column) raise `InputError`.

Records carry arbitrary fields: `modclf segment` uses `page`, scoring uses `comment`, `article`
and `article_id`. Text fields are returned as read; invalid UTF-8 in JSONL and CSV input is kept
as surrogate escapes (see `text_bytes`) so that the consumer decides how to decode and report it.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from modclf.errors import InputError

logger = logging.getLogger(__name__)

PAGE_SUFFIXES = (".txt", ".html", ".htm")
DUMP_SUFFIXES = (".jsonl", ".jsonl.gz", ".csv", ".parquet")
OUTPUT_SUFFIXES = (".jsonl", ".jsonl.gz", ".csv", ".parquet")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
ID_FIELD = "id"
# What a Record.number counts, per input kind (for messages: "dump.jsonl line 7").
NUMBER_UNITS = {"page": "file", "folder": "file", "jsonl": "line", "csv": "row", "parquet": "row"}
# Rows per Parquet batch: pages can be a megabyte each, so keep batches small.
PARQUET_BATCH_ROWS = 64
# csv's default field limit is 128 KiB; scraped pages are often larger.
CSV_FIELD_LIMIT = 1 << 30


@dataclass
class Record:
    """One input record.

    Attributes:
        number: 1-based position in the input: the line of a JSONL file, the data row of a CSV
            (header not counted) or Parquet file, the file of a folder (in sorted order).
        id: the record's `id` field (str or int); the number when the id is missing or unreadable.
        fields: the record's fields, `id` included, as read.
        error: why the record cannot be used, or None.
    """

    number: int
    id: str | int
    fields: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


PARQUET_INSTALL = "pip install 'modclf[parquet]'"


def require_pyarrow(path: str | os.PathLike) -> None:
    """InputError, saying what to install, when Parquet is asked for and pyarrow (an extra) is missing."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:
        raise InputError(f"{path}: Parquet files need pyarrow, which is not installed; install it with: {PARQUET_INSTALL}") from exc


def input_kind(path: str | os.PathLike) -> str:
    """'page', 'folder', 'jsonl', 'csv' or 'parquet' for an input path; InputError if unusable."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"input {path} does not exist")
    if path.is_dir():
        return "folder"
    name = path.name.lower()
    if name.endswith(PAGE_SUFFIXES):
        return "page"
    if name.endswith((".jsonl", ".jsonl.gz")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".parquet"):
        require_pyarrow(path)
        return "parquet"
    raise InputError(
        f"input {path}: unknown file type; expected a page ({', '.join(PAGE_SUFFIXES)}), "
        f"a dump ({', '.join(DUMP_SUFFIXES)}) or a folder of pages"
    )


def iter_records(
    path: str | os.PathLike, required: Sequence[str] = (), columns: Sequence[str] | None = None
) -> Iterator[Record]:
    """Stream the records of a page file, a folder of pages or a dump.

    Args:
        path: a page (.txt/.html/.htm: one record, id = file name), a folder of pages (one record
            per page file, id = path relative to the folder) or a dump (.jsonl, .jsonl.gz, .csv,
            .parquet) of records with an `id`. Page files give records with the raw bytes in
            `page` (and `format`="html" for .html/.htm).
        required: fields every record must have with a non-null value; a record without one is
            an error record. A CSV or Parquet file whose header lacks one raises InputError.
        columns: Parquet only: the columns to read besides `id` and `required` (None: all).

    Raises:
        InputError: missing input, unknown file type, unreadable file or missing column.

    Example:
        >>> for record in iter_records("dump.jsonl", required=["page"]):
        ...     print(record.number, record.id, record.error or len(record.fields["page"]))
    """
    kind = input_kind(path)
    path = Path(path)
    if kind == "page":
        records: Iterator[Record] = iter([_page_file_record(path, path.name, 1)])
    elif kind == "folder":
        records = _iter_folder(path)
    elif kind == "jsonl":
        records = _iter_jsonl(path)
    elif kind == "csv":
        records = _iter_csv(path, required)
    else:
        records = _iter_parquet(path, required, columns)
    for record in records:
        yield _check_required(record, required)


def _check_required(record: Record, required: Sequence[str]) -> Record:
    if record.error is not None:
        return record
    for name in required:
        if name not in record.fields:
            record.error = f"missing field {name!r}"
        elif record.fields[name] is None:
            record.error = f"field {name!r} is null"
        else:
            continue
        break
    return record


def _record(number: int, fields: dict[str, Any]) -> Record:
    """A record from its fields, with its id checked (missing or non-scalar ids are errors)."""
    if ID_FIELD not in fields or fields[ID_FIELD] is None or fields[ID_FIELD] == "":
        return Record(number, number, fields, f"missing field {ID_FIELD!r}")
    record_id = fields[ID_FIELD]
    if isinstance(record_id, bool) or not isinstance(record_id, (str, int)):
        return Record(number, number, fields, f"{ID_FIELD!r} must be a string or an integer, got {record_id!r}"[:300])
    return Record(number, record_id, fields)


# --- pages -----------------------------------------------------------------------------------------


def _page_file_record(path: Path, record_id: str, number: int) -> Record:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Record(number, record_id, {ID_FIELD: record_id}, f"cannot read {path}: {exc.strerror or exc}")
    fields: dict[str, Any] = {ID_FIELD: record_id, "page": data}
    if path.suffix.lower() in (".html", ".htm"):
        fields["format"] = "html"
    return Record(number, record_id, fields)


def _iter_folder(folder: Path) -> Iterator[Record]:
    """Page files under a folder (recursively, hidden ones skipped) in sorted order."""
    paths = []
    skipped = 0
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.name.lower().endswith(PAGE_SUFFIXES):
            paths.append(relative.as_posix())
        else:
            skipped += 1
    if skipped:
        logger.info("%s: skipped %d file(s) that are not %s pages", folder, skipped, "/".join(PAGE_SUFFIXES))
    for number, relative in enumerate(sorted(paths), start=1):
        yield _page_file_record(folder / relative, relative, number)


# --- JSON Lines ------------------------------------------------------------------------------------


def _iter_jsonl(path: Path) -> Iterator[Record]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as stream:
            for number, raw in enumerate(stream, start=1):
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if not raw.strip():
                    continue  # blank lines (a trailing one, say) are not records
                yield _jsonl_record(number, raw)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        # A truncated or corrupt .gz ends the file; what was read before still counts.
        raise InputError(f"{path}: cannot read past the records read so far ({exc})") from exc


def _jsonl_record(number: int, raw: bytes) -> Record:
    # surrogateescape keeps invalid UTF-8 bytes recoverable; the consumer decodes and reports them.
    text = raw.decode("utf-8", errors="surrogateescape")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return Record(number, number, {}, f"invalid JSON: {exc.msg} at column {exc.colno}")
    except RecursionError:
        return Record(number, number, {}, "invalid JSON: nested too deeply")
    if not isinstance(value, dict):
        return Record(number, number, {}, f"expected a JSON object, got {type(value).__name__}")
    return _record(number, value)


# --- CSV -------------------------------------------------------------------------------------------


def _iter_csv(path: Path, required: Sequence[str]) -> Iterator[Record]:
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    with open(path, newline="", encoding="utf-8-sig", errors="surrogateescape") as stream:
        reader = csv.reader(stream)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"{path}: cannot read the CSV header ({exc})") from exc
        missing = [name for name in (ID_FIELD, *required) if name not in header]
        if missing:
            raise InputError(
                f"{path}: no column(s) {', '.join(map(repr, missing))} in the header "
                f"(columns: {', '.join(header)[:300]})"
            )
        number = 0
        while True:
            last_line = reader.line_num
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield Record(number, number, {}, f"malformed CSV row ending at line {reader.line_num}: {exc}")
                if reader.line_num == last_line:
                    return  # no progress: nothing more can be read
                continue
            if not row:
                continue  # blank line
            number += 1
            if len(row) != len(header):
                fields = dict(zip(header, row, strict=False))
                record = _record(number, fields)
                record.error = (
                    f"row has {len(row)} field(s), the header has {len(header)} "
                    f"(CSV line {last_line + 1})"
                )
                yield record
                continue
            yield _record(number, dict(zip(header, row, strict=True)))


# --- Parquet ---------------------------------------------------------------------------------------


def _iter_parquet(path: Path, required: Sequence[str], columns: Sequence[str] | None) -> Iterator[Record]:
    require_pyarrow(path)
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from exc
    names = parquet.schema_arrow.names
    missing = [name for name in (ID_FIELD, *required) if name not in names]
    if missing:
        raise InputError(
            f"{path}: no column(s) {', '.join(map(repr, missing))} (columns: {', '.join(names)[:300]})"
        )
    wanted = None
    if columns is not None:
        wanted = list(dict.fromkeys([ID_FIELD, *required, *(c for c in columns if c in names)]))
    number = 0
    try:
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=wanted):
            for row in batch.to_pylist():
                number += 1
                yield _record(number, row)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: cannot read past row {number} ({exc})") from exc


# --- text helpers ----------------------------------------------------------------------------------


def text_bytes(value: str | bytes) -> bytes:
    """The bytes behind a field value as read: invalid UTF-8 kept by surrogateescape comes back as is.

    Lone surrogates from JSON escapes ("\\ud800") are encoded as such, so decoding reports them.
    """
    if isinstance(value, bytes):
        return value
    try:
        return value.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", errors="surrogatepass")


# --- writers ---------------------------------------------------------------------------------------


def _json_line(record: dict) -> str:
    # Strings read with surrogateescape may still hold lone surrogates (an id, say), which UTF-8
    # cannot encode. Inside a JSON string, backslashreplace writes them as "\udcxx" escapes, which
    # is exactly how JSON spells them, so the line stays valid JSON.
    line = json.dumps(record, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = line.encode("utf-8", errors="backslashreplace").decode("utf-8")
    return line + "\n"


class JsonlWriter:
    """Write dicts as JSON Lines to a path (.jsonl, or gzip for .jsonl.gz) or an open text stream.

    A stream passed in (sys.stdout, say) is flushed but not closed. Use as a context manager.
    """

    def __init__(self, target: str | os.PathLike | IO[str], append: bool = False):
        self.path: Path | None = None
        self.count = 0
        if isinstance(target, (str, os.PathLike)):
            self.path = Path(target)
            mode = "at" if append else "wt"
            if self.path.name.lower().endswith(".gz"):
                self.stream: IO[str] = gzip.open(self.path, mode, encoding="utf-8")
            else:
                self.stream = open(self.path, mode, encoding="utf-8")
            self._owned = True
        else:
            self.stream = target
            self._owned = False

    def write(self, record: dict) -> None:
        self.stream.write(_json_line(record))
        self.count += 1

    def close(self) -> None:
        if self._owned:
            self.stream.close()
        else:
            self.stream.flush()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class RejectWriter(JsonlWriter):
    """Rejected records as JSON Lines {id, number, reason}, flushed one by one so none is lost."""

    def reject(self, record_id: str | int, number: int, reason: str) -> None:
        self.write({"id": record_id, "number": number, "reason": reason})
        self.stream.flush()


def check_output_path(
    path: str | os.PathLike, input_path: str | os.PathLike | None = None, suffixes: tuple[str, ...] = OUTPUT_SUFFIXES
) -> Path:
    """An output path with one of `suffixes` (JSON Lines, CSV, Parquet), not the input itself; InputError otherwise."""
    path = Path(path)
    if not path.name.lower().endswith(suffixes):
        raise InputError(f"output {path}: unknown file type; expected {', '.join(suffixes)}")
    if path.name.lower().endswith(".parquet"):
        require_pyarrow(f"output {path}")
    if path.is_dir():
        raise InputError(f"output {path} is a folder; give a file name ending in .jsonl")
    if not path.parent.exists():
        raise InputError(f"output folder {path.parent} does not exist")
    if input_path is not None and Path(input_path).exists() and path.exists():
        if path.resolve() == Path(input_path).resolve():
            raise InputError(f"output {path} is the input file; choose another output name")
    return path


def sidecar_path(output: str | os.PathLike, suffix: str) -> Path:
    """A file next to the output, named after it without its extension (out.jsonl -> out<suffix>)."""
    output = Path(output)
    name = output.name
    for known in OUTPUT_SUFFIXES[::-1]:
        if name.lower().endswith(known):
            name = name[: -len(known)]
            break
    return output.with_name(name + suffix)


def default_rejects_path(output: str | os.PathLike) -> Path:
    """<output>.rejects.jsonl next to the output (out.jsonl -> out.rejects.jsonl)."""
    return sidecar_path(output, ".rejects.jsonl")


def stdout_text() -> IO[str]:
    """sys.stdout, as UTF-8 where it is a real console or pipe."""
    stream = sys.stdout
    if isinstance(stream, io.TextIOWrapper) and (stream.encoding or "").lower().replace("-", "") != "utf8":
        stream.reconfigure(encoding="utf-8")
    return stream
