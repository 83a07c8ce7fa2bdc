"""The batch engine: order, dedupe, output formats, rejects, progress sidecar, resume after a kill."""

from __future__ import annotations

import csv
import gzip
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from modclf.batch.engine import RunOptions, progress_path, reason_kind
from modclf.batch.jobs import score_file, segment_file
from modclf.cli import main
from modclf.errors import InputError
from modclf.policy import Policy

ARTICLE = "The council approved the new harbour bridge budget on Tuesday after a long debate."
NEVER = {"incitement": {"review": None, "remove": None}, "off_topic": {"review": None, "remove": None}}
WORDS = "the bridge council budget vote late again who pays for this nonsense great story thanks".split()


def _write_jsonl(path, records):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def _read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _comment(i: int) -> str:
    # Lengths from 1 to ~60 words, some texts repeated, so that sorting and dedupe both matter.
    n = 1 + (i * 37) % 60
    return " ".join(WORDS[(i + k) % len(WORDS)] for k in range(n)) if i % 5 else "Same comment again."


def _dump(tmp_path, n=60, bad=True):
    records = []
    for i in range(n):
        if bad and i % 11 == 3:
            records.append("{broken json")
        elif bad and i % 13 == 5:
            records.append({"id": f"c{i}", "comment": "", "article_id": "a1"})
        elif bad and i % 17 == 7:
            records.append({"id": f"c{i}", "comment": "Hi", "article_id": "nope"})
        else:
            records.append({"id": f"c{i}", "comment": _comment(i), "article_id": "a1" if i % 2 else "a2"})
    articles = _write_jsonl(tmp_path / "articles.jsonl", [{"id": "a1", "article": ARTICLE}, {"id": "a2", "article": "Rain."}])
    return _write_jsonl(tmp_path / "dump.jsonl", records), articles


def _policy():
    return Policy.from_mapping(NEVER)


def test_order_ids_and_scores_match_one_by_one_scoring(tiny_clf, tmp_path):
    dump, articles = _dump(tmp_path, bad=False)
    out = tmp_path / "out.jsonl"
    summary = score_file(tiny_clf, dump, out, tmp_path / "r.jsonl", articles=articles, policy=_policy(),
                         options=RunOptions(window=16, progress=False), batch_tokens=256)
    records = _read_jsonl(out)
    assert [r["id"] for r in records] == [f"c{i}" for i in range(60)]
    assert summary.written == 60 and summary.read == 60 and summary.rejected == 0
    for i in (0, 5, 7, 33, 59):
        expected = tiny_clf.score(_comment(i), article=ARTICLE if i % 2 else "Rain.")
        assert records[i]["text"] == _comment(i)
        assert records[i]["incitement"] == pytest.approx(expected.incitement, abs=1e-5)
        assert records[i]["off_topic"] == pytest.approx(expected.off_topic, abs=1e-5)


def test_every_record_is_in_the_output_or_the_rejects_with_line_and_reason(tiny_clf, tmp_path):
    dump, articles = _dump(tmp_path)
    out, rejects = tmp_path / "out.jsonl", tmp_path / "r.jsonl"
    summary = score_file(tiny_clf, dump, out, rejects, articles=articles, policy=_policy(),
                         options=RunOptions(window=7, progress=False))
    written, rejected = _read_jsonl(out), _read_jsonl(rejects)
    assert len(written) + len(rejected) == 60 == summary.read
    numbers = sorted([int(r["id"][1:]) + 1 for r in written] + [r["number"] for r in rejected])
    assert numbers == list(range(1, 61))
    assert [r["number"] for r in rejected] == sorted(r["number"] for r in rejected)  # in input order
    assert summary.reasons == {"invalid JSON": 6, "field 'comment' is empty": 5, "unknown article_id": 3}
    assert "14 rejected (invalid JSON: 6; field 'comment' is empty: 5" in summary.line("records", "comments")


def test_reason_kind():
    assert reason_kind("invalid JSON: Expecting value at column 2") == "invalid JSON"
    assert reason_kind("unknown article_id 'zzz' (not in a.jsonl)") == "unknown article_id"
    assert reason_kind("comment is 100,001 characters; the limit is 100,000") == "comment is N characters; the limit is N"


