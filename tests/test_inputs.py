"""Edge-case inputs: pages (empty, blank, huge, non-UTF-8, binary, HTML) and dump records."""

from __future__ import annotations

import csv
import gzip
import json
import logging
import tracemalloc

import numpy as np
import pytest

from modclf import InputError, ModClf
from modclf.batch.dumps import RejectWriter, default_rejects_path, iter_records, text_bytes
from modclf.pages import MAX_BLOCK_CHARS, decode_bytes, read_page
from modclf.segment import tag_log_probs

# --- pages -----------------------------------------------------------------------------------------


def test_empty_page_has_no_lines_and_no_comments(tiny_clf):
    for page in ("", b""):
        result = tiny_clf.segment(page)
        assert result.lines == [] and result.comments == [] and result.body == ""
        assert result.as_dict() == {"lines": [], "body": "", "comments": []}


def test_page_of_blank_lines_has_no_lines(tiny_clf):
    result = tiny_clf.segment("\n  \n\t\r\n \u00a0 \n\n")
    assert result.lines == [] and result.comments == []


def test_plain_text_gives_one_stripped_line_per_non_blank_input_line_in_order(tiny_clf):
    page = "  Headline  \n\n\tThe article.\r\nReply\rGreat story!   \n   \nBob, 2 hours ago"
    result = tiny_clf.segment(page, fmt="text")
    assert [line.text for line in result.lines] == [
        "Headline", "The article.", "Reply", "Great story!", "Bob, 2 hours ago",
    ]
    assert all(line.label in ("body", "boilerplate", "comment") for line in result.lines)
    for line in result.lines:
        assert (line.comment is None) == (line.label != "comment")


def test_a_one_megabyte_line_is_one_line(tiny_clf):
    line = ("word " * 210_000).strip()
    assert len(line) > 1_000_000
    result = tiny_clf.segment(line + "\n")
    assert len(result.lines) == 1
    # Kept as one (clipped) block: a megabyte-long line costs no more than a long one.
    assert line.startswith(result.lines[0].text) and len(result.lines[0].text) <= MAX_BLOCK_CHARS


def test_a_ten_thousand_line_page_completes(tiny_clf):
    page = "\n".join(f"Line {i} of a very long page." for i in range(10_000))
    result = tiny_clf.segment(page)
    assert len(result.lines) == 10_000
    assert result.lines[-1].text == "Line 9999 of a very long page."


def test_non_utf8_bytes_are_decoded_as_cp1252_and_reported(tiny_clf, caplog):
    data = "Caf\u00e9 au lait\nSecond line".encode("latin-1")
    with caplog.at_level(logging.WARNING, logger="modclf"):
        result = tiny_clf.segment(data)
    assert [line.text for line in result.lines] == ["Caf\u00e9 au lait", "Second line"]
    assert result.warnings and "not valid UTF-8" in result.warnings[0]
    assert any("not valid UTF-8" in r.getMessage() for r in caplog.records)


def test_utf8_bom_and_utf16_are_read():
    assert decode_bytes("\ufeffHello".encode()) == ("Hello", [])
    assert decode_bytes("Hello\nW\u00f6rld".encode("utf-16")) == ("Hello\nW\u00f6rld", [])


def test_binary_content_is_a_clear_input_error(tiny_clf):
    binary = bytes(range(256)) * 8
    with pytest.raises(InputError, match="binary"):
        tiny_clf.segment(binary)
    with pytest.raises(InputError, match="binary"):
        read_page(b"%PDF-1.4\x00\x00\x01\x02stream", source="report.pdf")


