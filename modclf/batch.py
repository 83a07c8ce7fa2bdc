"""Batch runs over files: read records, run the model on each, write results, report rejects.

The CLI is a thin layer over these functions; a Python user can call them the same way.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from modclf.dumps import NUMBER_UNITS, JsonlWriter, Record, RejectWriter, input_kind, iter_records, text_bytes
from modclf.errors import InputError
from modclf.pages import FORMATS, decode_bytes

logger = logging.getLogger(__name__)


@dataclass
class Summary:
    """What a batch run did."""

    read: int = 0
    written: int = 0
    rejected: int = 0
    warnings: int = 0  # records written with a warning (invalid UTF-8 replaced, ...)
    seconds: float = 0.0

    def line(self, what: str = "pages") -> str:
        text = f"{self.read} {what} read, {self.written} written, {self.rejected} rejected"
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
    text, warnings = _page_text(record, source or f"record {record.id!r}")
    if fmt == "auto" and record.fields.get("format") in FORMATS:
        fmt = record.fields["format"]
    page = clf.segment(text, fmt=fmt)
    return {"id": record.id, **page.as_dict()}, warnings + page.warnings


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
