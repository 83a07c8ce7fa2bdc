"""The batch engine: windowed, streaming, resumable runs of a job over a dump.

A run reads records into bounded *windows* (a few thousand comments, or a few pages), processes
one window at a time and writes its results in input order. A background thread reads, checks and
tokenises the next window while the model works on the current one. After each window the output
and the rejects file are flushed and a small sidecar, ``out.progress.json`` (for ``out.jsonl``), records how many
input records are done and the byte offsets of both files; it is replaced atomically, so a run
killed at any moment can be resumed (``resume=True``): both files are truncated back to the
recorded offsets and the records already done are skipped. Nothing is lost or written twice.

Outputs by extension: ``.jsonl``, ``.jsonl.gz`` (one gzip member per window, so that truncating
at a window boundary leaves a valid file), ``.csv`` (nested values as JSON text) and
``.parquet`` (one row group per window). A Parquet file is only readable once closed, so a Parquet
run cannot be resumed: the engine refuses with a message (write ``.jsonl`` and convert instead).

The job (see modclf.batch.jobs) decides what a record becomes: ``prepare`` runs in the reader thread
(validation, decoding, tokenising; no model), ``process`` in the model thread (or in a worker
process with ``workers > 1``, each worker with its own model, windows handed out in turn and
written back in input order).
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import logging
import os
import queue
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from modclf.batch.dumps import _json_line
from modclf.errors import InputError

logger = logging.getLogger(__name__)

PROGRESS_SUFFIX = ".progress.json"
PROGRESS_VERSION = 1
LOG_EVERY_SECONDS = 10.0  # progress log lines when stderr is not a terminal
PREFETCH_WINDOWS = 2  # windows read ahead by the reader thread (bounds memory)


def physical_cores() -> int:
    """Physical CPU cores this process may run on (hyper-threads do not speed up matmuls)."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))
    cores = set()
    for cpu in cpus:
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            cores.add(((topology / "physical_package_id").read_text(), (topology / "core_id").read_text()))
        except OSError:
            return max(1, len(cpus))
    return max(1, len(cores))


# --- windows and results ---------------------------------------------------------------------------


@dataclass
class Item:
    """One input record as the reader thread prepared it: a reason to reject it, or a payload."""

    number: int
    id: str | int
    reject: str | None = None
    payload: Any = None
    weight: int = 1  # how much of a window it fills (comments for scoring, pages for segmenting)


@dataclass
class Window:
    """Consecutive input records; `extra` is the job's per-window data (token rows, say)."""

    index: int
    items: list[Item] = field(default_factory=list)
    extra: Any = None

    @property
    def weight(self) -> int:
        return sum(item.weight for item in self.items)


@dataclass
class WindowResult:
    """What one window produced, in input order."""

    rows: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)  # {"id", "number", "reason"}
    warnings: int = 0
    notes: Counter = field(default_factory=Counter)  # things worth a line in the summary, e.g. comments without an article

    def reject(self, record_id, number: int, reason: str) -> None:
        self.rejects.append({"id": record_id, "number": number, "reason": reason})


def reason_kind(reason: str) -> str:
    """A reject reason without its particulars, for counting: "unknown article_id 'x' (...)" -> "unknown article_id"."""
    kind = reason.split(": ")[0]
    kind = re.sub(r"\s*\(.*\)$", "", kind)
    kind = re.sub(r"article_id \S+", "article_id", kind)
    kind = re.sub(r"\d[\d,.]*", "N", kind)
    return kind.strip() or "unknown"


# --- outputs ---------------------------------------------------------------------------------------

OUTPUT_FORMATS = {".jsonl": "jsonl", ".jsonl.gz": "jsonl.gz", ".csv": "csv", ".parquet": "parquet"}