def test_html_drops_scripts_styles_iframes_hidden_and_template_content(tiny_clf):
    html = """<!doctype html><html><head><title>T</title><style>p { color: red }</style></head>
    <body>
      <script>var tracking = "SCRIPT";</script>
      <h1>Council passes budget</h1>
      <p>The council met on <b>Tuesday</b>.</p>
      <iframe src="ad.html">IFRAME fallback</iframe>
      <div hidden>HIDDEN attribute</div>
      <div style="display: none">HIDDEN by style</div>
      <div aria-hidden="true">HIDDEN for readers</div>
      <template><p>TEMPLATE row</p></template>
      <noscript>NOSCRIPT text</noscript>
      <div class="comment"><p>Great story!</p></div>
      <!-- an HTML comment -->
    </body></html>"""
    texts = [block.text for block in read_page(html).blocks]
    assert texts == ["Council passes budget", "The council met on Tuesday.", "Great story!"]
    result = tiny_clf.segment(html)
    assert result.format == "html"
    assert [line.text for line in result.lines] == texts


def test_save_and_load_round_trip_gives_identical_output(tiny_clf, tmp_path):
    page = "\n".join(f"Line {i}: the council {'met' if i % 2 else 'voted'} on day {i}." for i in range(40))
    tiny_clf.save_pretrained(tmp_path / "a")
    loaded = ModClf.from_pretrained(tmp_path / "a")
    loaded.save_pretrained(tmp_path / "b")
    reloaded = ModClf.from_pretrained(tmp_path / "b")

    # Weights are saved as fp16: a loaded model is the original up to fp16 rounding ...
    original = tag_log_probs(tiny_clf.model, tiny_clf.tokenizer, read_page(page))
    first = tag_log_probs(loaded.model, loaded.tokenizer, read_page(page))
    np.testing.assert_allclose(first, original, atol=1e-2)
    assert loaded.segment(page).as_dict() == tiny_clf.segment(page).as_dict()
    # ... and saving and loading again changes nothing at all.
    second = tag_log_probs(reloaded.model, reloaded.tokenizer, read_page(page))
    np.testing.assert_array_equal(second, first)
    assert reloaded.segment(page).as_dict() == loaded.segment(page).as_dict()
    assert reloaded.config.to_dict() == loaded.config.to_dict()


# --- dump records ----------------------------------------------------------------------------------


def _records(path, **kwargs):
    return [(r.number, r.id, r.error) for r in iter_records(path, **kwargs)]