def test_bad_records_including_a_megabyte_comment(tiny_clf, tmp_path):
    dump = _write_jsonl(tmp_path / "d.jsonl", [
        {"id": 1, "comment": "fine"}, "not json", {"id": 3}, {"id": 4, "comment": ["list"]}, {"id": 5, "comment": " "},
        {"id": 6, "comment": "x" * 1_000_000}, {"id": 7, "comment": "hi", "article_id": "missing"}, {"id": 8, "comment": "ok"},
    ])
    articles = _write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "article": ARTICLE}])
    out, rejects = tmp_path / "o.jsonl", tmp_path / "r.jsonl"
    summary = score_file(tiny_clf, dump, out, rejects, articles=articles, policy=_policy(),
                         options=RunOptions(progress=False))
    assert [r["id"] for r in _read_jsonl(out)] == [1, 8]
    got = [(r["number"], r["reason"].split(":")[0].split(" (")[0]) for r in _read_jsonl(rejects)]
    assert got == [(2, "invalid JSON"), (3, "missing field 'text'"), (4, "field 'comment' must be a string, got list"),
                   (5, "empty comment; there is nothing to score"),
                   (6, "comment is 1,000,000 characters; the limit is 100,000"), (7, "unknown article_id 'missing'")]
    assert summary.rejected == 6


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".csv"])
def test_interrupted_run_resumes_to_identical_output(tiny_clf, tmp_path, suffix):
    dump, articles = _dump(tmp_path)
    full, full_rejects = tmp_path / f"full{suffix}", tmp_path / "full.rejects.jsonl"
    score_file(tiny_clf, dump, full, full_rejects, articles=articles, policy=_policy(),
               options=RunOptions(window=5, progress=False))

    out, rejects = tmp_path / f"out{suffix}", tmp_path / "out.rejects.jsonl"

    def crash(index):
        if index == 3:
            # Half a window written after the last commit: resume must cut it away.
            with open(out, "ab") as f:
                f.write(b"partial garbage")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_file(tiny_clf, dump, out, rejects, articles=articles, policy=_policy(),
                   options=RunOptions(window=5, progress=False, after_window=crash))
    progress = json.loads(progress_path(out).read_text())
    assert 0 < progress["records"] < 60 and not progress["complete"]
    summary = score_file(tiny_clf, dump, out, rejects, articles=articles, policy=_policy(),
                         options=RunOptions(window=5, progress=False, resume=True))
    assert out.read_bytes() == full.read_bytes()
    assert rejects.read_bytes() == full_rejects.read_bytes()
    assert summary.read == 60 and summary.processed == 60 - progress["records"]
    assert json.loads(progress_path(out).read_text())["complete"]


def test_resume_refuses_another_input_and_parquet(tiny_clf, tmp_path):
    dump, articles = _dump(tmp_path)
    out = tmp_path / "out.jsonl"
    score_file(tiny_clf, dump, out, None, articles=articles, policy=_policy(), options=RunOptions(progress=False))
    other = _write_jsonl(tmp_path / "other.jsonl", [{"id": 1, "comment": "x"}])
    with pytest.raises(InputError, match="cannot resume: .*out.jsonl was written from .*dump.jsonl"):
        score_file(tiny_clf, other, out, None, policy=_policy(), options=RunOptions(resume=True, progress=False))
    parquet = tmp_path / "out.parquet"
    parquet.write_bytes(b"PAR1")
    with pytest.raises(InputError, match="Parquet output cannot be resumed"):
        score_file(tiny_clf, dump, parquet, None, articles=articles, policy=_policy(),
                   options=RunOptions(resume=True, progress=False))


def test_resume_of_a_complete_run_does_nothing(tiny_clf, tmp_path):
    dump, articles = _dump(tmp_path)
    out = tmp_path / "out.jsonl"
    first = score_file(tiny_clf, dump, out, None, articles=articles, policy=_policy(), options=RunOptions(progress=False))
    before = out.read_bytes()
    again = score_file(tiny_clf, dump, out, None, articles=articles, policy=_policy(),
                       options=RunOptions(resume=True, progress=False))
    assert out.read_bytes() == before and again.processed == 0 and again.written == first.written