def output_format(path: str | os.PathLike) -> str | None:
    name = Path(path).name.lower()
    for suffix in sorted(OUTPUT_FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return OUTPUT_FORMATS[suffix]
    return None


class WindowWriter:
    """Writes a window of rows at a time to a path or a text stream; `offset` is a safe resume point.

    `columns` (CSV, Parquet) name the fields written; nested values are JSON text in CSV, and ids
    are written as text in CSV and Parquet (a column has one type). `schema` is the Parquet schema.
    """

    def __init__(self, target: str | os.PathLike | IO[str], columns: list[str], schema=None, offset: int | None = None):
        self.columns = columns
        self.schema = schema
        self.count = 0
        self._parquet = None
        if not isinstance(target, (str, os.PathLike)):
            self.path, self.format, self._stream, self._raw = None, "stream", target, None
            return
        self.path = Path(target)
        self.format = output_format(self.path) or "jsonl"
        if self.format == "parquet":
            if offset:
                raise InputError(
                    f"{self.path}: a Parquet output cannot be resumed (the file is only readable once "
                    "complete); rerun without --resume, or write .jsonl and convert"
                )
            import pyarrow.parquet as pq

            self._parquet = pq.ParquetWriter(str(self.path), schema)
            self._raw = None
            return
        if offset:
            with open(self.path, "r+b") as f:
                f.truncate(offset)
            self._raw = open(self.path, "ab")
        else:
            self._raw = open(self.path, "wb")
            if self.format == "csv":
                self._write_bytes(self._csv_bytes([dict(zip(columns, columns))], header=True))

    def _write_bytes(self, data: bytes) -> None:
        self._raw.write(data)

    def _csv_bytes(self, rows: list[dict], header: bool = False) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow([_csv_cell(row.get(c), header) for c in self.columns])
        return buffer.getvalue().encode("utf-8", errors="backslashreplace")

    def write_window(self, rows: list[dict]) -> None:
        """Write rows and make them durable (flush + fsync) before the offset is recorded."""
        self.count += len(rows)
        if self.format == "stream":
            self._stream.write("".join(_json_line(r) for r in rows))
            self._stream.flush()
            return
        if self.format == "parquet":
            if rows:
                import pyarrow as pa

                table = pa.Table.from_pylist([_parquet_row(r, self.columns) for r in rows], schema=self.schema)
                self._parquet.write_table(table)
            return
        if not rows:
            return
        if self.format == "csv":
            data = self._csv_bytes(rows)
        else:
            data = "".join(_json_line(r) for r in rows).encode("utf-8")
            if self.format == "jsonl.gz":
                data = gzip.compress(data, compresslevel=6, mtime=0)
        self._write_bytes(data)
        self._raw.flush()
        os.fsync(self._raw.fileno())

    @property
    def offset(self) -> int | None:
        """Bytes written so far (None for streams and Parquet)."""
        return self._raw.tell() if self._raw is not None else None

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        elif self._raw is not None:
            self._raw.close()
        elif self.format == "stream":
            self._stream.flush()


def _csv_cell(value, header: bool):
    if header or isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _parquet_row(row: dict, columns: list[str]) -> dict:
    out = {c: row.get(c) for c in columns}
    for name in ("id", "article_id"):
        if out.get(name) is not None:
            out[name] = str(out[name])
    return out


# --- the progress sidecar --------------------------------------------------------------------------


def progress_path(output: str | os.PathLike) -> Path:
    """out.jsonl -> out.progress.json, named like its rejects file (out.rejects.jsonl)."""
    from modclf.batch.dumps import sidecar_path

    return sidecar_path(output, PROGRESS_SUFFIX)


def _legacy_progress_path(output: str | os.PathLike) -> Path:
    """out.jsonl.progress.json: the sidecar's name before 0.4.0, still found by --resume."""
    return Path(str(output) + PROGRESS_SUFFIX)


@dataclass
class RunState:
    """Counts of a run so far (over all its resumed parts) and where its outputs end."""

    records: int = 0  # input records fully done
    written: int = 0
    rejected: int = 0
    warnings: int = 0
    reasons: Counter = field(default_factory=Counter)
    notes: Counter = field(default_factory=Counter)
    output_bytes: int | None = None
    rejects_bytes: int | None = None
    complete: bool = False

    def to_dict(self, input_path: Path) -> dict:
        stat = input_path.stat()
        return {
            "version": PROGRESS_VERSION,
            "input": str(input_path.resolve()),
            "input_size": stat.st_size if input_path.is_file() else None,
            "records": self.records,
            "written": self.written,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "reasons": dict(self.reasons),
            "notes": dict(self.notes),
            "output_bytes": self.output_bytes,
            "rejects_bytes": self.rejects_bytes,
            "complete": self.complete,
        }

    def save(self, path: Path, input_path: Path) -> None:
        """Replace the sidecar atomically: a crash leaves the old or the new one, never half of one."""
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(input_path), f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, input_path: Path, output: Path) -> RunState:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot resume: progress file {path} is unreadable ({exc})") from exc
        if data.get("version") != PROGRESS_VERSION:
            raise InputError(f"cannot resume: {path} was written by another modclf version; rerun without --resume")
        size = input_path.stat().st_size if input_path.is_file() else None
        if data.get("input") != str(input_path.resolve()) or data.get("input_size") != size:
            raise InputError(
                f"cannot resume: {output} was written from {data.get('input')} "
                f"({data.get('input_size')} bytes), not from this input; rerun without --resume"
            )
        state = cls(
            records=data["records"], written=data["written"], rejected=data["rejected"], warnings=data["warnings"],
            reasons=Counter(data["reasons"]), notes=Counter(data.get("notes", {})), output_bytes=data["output_bytes"],
            rejects_bytes=data["rejects_bytes"], complete=data["complete"],
        )
        if state.output_bytes is not None and output.exists() and output.stat().st_size < state.output_bytes:
            raise InputError(f"cannot resume: {output} is shorter than its progress file says; rerun without --resume")
        return state