def test_jsonl_malformed_records_come_out_as_errors_with_line_numbers(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_bytes(
        b'{"id": "a", "page": "Hello"}\n'
        b"not json\n"
        b"[1, 2]\n"
        b"\n"
        b'{"page": "no id"}\n'
        b'{"id": "n", "page": null}\n'
        b'{"id": "m"}\n'
        b'{"id": 7, "page": "int id"}\n'
        b'{"id": {"x": 1}, "page": "bad id"}\n'
        b'{"id": "b", "page": "caf\xe9"}\n'
    )
    got = _records(path, required=["page"])
    assert got[0] == (1, "a", None)
    assert got[1][:2] == (2, 2) and got[1][2].startswith("invalid JSON")
    assert got[2] == (3, 3, "expected a JSON object, got list")
    # line 4 is blank: not a record
    assert got[3] == (5, 5, "missing field 'id'")
    assert got[4] == (6, "n", "field 'page' is null")
    assert got[5] == (7, "m", "missing field 'page'")
    assert got[6] == (8, 7, None)
    assert got[7][:2] == (9, 9) and "string or an integer" in got[7][2]
    assert got[8] == (10, "b", None)
    # Invalid UTF-8 survives reading; decoding it (modclf.pages) guesses the charset and reports it.
    page = list(iter_records(path))[-1].fields["page"]
    assert decode_bytes(text_bytes(page))[0] == "caf\u00e9"


def test_jsonl_gz_is_read(tmp_path):
    path = tmp_path / "dump.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for i in range(3):
            f.write(json.dumps({"id": f"p{i}", "page": f"Page {i}"}) + "\n")
    records = list(iter_records(path, required=["page"]))
    assert [(r.id, r.fields["page"], r.error) for r in records] == [(f"p{i}", f"Page {i}", None) for i in range(3)]


def test_csv_malformed_rows_come_out_as_errors_with_row_numbers(tmp_path):
    path = tmp_path / "dump.csv"
    path.write_text(
        'id,page\n'
        'a,"Line one\nLine two"\n'
        'b,x,extra\n'
        'c\n'
        ',no id\n'
        'd,"a ""quoted"" page"\n',
        encoding="utf-8",
    )
    got = _records(path, required=["page"])
    assert got[0] == (1, "a", None)
    assert got[1][:2] == (2, "b") and "3 field(s), the header has 2" in got[1][2]
    assert got[2][:2] == (3, "c") and "1 field(s)" in got[2][2]
    assert got[3] == (4, 4, "missing field 'id'")
    assert got[4] == (5, "d", None)
    assert list(iter_records(path))[0].fields["page"] == "Line one\nLine two"


def test_csv_reads_a_one_megabyte_field(tmp_path):
    path = tmp_path / "big.csv"
    big = "x" * 1_100_000
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", "page"], ["big", big], ["small", "ok"]])
    records = list(iter_records(path, required=["page"]))
    assert [r.error for r in records] == [None, None]
    assert records[0].fields["page"] == big


def test_csv_and_parquet_without_the_page_column_are_an_input_error(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "d.csv").write_text("id,text\na,b\n")
    with pytest.raises(InputError, match="no column.*'page'.*columns: id, text"):
        list(iter_records(tmp_path / "d.csv", required=["page"]))
    pq.write_table(pa.table({"id": ["a"], "text": ["b"]}), tmp_path / "d.parquet")
    with pytest.raises(InputError, match="no column.*'page'"):
        list(iter_records(tmp_path / "d.parquet", required=["page"]))


def test_parquet_is_read_in_batches_with_row_numbers(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pages = [f"Page {i}" for i in range(150)]
    pages[100] = None
    table = pa.table({"id": [f"p{i}" for i in range(150)], "page": pages, "other": list(range(150))})
    pq.write_table(table, tmp_path / "d.parquet", row_group_size=70)
    records = list(iter_records(tmp_path / "d.parquet", required=["page"], columns=[]))
    assert [r.number for r in records] == list(range(1, 151))
    assert records[100].error == "field 'page' is null" and records[100].id == "p100"
    assert set(records[0].fields) == {"id", "page"}  # only the columns asked for


def test_parquet_without_pyarrow_names_the_extra_to_install(tmp_path, monkeypatch):
    """pyarrow is the `parquet` extra: Parquet input, output and label files say how to get it."""
    import sys

    from modclf import LabelFileError
    from modclf.batch.dumps import check_output_path, input_kind
    from modclf.training.sources.labels import load_label_files

    (tmp_path / "d.parquet").write_bytes(b"PAR1")
    for name in ("pyarrow", "pyarrow.parquet"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails as if not installed
    for call in (lambda: input_kind(tmp_path / "d.parquet"), lambda: list(iter_records(tmp_path / "d.parquet")),
                 lambda: check_output_path(tmp_path / "out.parquet")):
        with pytest.raises(InputError, match=r"pip install 'modclf\[parquet\]'"):
            call()
    with pytest.raises(LabelFileError, match=r"pip install 'modclf\[parquet\]'"):
        load_label_files([tmp_path / "d.parquet"])
    assert check_output_path(tmp_path / "out.jsonl")  # other formats need no pyarrow


def test_folder_of_pages_gives_relative_ids_in_sorted_order(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.txt").write_text("B")
    (tmp_path / "a.html").write_text("<p>A</p>")
    (tmp_path / "sub" / "c.htm").write_text("<p>C</p>")
    (tmp_path / "notes.md").write_text("skipped")
    (tmp_path / ".hidden.txt").write_text("skipped")
    records = list(iter_records(tmp_path))
    assert [(r.number, r.id) for r in records] == [(1, "a.html"), (2, "b.txt"), (3, "sub/c.htm")]
    assert records[0].fields == {"id": "a.html", "page": b"<p>A</p>", "format": "html"}


def test_single_page_file_is_one_record_named_after_the_file(tmp_path):
    path = tmp_path / "story.txt"
    path.write_bytes(b"Headline\nBody")
    (record,) = iter_records(path, required=["page"])
    assert (record.number, record.id, record.fields["page"], record.error) == (1, "story.txt", b"Headline\nBody", None)


def test_missing_input_and_unknown_extension_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        list(iter_records(tmp_path / "missing.jsonl"))
    (tmp_path / "page.docx").write_bytes(b"PK")
    with pytest.raises(InputError, match=r"unknown file type.*\.jsonl"):
        list(iter_records(tmp_path / "page.docx"))


def test_reading_a_dump_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "big.jsonl"
    page = "A line of a scraped page.\n" * 2000  # ~50 KB
    with open(path, "w", encoding="utf-8") as f:
        for i in range(200):  # ~10 MB in all
            f.write(json.dumps({"id": i, "page": page}) + "\n")
    tracemalloc.start()
    try:
        count = sum(1 for record in iter_records(path, required=["page"]) if record.error is None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200
    assert peak < 2_000_000, f"reading a 10 MB dump peaked at {peak} bytes"


def test_reject_writer_appends_json_lines(tmp_path):
    path = default_rejects_path(tmp_path / "out.jsonl.gz")
    assert path.name == "out.rejects.jsonl"
    with RejectWriter(path) as rejects:
        rejects.reject("a", 3, "invalid JSON")
    with RejectWriter(path, append=True) as rejects:
        rejects.reject(9, 9, "missing field 'id'")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == [
        {"id": "a", "number": 3, "reason": "invalid JSON"},
        {"id": 9, "number": 9, "reason": "missing field 'id'"},
    ]


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        ("Na\u00efve caf\u00e9 r\u00e9sum\u00e9. " * 20, "Na\u00efve caf\u00e9", "cp1252"),  # Latin-1, long: detected
        ("\u201cQuoted\u201d \u2013 caf\u00e9", "\u201cQuoted\u201d \u2013 caf\u00e9", "cp1252"),  # cp1252, short
    ],
)
def test_non_utf8_text_is_decoded_by_charset(data, text, encoding):
    raw = data.encode("cp1252")
    decoded, warnings = decode_bytes(raw, "p.txt")
    assert decoded.startswith(text) and "\ufffd" not in decoded
    assert warnings and f"decoded as {encoding}" in warnings[0]


def test_utf16_without_bom_and_mislabelled_pages():
    decoded, warnings = decode_bytes("Hello W\u00f6rld, a page in UTF-16".encode("utf-16-le"))
    assert decoded == "Hello W\u00f6rld, a page in UTF-16" and "utf-16-le" in warnings[0]
    # Declares UTF-8 but is cp1252: the declaration is not trusted.
    page = ('<html><head><meta charset="utf-8"></head><body><p>Caf\u00e9 \u201cnews\u201d</p></body></html>' * 5)
    decoded, warnings = decode_bytes(page.encode("cp1252"))
    assert "Caf\u00e9 \u201cnews\u201d" in decoded and warnings
    # A declared charset wins over detection.
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Caf\u00e9</p></body></html>'
    assert "declared" in decode_bytes(page.encode("latin-1"))[1][0]


def test_blocks_over_the_limit_are_reported(caplog):
    with caplog.at_level(logging.WARNING, logger="modclf"):
        page = read_page("Title\n" + "x" * (MAX_BLOCK_CHARS + 5), source="big.txt")
    assert len(page.blocks[1].text) == MAX_BLOCK_CHARS and page.blocks[1].cut
    assert page.warnings == [f"big.txt: 1 block(s) longer than {MAX_BLOCK_CHARS:,} characters; only their "
                             f"first {MAX_BLOCK_CHARS:,} are read"]
