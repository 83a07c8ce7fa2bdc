"""User label files: good files in every format, unknown labels, and each documented error."""

from __future__ import annotations

import csv
import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modclf import LabelFileError
from modclf.training.sources.labels import load_label_files

ARTICLE = "The council approved the harbour bridge budget."
ROWS = [
    {"text": "Burn their houses down tonight.", "article": ARTICLE, "incitement": 1, "off_topic": 0},
    {"text": "What a lovely bridge.", "article": ARTICLE, "incitement": 0, "off_topic": None},
    {"text": "Anyone watch the match?", "article": ARTICLE, "incitement": None, "off_topic": 0.8},
    {"text": "They deserve what is coming.", "article": None, "incitement": 0.6, "off_topic": None},
]


def _write_csv(path, rows, header=None):
    header = header or list(rows[0])
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in header] if isinstance(row, dict) else row)
    return path


def _write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def _check(examples, name):
    assert [e.text for e in examples] == [r["text"] for r in ROWS]
    assert [e.incitement for e in examples] == [1.0, 0.0, None, 0.6]
    assert [e.off_topic for e in examples] == [0.0, None, 0.8, None]
    assert [e.article for e in examples] == [ARTICLE, ARTICLE, ARTICLE, None]
    assert all(e.source == f"user:{name}" and e.split == "train" for e in examples)
    # Rows under one article share a group; a row without article is its own group.
    assert examples[0].group == examples[1].group == examples[2].group != examples[3].group
    assert examples[3].group == f"user:row:{name}:4"
    assert [e.meta["row"] for e in examples] == [1, 2, 3, 4]


def test_csv(tmp_path):
    _check(load_label_files(_write_csv(tmp_path / "labels.csv", ROWS)), "labels.csv")


def test_jsonl_and_gzip(tmp_path):
    # JSONL may leave keys out (= unknown) and use booleans.
    rows = [{k: v for k, v in r.items() if v is not None} for r in ROWS]
    rows[1]["incitement"] = False
    path = _write_jsonl(tmp_path / "labels.jsonl", rows)
    _check(load_label_files(path), "labels.jsonl")
    gz = tmp_path / "labels.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    _check(load_label_files([str(gz)]), "labels.jsonl.gz")


def test_parquet_with_nulls_and_nan(tmp_path):
    table = pa.table(
        {
            "text": [r["text"] for r in ROWS],
            "article": [r["article"] for r in ROWS],
            "incitement": [1.0, 0.0, float("nan"), 0.6],  # pandas writes missing floats as NaN
            "off_topic": [0.0, None, 0.8, None],
        }
    )
    pq.write_table(table, tmp_path / "labels.parquet")
    _check(load_label_files(tmp_path / "labels.parquet"), "labels.parquet")


def test_missing_label_column_means_unknown_and_group_and_id_columns(tmp_path):
    path = _write_csv(tmp_path / "inc.csv", [["Kill them all", "t1", "x1", "1"], ["Nice", "t1", "", "0"], ["Hm", "", "x3", ""]],
                      header=["text", "group", "id", "incitement"])
    examples = load_label_files(path)
    assert [e.off_topic for e in examples] == [None, None, None]  # no off_topic column: unknown, not 0
    assert [e.incitement for e in examples] == [1.0, 0.0, None]
    assert examples[0].group == examples[1].group == "user:group:t1"
    assert examples[2].group == "user:row:inc.csv:3"
    assert examples[0].meta["id"] == "x1" and "id" not in examples[1].meta