# --- progress display ------------------------------------------------------------------------------


class ProgressDisplay:
    """A tqdm bar (rate, ETA) when stderr is a terminal, else a log line every LOG_EVERY_SECONDS."""

    def __init__(self, total: int | None, initial: int, unit: str, what: str, enabled: bool = True):
        self.total, self.done, self.unit, self.what = total, initial, unit, what
        self.written = 0
        self.started = time.perf_counter()
        self._initial = initial
        self._last_log = self.started
        self._bar = None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=initial, unit=f" {unit}", dynamic_ncols=True, smoothing=0.1,
                             desc=what, file=sys.stderr)

    def within(self, records: int) -> None:
        """Records of the window in progress done so far (shown until the window is committed)."""
        if self._bar is not None and time.perf_counter() - self._last_log >= 0.2:
            self._last_log = time.perf_counter()
            self._bar.n = self.done + records
            self._bar.refresh()
        elif self._bar is None:
            self._log(self.done + records)

    def update(self, records: int, written: int) -> None:
        self.done += records
        self.written += written
        if self._bar is not None:
            self._bar.n = self.done
            self._bar.refresh()
            return
        self._log(self.done)

    def _log(self, done: int) -> None:
        now = time.perf_counter()
        if now - self._last_log >= LOG_EVERY_SECONDS:
            self._last_log = now
            rate = (done - self._initial) / max(now - self.started, 1e-9)
            of = f"/{self.total}" if self.total else ""
            eta = ""
            if self.total and rate > 0:
                eta = f", ETA {_duration(max(self.total - done, 0) / rate)}"
            logger.info("%s: %d%s %s, %.1f %s/s%s", self.what, done, of, self.unit, rate, self.unit, eta)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def estimate_records(path: Path, kind: str) -> int | None:
    """About how many records an input holds (for the ETA); None when that is expensive to know."""
    try:
        if kind == "jsonl" and not path.name.lower().endswith(".gz"):
            with open(path, "rb") as f:
                return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 22), b""))
        if kind == "csv":
            # Rows, not lines: a quoted cell may hold line breaks.
            with open(path, newline="", encoding="utf-8-sig", errors="replace") as f:
                return max(0, sum(1 for row in csv.reader(f) if row) - 1)
        if kind == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
        if kind in ("page",):
            return 1
    except Exception:  # noqa: BLE001 - only an estimate
        return None
    return None


# --- reading ahead ---------------------------------------------------------------------------------


