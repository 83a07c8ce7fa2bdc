"""User label files for retraining: JSONL, CSV or Parquet with a comment and its labels.

Columns (see docs/label_files.md):

* ``text`` (required): the comment.
* ``article`` (optional): the article it was posted under; needed for an ``off_topic`` label.
* ``incitement``, ``off_topic`` (at least one column): 0, 1 or a probability in [0, 1]; true/false
  where the format has booleans. A missing column or an empty cell means unknown, not negative.
* ``group`` (optional): rows of one group (thread, article) are never split between train and
  dev/test. Default: the article, else the row itself.
* ``id`` (optional): kept in ``meta`` for tracing an example back to its row.

Any other column is an error, so a misspelt label (``incitment``) cannot silently become "unknown".

Example:
    >>> examples = load_label_files(["labels.csv", "more.jsonl"])  # doctest: +SKIP
    >>> examples[0].source, examples[0].split
    ('user:labels.csv', 'train')
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import math
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from modclf.errors import LabelFileError
from modclf.training.sources.comments import ScoringExample

LABEL_COLUMNS = ("incitement", "off_topic")
COLUMNS = ("text", "article", *LABEL_COLUMNS, "group", "id")
SUFFIXES = (".jsonl", ".jsonl.gz", ".csv", ".parquet")
EXPECTED_LABEL = "expected 0, 1 or a probability in [0, 1]"


def load_label_files(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> list[ScoringExample]:
    """Read user label files into training examples (source "user:<file name>", split "train").

    Args:
        paths: one path or several; each a .jsonl, .jsonl.gz, .csv or .parquet file.

    Returns:
        One ScoringExample per row, in file and row order; unknown labels are None.

    Raises:
        LabelFileError: a missing or unreadable file, a missing `text` column, no label column, an
            unknown column, or a bad value; the message names the file, the row (CSV/Parquet: data
            row, 1-based, header not counted; JSONL: line) and the column.

    Example:
        >>> load_label_files("labels.csv")[0]  # doctest: +SKIP
        ScoringExample(text='Burn it down tonight', article=None, incitement=1.0, off_topic=None, ...)
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    examples: list[ScoringExample] = []
    for path in paths:
        examples.extend(_load_file(Path(path)))
    return examples


def _load_file(path: Path) -> list[ScoringExample]:
    name = path.name.lower()
    if not name.endswith(SUFFIXES):
        raise LabelFileError(f"{path}: unknown file type; expected {', '.join(SUFFIXES)}")
    if not path.is_file():
        raise LabelFileError(f"{path}: file not found")
    if name.endswith(".csv"):
        unit, rows = "row", _csv_rows(path)
    elif name.endswith(".parquet"):
        unit, rows = "row", _parquet_rows(path)
    else:
        unit, rows = "line", _jsonl_rows(path)
    examples = []
    seen_label_column = False
    for number, row in rows:
        where = f"{path} {unit} {number}"
        unknown = [column for column in row if column not in COLUMNS]
        if unknown:
            raise LabelFileError(f"{where}: unknown column(s) {', '.join(map(repr, unknown))}; {_allowed()}")
        seen_label_column = seen_label_column or any(column in row for column in LABEL_COLUMNS)
        examples.append(_example(path, where, number, row))
    if not examples:
        raise LabelFileError(f"{path}: no rows; expected a header and one row per labelled comment")
    if not seen_label_column:
        raise LabelFileError(f"{path}: no label column; give at least one of {', '.join(LABEL_COLUMNS)}")
    return examples


def _allowed() -> str:
    return f"allowed columns: {', '.join(COLUMNS)} (text and at least one of {', '.join(LABEL_COLUMNS)} required)"


def _check_header(path: Path, columns: list[str]) -> None:
    if "text" not in columns:
        raise LabelFileError(f"{path}: no column 'text' (columns: {', '.join(columns)}); {_allowed()}")
    unknown = [column for column in columns if column not in COLUMNS]
    if unknown:
        raise LabelFileError(f"{path}: unknown column(s) {', '.join(map(repr, unknown))}; {_allowed()}")
    if not any(column in columns for column in LABEL_COLUMNS):
        raise LabelFileError(f"{path}: no label column; give at least one of {', '.join(LABEL_COLUMNS)}")


# --- readers: (number, {column: value}) per row ----------------------------------------------------