def test_several_files_keep_order(tmp_path):
    a = _write_csv(tmp_path / "a.csv", [["one", "1"]], header=["text", "incitement"])
    b = _write_jsonl(tmp_path / "b.jsonl", [{"text": "two", "incitement": 0}])
    assert [(e.text, e.source) for e in load_label_files([a, b])] == [("one", "user:a.csv"), ("two", "user:b.jsonl")]


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        ([["a", "1"]] * 6 + [["b", "yes"]], ["text", "incitement"],
         r"labels.csv row 7, column incitement: expected 0, 1 or a probability in \[0, 1\], got 'yes'"),
        ([["a", "1.5"]], ["text", "incitement"], r"labels.csv row 1, column incitement: expected .* got '1.5'"),
        ([["a", "-1"]], ["text", "incitement"], r"row 1, column incitement: expected .* got '-1'"),
        ([["a", ARTICLE, "2"]], ["text", "article", "off_topic"], r"row 1, column off_topic: expected .* got '2'"),
        ([["a", "0"], ["  ", "1"]], ["text", "incitement"], r"labels.csv row 2, column text: empty"),
        ([["a", "1"]], ["comment", "incitement"], r"labels.csv: no column 'text' \(columns: comment, incitement\)"),
        ([["a", ""]], ["text", "article"], r"labels.csv: no label column; give at least one of incitement, off_topic"),
        ([["a", "1", "x"]], ["text", "incitment", "off_topic"],
         r"labels.csv: unknown column\(s\) 'incitment'; allowed columns: text, article, incitement, off_topic, group, id"),
        ([["a", "1"]], ["text", "off_topic"], r"row 1, column off_topic: an off-topic label needs the article"),
        ([["a", "1", "extra"]], ["text", "incitement"], r"labels.csv row 1: 3 field\(s\), the header has 2"),
        ([], ["text", "incitement"], r"labels.csv: no rows"),
    ],
)
def test_csv_errors(tmp_path, rows, header, message):
    path = _write_csv(tmp_path / "labels.csv", rows, header=header)
    with pytest.raises(LabelFileError, match=message):
        load_label_files(path)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"text": "a", "incitement": 1}, "{not json"], r"labels.jsonl line 2: invalid JSON"),
        ([{"text": "a", "incitement": "yes"}], r"labels.jsonl line 1, column incitement: expected .* got 'yes'"),
        ([{"text": "a", "incitement": [1]}], r"line 1, column incitement: expected .* got \[1\]"),
        ([{"text": 5, "incitement": 1}], r"labels.jsonl line 1, column text: expected text, got 5"),
        ([{"text": "a", "incitement": 1}, {"incitement": 0}], r"labels.jsonl line 2, column text: missing"),
        ([{"text": "a", "incitement": 1, "label": 1}], r"labels.jsonl line 1: unknown column\(s\) 'label'; allowed"),
        ([{"text": "a"}, {"text": "b"}], r"labels.jsonl: no label column"),
        (["[1, 2]"], r"labels.jsonl line 1: expected a JSON object, got list"),
        ([{"text": "a", "incitement": 1, "group": [1]}], r"line 1, column group: expected text or an integer"),
    ],
)
def test_jsonl_errors(tmp_path, rows, message):
    path = _write_jsonl(tmp_path / "labels.jsonl", rows)
    with pytest.raises(LabelFileError, match=message):
        load_label_files(path)


def test_parquet_errors(tmp_path):
    path = tmp_path / "labels.parquet"
    pq.write_table(pa.table({"text": ["a", "b"], "incitement": ["0", "maybe"]}), path)
    with pytest.raises(LabelFileError, match=r"labels.parquet row 2, column incitement: expected .* got 'maybe'"):
        load_label_files(path)
    pq.write_table(pa.table({"text": ["a"], "toxicity": [1]}), path)
    with pytest.raises(LabelFileError, match=r"labels.parquet: unknown column\(s\) 'toxicity'"):
        load_label_files(path)
    path.write_bytes(b"not parquet")
    with pytest.raises(LabelFileError, match=r"labels.parquet: not a readable Parquet file"):
        load_label_files(path)


def test_file_level_errors(tmp_path):
    with pytest.raises(LabelFileError, match=r"nope.csv: file not found"):
        load_label_files(tmp_path / "nope.csv")
    (tmp_path / "labels.xlsx").write_bytes(b"")
    with pytest.raises(LabelFileError, match=r"labels.xlsx: unknown file type; expected .jsonl, .jsonl.gz, .csv, .parquet"):
        load_label_files(tmp_path / "labels.xlsx")
    (tmp_path / "latin.csv").write_bytes(b"text,incitement\ncaf\xe9,1\n")
    with pytest.raises(LabelFileError, match=r"latin.csv: not valid UTF-8"):
        load_label_files(tmp_path / "latin.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(LabelFileError, match=r"empty.csv: empty file"):
        load_label_files(tmp_path / "empty.csv")


def test_the_documented_import_path_of_0_3_0_still_works():
    from modclf.sources.labels import load_label_files as documented

    assert documented is load_label_files
