"""`modclf segment` and the batch function behind it: outputs, rejects, exit codes and messages."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from modclf.api import resolve_precision
from modclf.batch.jobs import segment_file
from modclf.cli import main

PAGE = "Council passes budget\nThe council met on Tuesday.\nReply\nGreat story!\n"


def _read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _check_record(record, record_id):
    assert set(record) == {"id", "lines", "body", "comments"}
    assert record["id"] == record_id
    for line in record["lines"]:
        assert set(line) == {"text", "label", "comment"}
        assert line["label"] in ("body", "boilerplate", "comment")
    assert all(set(c) == {"text"} for c in record["comments"])


@pytest.fixture()
def fake_released_model(monkeypatch, tiny_clf):
    """ModClf.from_pretrained() gives the tiny model: there is no released model yet."""
    from modclf.api import ModClf

    calls = []

    def from_pretrained(path=None, precision="fp32"):
        calls.append((path, precision))
        tiny_clf.precision = resolve_precision(precision)
        return tiny_clf

    monkeypatch.setattr(ModClf, "from_pretrained", staticmethod(from_pretrained))
    return calls


# --- segment_file ----------------------------------------------------------------------------------


def test_segment_jsonl_dump_writes_good_records_and_rejects_bad_ones(tiny_clf, tmp_path, caplog):
    dump = tmp_path / "pages.jsonl"
    lines = [
        json.dumps({"id": "a", "page": PAGE}),
        "{not json",
        json.dumps({"page": PAGE}),
        json.dumps({"id": "none", "page": None}),
        json.dumps({"id": "num", "page": 42}),
        json.dumps({"id": "bin", "page": "\x00\x01\x02" * 100}),
        json.dumps({"id": "empty", "page": ""}),
        json.dumps({"id": 7, "page": "<html><body><p>Hello</p><script>x()</script></body></html>"}),
    ]
    dump.write_bytes("\n".join(lines).encode() + b'\n{"id": "latin", "page": "caf\xe9"}\n')
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    summary = segment_file(tiny_clf, dump, out, rejects)

    assert (summary.read, summary.written, summary.rejected, summary.warnings) == (9, 4, 5, 1)
    records = _read_jsonl(out)
    assert [r["id"] for r in records] == ["a", "empty", 7, "latin"]
    for record in records:
        _check_record(record, record["id"])
    assert [line["text"] for line in records[0]["lines"]] == PAGE.split("\n")[:4]
    assert records[1]["lines"] == [] and records[1]["comments"] == []
    assert [line["text"] for line in records[2]["lines"]] == ["Hello"]
    assert records[3]["lines"][0]["text"] == "caf\u00e9"

    got = {(r["id"], r["number"]): r["reason"] for r in _read_jsonl(rejects)}
    assert set(got) == {(2, 2), (3, 3), ("none", 4), ("num", 5), ("bin", 6)}
    assert got[(2, 2)].startswith("invalid JSON")
    assert got[(3, 3)] == "missing field 'id'"
    assert got[("none", 4)] == "field 'page' is null"
    assert "must be a string" in got[("num", 5)]
    assert "binary" in got[("bin", 6)]
    # One line on stderr per reject, naming the input, the line and the id.
    messages = [r.getMessage() for r in caplog.records if r.getMessage().startswith("rejected")]
    assert len(messages) == 5
    assert "pages.jsonl line 6 (id 'bin')" in messages[-1]


def test_segment_csv_dump_rejects_malformed_rows(tiny_clf, tmp_path):
    dump = tmp_path / "pages.csv"
    with open(dump, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerows([["id", "page"], ["a", PAGE], ["b", PAGE, "extra"], ["", PAGE], ["c", "One line"]])
    out = tmp_path / "out.jsonl"
    summary = segment_file(tiny_clf, dump, out, tmp_path / "rej.jsonl")
    assert (summary.read, summary.written, summary.rejected) == (4, 2, 2)
    assert [r["id"] for r in _read_jsonl(out)] == ["a", "c"]
    assert [(r["id"], r["number"]) for r in _read_jsonl(tmp_path / "rej.jsonl")] == [("b", 2), (3, 3)]


def test_segment_folder_of_pages(tiny_clf, tmp_path):
    pages = tmp_path / "pages"
    (pages / "2024").mkdir(parents=True)
    (pages / "one.txt").write_text(PAGE)
    (pages / "2024" / "two.html").write_text("<div><p>Fragment</p></div>")
    (pages / "bad.txt").write_bytes(bytes(range(256)))
    out = tmp_path / "out.jsonl"
    summary = segment_file(tiny_clf, pages, out, tmp_path / "rej.jsonl")
    assert (summary.read, summary.written, summary.rejected) == (3, 2, 1)
    assert [r["id"] for r in _read_jsonl(out)] == ["2024/two.html", "one.txt"]
    assert _read_jsonl(tmp_path / "rej.jsonl")[0]["id"] == "bad.txt"


# --- the command line ------------------------------------------------------------------------------


def test_cli_segments_a_page_file_to_stdout(fake_released_model, tmp_path, capsys):
    page = tmp_path / "story.txt"
    page.write_text(PAGE)
    assert main(["segment", str(page)]) == 0
    captured = capsys.readouterr()
    (record,) = [json.loads(line) for line in captured.out.splitlines()]
    _check_record(record, "story.txt")
    assert len(record["lines"]) == 4
    assert "1 pages read, 1 written, 0 rejected" in captured.err.splitlines()[-1]
    assert fake_released_model == [(None, "auto")]


def test_cli_writes_output_and_default_rejects_next_to_it(fake_released_model, tmp_path, capsys):
    dump = tmp_path / "pages.jsonl"
    dump.write_text(json.dumps({"id": "a", "page": PAGE}) + "\nnot json\n")
    out = tmp_path / "out.jsonl"
    assert main(["segment", str(dump), "-o", str(out), "--format", "text", "--precision", "bf16"]) == 0
    assert [r["id"] for r in _read_jsonl(out)] == ["a"]
    assert [(r["id"], r["number"]) for r in _read_jsonl(tmp_path / "out.rejects.jsonl")] == [(2, 2)]
    err = capsys.readouterr().err.splitlines()
    assert any("rejected pages.jsonl line 2" in line for line in err)
    assert "2 pages read, 1 written, 1 rejected" in err[-1] and "out.rejects.jsonl" in err[-1]
    assert fake_released_model == [(None, "bf16")]


def test_cli_with_a_model_folder(tiny_model_dir, tmp_path, capsys):
    page = tmp_path / "story.html"
    page.write_text("<p>Hello</p><p>World</p>")
    out = tmp_path / "out.jsonl.gz"
    rejects = tmp_path / "r.jsonl"
    assert main(["segment", str(page), "-o", str(out), "--rejects", str(rejects), "--model", str(tiny_model_dir)]) == 0
    import gzip

    (record,) = [json.loads(line) for line in gzip.open(out, "rt", encoding="utf-8")]
    assert [line["text"] for line in record["lines"]] == ["Hello", "World"]
    assert not rejects.exists()  # nothing rejected: no empty rejects file left behind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{tmp}/missing.jsonl"], "input {tmp}/missing.jsonl does not exist"),
        (["{tmp}/page.docx"], "unknown file type"),
        (["{tmp}/page.txt", "-o", "{tmp}/out.xlsx"], "output {tmp}/out.xlsx: unknown file type; expected .jsonl"),
        (["{tmp}/page.txt", "-o", "{tmp}/nodir/out.jsonl"], "output folder {tmp}/nodir does not exist"),
        (["{tmp}/page.txt", "--model", "{tmp}/no_model"], "model folder {tmp}/no_model does not exist"),
        (["{tmp}/binary.txt", "--model", "{tmp}"], "{tmp} is not a modclf model folder"),
    ],
)
def test_cli_user_errors_exit_1_with_one_line(tmp_path, capsys, args, message):
    (tmp_path / "page.docx").write_bytes(b"PK")
    (tmp_path / "page.txt").write_text(PAGE)
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)))
    argv = ["segment", *(a.format(tmp=tmp_path) for a in args)]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("modclf segment: error: ")
    assert message.format(tmp=tmp_path) in err[0]
    assert not (tmp_path / "out.jsonl").exists()


def test_cli_fails_when_every_record_is_rejected(fake_released_model, tmp_path, capsys):
    page = tmp_path / "binary.txt"
    page.write_bytes(bytes(range(256)))
    assert main(["segment", str(page)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert "binary" in err[0]
    assert err[-1] == f"modclf segment: error: all 1 record(s) of {page} were rejected"


def test_python_m_modclf_reports_a_missing_input_without_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "modclf", "segment", str(tmp_path / "missing.jsonl")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"modclf segment: error: input {tmp_path / 'missing.jsonl'} does not exist"
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_cli_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["segment"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["segment", "x.jsonl", "--precision", "fp8"])
    assert exc.value.code == 2


def test_stdin_to_stdout_and_quiet_after_the_subcommand(tiny_model_dir, tmp_path):
    import subprocess
    import sys

    lines = "".join(json.dumps({"id": i, "comment": f"comment {i}"}) + "\n" for i in range(3))
    out = subprocess.run([sys.executable, "-m", "modclf", "score", "-", "-o", "-", "--model", str(tiny_model_dir), "-q"],
                         input=lines, capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert [json.loads(line)["id"] for line in out.stdout.splitlines()] == [0, 1, 2]
    assert out.stderr == ""  # -q after the subcommand: errors only
    out = subprocess.run([sys.executable, "-m", "modclf", "score", "-", "--resume", "-o", str(tmp_path / "o.jsonl"),
                          "--model", str(tiny_model_dir)], input=lines, capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 1 and "standard input cannot be read again" in out.stderr


def test_duplicate_ids_are_warned_about(tiny_clf, tmp_path, caplog):
    from modclf.batch.jobs import score_file

    dump = tmp_path / "d.jsonl"
    dump.write_text("".join(json.dumps({"id": i % 2, "comment": f"c {i}"}) + "\n" for i in range(4)))
    with caplog.at_level("WARNING", logger="modclf"):
        score_file(tiny_clf, dump, tmp_path / "o.jsonl", tmp_path / "r.jsonl")
    assert "d.jsonl: 2 record(s) repeat an earlier id" in caplog.text


def test_a_missing_articles_file_is_named_as_such(tmp_path, capsys):
    dump = tmp_path / "c.jsonl"
    dump.write_text(json.dumps({"id": 1, "text": "hi", "article_id": "a"}) + "\n")
    assert main(["score", str(dump), "--articles", str(tmp_path / "nope.jsonl")]) == 1
    assert f"articles file {tmp_path / 'nope.jsonl'} does not exist (--articles)" in capsys.readouterr().err