def _csv_rows(path: Path) -> Iterator[tuple[int, dict]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream)
            header = next(reader, None)
            if header is None:
                raise LabelFileError(f"{path}: empty file; expected a header row ({_allowed()})")
            header = [column.strip() for column in header]
            _check_header(path, header)
            number = 0
            for row in reader:
                if not row:
                    continue  # blank line
                number += 1
                if len(row) != len(header):
                    raise LabelFileError(
                        f"{path} row {number}: {len(row)} field(s), the header has {len(header)}; "
                        "quote cells that contain commas"
                    )
                yield number, dict(zip(header, row))
    except UnicodeDecodeError as exc:
        raise LabelFileError(f"{path}: not valid UTF-8 (byte offset {exc.start}); save the file as UTF-8") from exc
    except csv.Error as exc:
        raise LabelFileError(f"{path}: malformed CSV ({exc})") from exc


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict]]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig") as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise LabelFileError(f"{path} line {number}: invalid JSON ({exc.msg} at column {exc.colno})") from exc
                if not isinstance(value, dict):
                    raise LabelFileError(f"{path} line {number}: expected a JSON object, got {type(value).__name__}")
                if "text" not in value:
                    raise LabelFileError(f"{path} line {number}, column text: missing; every row needs the comment text")
                yield number, value
    except UnicodeDecodeError as exc:
        raise LabelFileError(f"{path}: not valid UTF-8 (byte offset {exc.start}); save the file as UTF-8") from exc
    except (OSError, EOFError) as exc:
        raise LabelFileError(f"{path}: cannot read ({exc})") from exc


def _parquet_rows(path: Path) -> Iterator[tuple[int, dict]]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise LabelFileError(f"{path}: Parquet files need pyarrow, which is not installed; "
                             "install it with: pip install 'modclf[parquet]'") from exc

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise LabelFileError(f"{path}: not a readable Parquet file ({exc})") from exc
    _check_header(path, parquet.schema_arrow.names)
    number = 0
    try:
        for batch in parquet.iter_batches(batch_size=1024):
            for row in batch.to_pylist():
                number += 1
                yield number, row
    except (pa.ArrowException, OSError) as exc:
        raise LabelFileError(f"{path}: cannot read past row {number} ({exc})") from exc


# --- values ----------------------------------------------------------------------------------------


def _empty(value) -> bool:
    """Missing cell: null, "" (CSV), or NaN (pandas writes missing floats as NaN)."""
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and math.isnan(value))
    )


def _label(value, where: str, column: str) -> float | None:
    if _empty(value):
        return None
    if isinstance(value, bool):
        return float(value)
    number = None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
        if number is not None and math.isnan(number):
            return None
    if number is None or not 0.0 <= number <= 1.0:
        raise LabelFileError(f"{where}, column {column}: {EXPECTED_LABEL}, got {value!r}")
    return number


def _text(value, where: str, column: str, required: bool) -> str | None:
    if _empty(value):
        if required:
            raise LabelFileError(f"{where}, column {column}: empty; every row needs the comment text")
        return None
    if not isinstance(value, str):
        raise LabelFileError(f"{where}, column {column}: expected text, got {value!r}")
    return value


def _example(path: Path, where: str, number: int, row: dict) -> ScoringExample:
    text = _text(row.get("text"), where, "text", required=True)
    article = _text(row.get("article"), where, "article", required=False)
    labels = {column: _label(row.get(column), where, column) for column in LABEL_COLUMNS}
    if labels["off_topic"] is not None and article is None:
        raise LabelFileError(
            f"{where}, column off_topic: an off-topic label needs the article the comment was posted "
            "under; fill the article column or leave off_topic empty"
        )
    group = row.get("group")
    if _empty(group):
        if article is not None:
            group = "article:" + hashlib.sha1(article.encode("utf-8")).hexdigest()[:16]
        else:
            group = f"row:{path.name}:{number}"
    elif isinstance(group, (str, int)) and not isinstance(group, bool):
        group = f"group:{group}"
    else:
        raise LabelFileError(f"{where}, column group: expected text or an integer, got {group!r}")
    meta = {"file": str(path), "row": number}
    if not _empty(row.get("id")):
        meta["id"] = row["id"]
    return ScoringExample(
        text=text,
        article=article,
        incitement=labels["incitement"],
        off_topic=labels["off_topic"],
        source=f"user:{path.name}",
        group=f"user:{group}",
        split="train",
        meta=meta,
    )