def test_csv_and_parquet_outputs(tiny_clf, tmp_path):
    import pyarrow.parquet as pq

    dump, articles = _dump(tmp_path, bad=False)
    jsonl, csv_out, parquet = tmp_path / "o.jsonl", tmp_path / "o.csv", tmp_path / "o.parquet"
    for out in (jsonl, csv_out, parquet):
        score_file(tiny_clf, dump, out, None, articles=articles, policy=_policy(), options=RunOptions(window=16, progress=False))
    expected = _read_jsonl(jsonl)
    with open(csv_out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == [str(r["id"]) for r in expected]
    assert [float(r["incitement"]) for r in rows] == [r["incitement"] for r in expected]
    assert json.loads(rows[0]["reasons"]) == expected[0]["reasons"]
    table = pq.read_table(parquet).to_pylist()
    assert table[0]["id"] == "c0" and len(table) == 60 and pq.ParquetFile(parquet).metadata.num_row_groups == 4
    assert [r["off_topic"] for r in table] == [r["off_topic"] for r in expected]


def test_segment_outputs_and_resume(tiny_clf, tmp_path):
    import pyarrow.parquet as pq

    page = "Harbour bridge\nThe council approved it.\nReply\nGreat story!"
    dump = _write_jsonl(tmp_path / "pages.jsonl", [{"id": i, "page": page + f" {i}"} for i in range(9)] + ["bad"])
    full = tmp_path / "full.jsonl"
    segment_file(tiny_clf, dump, full, tmp_path / "full.rej.jsonl", options=RunOptions(window=2, progress=False))
    out = tmp_path / "out.jsonl"

    def crash(index):
        if index == 1:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        segment_file(tiny_clf, dump, out, tmp_path / "rej.jsonl", options=RunOptions(window=2, progress=False, after_window=crash))
    summary = segment_file(tiny_clf, dump, out, tmp_path / "rej.jsonl", options=RunOptions(window=2, resume=True, progress=False))
    assert out.read_bytes() == full.read_bytes() and (summary.read, summary.written, summary.rejected) == (10, 9, 1)
    segment_file(tiny_clf, dump, tmp_path / "o.parquet", None, options=RunOptions(window=4, progress=False))
    table = pq.read_table(tmp_path / "o.parquet").to_pylist()
    assert [r["id"] for r in table] == [str(i) for i in range(9)] and table[0]["lines"][0]["text"] == "Harbour bridge"


def test_gzip_input_and_bf16(tiny_clf, tmp_path):
    dump = tmp_path / "d.jsonl.gz"
    with gzip.open(dump, "wt", encoding="utf-8") as f:
        for i in range(10):
            f.write(json.dumps({"id": i, "comment": _comment(i), "article": ARTICLE}) + "\n")
    tiny_clf.precision = "bf16"
    out = tmp_path / "o.jsonl.gz"
    summary = score_file(tiny_clf, dump, out, None, policy=_policy(), options=RunOptions(window=4, progress=False))
    records = [json.loads(line) for line in gzip.open(out, "rt", encoding="utf-8")]
    assert summary.written == 10 and [r["id"] for r in records] == list(range(10))
    tiny_clf.precision = "fp32"
    expected = tiny_clf.score(_comment(1), article=ARTICLE)
    assert records[1]["incitement"] == pytest.approx(expected.incitement, abs=0.05)


def test_articles_file_is_indexed_not_loaded(tiny_clf, tmp_path):
    from modclf.batch.jobs import ArticleIndex

    articles = _write_jsonl(tmp_path / "a.jsonl", [{"id": i, "article": f"Article {i}."} for i in range(100)] + [{"id": "x"}])
    index = ArticleIndex(tiny_clf, articles)
    assert not index._records and len(index._offsets) == 100
    assert index.get(42) == "Article 42."
    with pytest.raises(InputError, match="article_id 'x' cannot be used"):
        index.get("x")


def test_workers_keep_order(tiny_model_dir, tmp_path):
    from modclf import ModClf

    clf = ModClf.from_pretrained(tiny_model_dir)
    dump, articles = _dump(tmp_path)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    score_file(clf, dump, one, None, articles=articles, policy=_policy(), options=RunOptions(window=8, progress=False))
    score_file(clf, dump, two, None, articles=articles, policy=_policy(),
               options=RunOptions(window=8, workers=2, threads=1, progress=False))
    assert one.read_bytes() == two.read_bytes()


def test_cli_summary_names_reasons_and_rate(tiny_model_dir, tmp_path, capsys):
    dump, articles = _dump(tmp_path)
    out = tmp_path / "o.csv"
    argv = ["score", str(dump), "-o", str(out), "--articles", str(articles), "--model", str(tiny_model_dir),
            "--window", "8", "--threads", "1"]
    assert main(argv) == 0
    last = capsys.readouterr().err.splitlines()[-1]
    assert "60 records read, 46 comments written, 14 rejected (invalid JSON: 6;" in last and "comments/s" in last
    assert (tmp_path / "o.rejects.jsonl").exists()


def test_killed_process_resumes_to_identical_output(tiny_model_dir, tmp_path):
    """A real `modclf score` process killed with SIGKILL mid-run, then --resume."""
    records = [{"id": i, "comment": _comment(i)} for i in range(1500)]
    records[100] = "oops"
    dump = _write_jsonl(tmp_path / "d.jsonl", records)
    base = [sys.executable, "-m", "modclf", "score", str(dump), "--model", str(tiny_model_dir), "--window", "4",
            "--threads", "1", "--no-progress", "--policy", str(_policy_file(tmp_path))]
    full = tmp_path / "full.jsonl"
    subprocess.run([*base, "-o", str(full)], check=True, capture_output=True, timeout=300)
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen([*base, "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sidecar = progress_path(out)
    deadline = time.time() + 120
    while time.time() < deadline:
        if sidecar.exists():
            try:
                if json.loads(sidecar.read_text())["records"] >= 100:
                    break
            except (json.JSONDecodeError, OSError):
                pass
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    progress = json.loads(sidecar.read_text())
    assert not progress["complete"], "the run finished before it could be killed"
    subprocess.run([*base, "-o", str(out), "--resume"], check=True, capture_output=True, timeout=300)
    assert out.read_bytes() == full.read_bytes()
    assert (tmp_path / "out.rejects.jsonl").read_bytes() == (tmp_path / "full.rejects.jsonl").read_bytes()


def _policy_file(tmp_path):
    path = tmp_path / "never.yaml"
    path.write_text(Policy.from_mapping(NEVER).to_yaml())
    return path


def test_sidecars_are_named_alike_and_an_empty_rejects_file_is_not_left(tiny_clf, tmp_path):
    from modclf.batch.jobs import score_file

    dump = tmp_path / "in.jsonl"
    dump.write_text(json.dumps({"id": 1, "text": "fine"}) + "\n")
    out = tmp_path / "scored.jsonl"
    score_file(tiny_clf, dump, out, tmp_path / "scored.rejects.jsonl")
    assert progress_path(out) == tmp_path / "scored.progress.json" and progress_path(out).exists()
    assert not (tmp_path / "scored.rejects.jsonl").exists()  # no rejects: no empty file
    dump.write_text(json.dumps({"id": 1, "text": ""}) + "\n" + json.dumps({"id": 2, "text": "fine"}) + "\n")
    score_file(tiny_clf, dump, out, tmp_path / "scored.rejects.jsonl")
    assert len((tmp_path / "scored.rejects.jsonl").read_text().splitlines()) == 1


def test_csv_total_counts_rows_not_lines(tmp_path):
    from modclf.batch.engine import estimate_records

    path = tmp_path / "c.csv"
    path.write_text('id,text\n1,"two\nlines"\n2,plain\n')
    assert estimate_records(path, "csv") == 2


def test_progress_moves_per_batch_within_a_window(tiny_clf, tmp_path):
    from modclf.batch.engine import ProgressDisplay
    from modclf.batch.jobs import score_file

    seen = []
    original = ProgressDisplay.within

    def spy(self, records):
        seen.append(records)
        original(self, records)

    dump = tmp_path / "in.jsonl"
    dump.write_text("".join(json.dumps({"id": i, "text": f"comment {i} " + "word " * (i % 50)}) + "\n" for i in range(300)))
    ProgressDisplay.within = spy
    try:
        score_file(tiny_clf, dump, tmp_path / "o.jsonl", tmp_path / "r.jsonl", batch_tokens=256)
    finally:
        ProgressDisplay.within = original
    assert len(seen) > 3 and seen == sorted(seen) and seen[-1] == 300  # many batches in one 4,096 window