class Prefetcher:
    """Runs an iterator in a background thread, PREFETCH_WINDOWS items ahead; errors re-raised here."""

    _DONE = object()

    def __init__(self, iterator: Iterator, depth: int = PREFETCH_WINDOWS):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(iterator,), name="modclf-reader", daemon=True)
        self._thread.start()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, iterator: Iterator) -> None:
        try:
            for item in iterator:
                if not self._put(("item", item)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            self._put(("error", exc))
            return
        self._put(("done", None))

    def __iter__(self):
        while True:
            kind, value = self._queue.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


# --- the run ---------------------------------------------------------------------------------------


@dataclass
class RunOptions:
    """How a run goes; the defaults suit a 2-core laptop and a 64-core server alike."""

    window: int = 4096  # comments (or pages) per window: sort/dedupe scope and resume granularity
    resume: bool = False
    workers: int = 1  # processes, each with its own model (threads are split between them)
    threads: int | None = None  # torch threads per process (None: physical cores / workers)
    progress: bool = True
    after_window: Callable[[int], None] | None = None  # test hook, called after each flushed window


def build_windows(job, items: Iterator[Item], size: int) -> Iterator[Window]:
    """Windows of prepared items, each filled up to `size` weight and finished by the job (tokenising)."""
    window, weight = Window(0), 0
    for item in items:
        window.items.append(item)
        weight += item.weight
        if weight >= size:
            job.finish_window(window)
            yield window
            window, weight = Window(window.index + 1), 0
    if window.items:
        job.finish_window(window)
        yield window


def run(
    job,
    records: Iterator,
    input_path: Path,
    output: str | os.PathLike | IO[str],
    rejects: str | os.PathLike | None,
    options: RunOptions,
    total: int | None,
    where: Callable[[Any], str],
    worker_factory: Callable[[], Any] | None = None,
) -> tuple[RunState, float, int, int]:
    """Run `job` over `records`; returns (state, seconds, records and rows of this session)."""
    started = time.perf_counter()
    output_path = Path(output) if isinstance(output, (str, os.PathLike)) else None
    sidecar = progress_path(output_path) if output_path is not None and output_format(output_path) != "parquet" else None
    state = RunState()
    if options.resume:
        if output_path is None:
            raise InputError("--resume needs an output file (-o), not stdout")
        if output_format(output_path) == "parquet" and output_path.exists():
            raise InputError(
                f"{output_path}: a Parquet output cannot be resumed (the file is only readable once complete); "
                "rerun without --resume, or write .jsonl and convert"
            )
        if sidecar is not None and not sidecar.exists() and _legacy_progress_path(output_path).exists():
            sidecar = _legacy_progress_path(output_path)
        if sidecar is not None and sidecar.exists():
            state = RunState.load(sidecar, input_path, output_path)
        elif output_path.exists() and output_path.stat().st_size > 0:
            raise InputError(
                f"cannot resume: {output_path} exists but {sidecar} does not; rerun without --resume"
            )
    if state.complete:
        logger.info("%s is complete already (%d records); nothing to resume", output_path, state.records)
        return state, time.perf_counter() - started, 0, 0
    written_before = state.written
    skip = state.records
    parquet = isinstance(output, (str, os.PathLike)) and output_format(output) == "parquet"
    # The Parquet schema only for Parquet output: pyarrow is an extra (modclf[parquet]).
    writer = WindowWriter(output, job.columns, job.schema() if parquet else None, offset=state.output_bytes)
    reject_writer = (
        WindowWriter(rejects, ["id", "number", "reason"], offset=state.rejects_bytes) if rejects is not None else None
    )
    if skip:
        logger.info("resuming after %d record(s) of %s", skip, input_path.name)
        for _ in range(skip):
            if next(records, None) is None:
                break
    display = ProgressDisplay(total, skip, job.unit, job.what, options.progress)
    if hasattr(job, "progress"):
        job.progress = display.within  # the job reports records done within a window, per batch
    session_records = 0

    def commit(window: Window, result: WindowResult) -> None:
        nonlocal session_records
        for reject in result.rejects:
            logger.warning("rejected %s: %s", where(reject), reject["reason"])
            state.reasons[reason_kind(reject["reason"])] += 1
        writer.write_window(result.rows)
        if reject_writer is not None:
            reject_writer.write_window(result.rejects)
        state.records += len(window.items)
        session_records += len(window.items)
        state.written += len(result.rows)
        state.rejected += len(result.rejects)
        state.warnings += result.warnings
        state.notes.update(result.notes)
        state.output_bytes = writer.offset
        state.rejects_bytes = reject_writer.offset if reject_writer is not None else None
        if sidecar is not None:
            state.save(sidecar, input_path)
        display.update(len(window.items), len(result.rows))
        if options.after_window is not None:
            options.after_window(window.index)

    prefetch = Prefetcher(build_windows(job, job.items(records), options.window))
    try:
        if options.workers > 1 and worker_factory is not None:
            _run_workers(prefetch, worker_factory, options.workers, commit)
        else:
            for window in prefetch:
                commit(window, job.process(window))
                release_freed_memory()
        state.complete = True
        if sidecar is not None:
            state.save(sidecar, input_path)
    finally:
        prefetch.close()
        display.close()
        writer.close()
        if reject_writer is not None:
            reject_writer.close()
    if state.complete and not state.rejected and isinstance(rejects, (str, os.PathLike)):
        # A run without rejects leaves no empty rejects file behind.
        path = Path(rejects)
        if path.exists() and path.stat().st_size == 0:
            path.unlink()
    return state, time.perf_counter() - started, session_records, state.written - written_before


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, or None off glibc."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Give memory freed by a window back to the system. A window's tensors come in sizes that vary
    with its pages and comments; glibc keeps the freed blocks, fragmented, and a long run's resident
    memory grew with the number of pages (bench_memory.py --pages: 100 vs 1,000 pages +50% before)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _run_workers(windows: Iterator[Window], worker_factory, workers: int, commit) -> None:
    """Windows processed by `workers` processes, at most 2 per worker in flight, committed in order."""
    from collections import deque

    with worker_factory() as pool:
        pending: deque = deque()
        for window in windows:
            pending.append((window, pool.submit(window)))
            while len(pending) >= 2 * workers:
                done_window, future = pending.popleft()
                commit(done_window, future.result())
        while pending:
            done_window, future = pending.popleft()
            commit(done_window, future.result())
