"""Property-based tests of the page readers, the dump readers and the decoder (hypothesis).

Nothing but a documented ModClfError may escape a reader, and a batch run over bad records
reports each one and goes on. Example counts are kept small: the suite must stay fast.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from modclf import ModClfError
from modclf.batch.dumps import iter_records
from modclf.decode import BODY, COMMENT_BEGIN, COMMENT_INSIDE, viterbi
from modclf.pages import read_page

# Derandomized: the same examples on every run, so CI cannot fail by chance (hypothesis's database
# still keeps any failure found while developing).
FAST = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
TAGS = ["p", "div", "span", "article", "section", "li", "ul", "a", "b", "script", "style", "template", "iframe",
        "table", "tr", "td", "br", "img", "h1", "footer", "nav", "!--", "![CDATA["]


@st.composite
def html_pages(draw):
    """HTML-ish documents: nested, unclosed, truncated, with NULs, odd bytes and huge attributes."""
    charset = draw(st.sampled_from(["utf-8", "latin-1", "bogus", "''"]))
    parts = [f"<html><head><meta charset={charset}></head><body>"]
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(st.sampled_from(TAGS))
        kind = draw(st.integers(0, 4))
        if kind == 0:
            parts.append(f"<{tag} class='{draw(st.text(max_size=20))}'>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            parts.append(draw(st.text(max_size=80)))
        elif kind == 3:
            parts.append(f"<{tag} data-x=\"{'x' * draw(st.integers(0, 100_000))}\">")
        else:
            parts.append("<div>" * draw(st.integers(0, 3000)))
    text = "".join(parts)
    data = text.encode(draw(st.sampled_from(["utf-8", "utf-16", "latin-1"])), errors="replace")
    cut = draw(st.integers(0, len(data)))
    return data[:cut] + draw(st.binary(max_size=20))


def _read(page, fmt):
    try:
        result = read_page(page, fmt=fmt)
    except ModClfError:
        return None
    assert all(isinstance(block.text, str) and block.text.strip() for block in result.blocks)
    return result


@FAST
@given(page=st.one_of(st.binary(max_size=2000), st.text(max_size=2000)), fmt=st.sampled_from(["auto", "text", "html"]))
def test_random_bytes_and_text_never_escape_as_other_errors(page, fmt):
    _read(page, fmt)


@FAST
@given(page=html_pages())
def test_broken_nested_and_giant_html_is_read_or_refused_clearly(page):
    _read(page, "html")
    _read(page, "auto")


@FAST
@given(page=st.one_of(html_pages(), st.binary(max_size=500)))
def test_segmenting_any_page_gives_lines_or_a_modclf_error(_tiny_clf, page):
    try:
        result = _tiny_clf.segment(page)
    except ModClfError:
        return
    assert all(line.label in ("body", "boilerplate", "comment") for line in result.lines)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
JSONL_LINES = st.one_of(
    st.dictionaries(st.sampled_from(["id", "page", "comment", "article", "article_id", "x"]), JSON_VALUES, max_size=5)
    .map(lambda d: json.dumps(d).encode()),
    st.binary(max_size=60).filter(lambda b: b"\n" not in b),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
)


@FAST
@given(lines=st.lists(JSONL_LINES, max_size=12))
@example(lines=[b"\xef\xbb\xbf"])  # found by CI: a file that is only a byte order mark
def test_jsonl_dumps_give_one_record_per_line_and_reasons_for_the_bad_ones(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("dump") / "d.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    try:
        records = list(iter_records(path, required=["page"]))
    except ModClfError:
        return
    # One record per non-blank line, numbered by its line (a UTF-8 BOM opening the file is not content).
    content = [line[3:] if i == 1 and line.startswith(b"\xef\xbb\xbf") else line for i, line in enumerate(lines, 1)]
    assert [r.number for r in records] == [i for i, line in enumerate(content, 1) if line.strip()]
    # A page of the wrong type passes the reader; segmenting it rejects it with a reason (below).
    for record in records:
        assert record.error is not None or "page" in record.fields


CSV_CELLS = st.text(alphabet=st.sampled_from(list('ab,"\n\r\x00 é')), max_size=12)


@FAST
@given(header=st.lists(st.sampled_from(["id", "page", "comment", "x", '"', ""]), min_size=1, max_size=4),
       rows=st.lists(st.lists(CSV_CELLS, max_size=5), max_size=8), raw=st.binary(max_size=40))
def test_csv_dumps_with_broken_quoting_are_read_or_refused_clearly(tmp_path_factory, header, rows, raw):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    path = tmp_path_factory.mktemp("dump") / "d.csv"
    path.write_bytes(buffer.getvalue().encode() + raw)
    try:
        records = list(iter_records(path, required=["page"]))
    except ModClfError:
        return
    assert all(r.error is not None or "page" in r.fields for r in records)


@FAST
@given(lines=st.lists(JSONL_LINES, min_size=1, max_size=10))
def test_a_batch_run_accounts_for_every_record(_tiny_clf, tmp_path_factory, lines):
    from modclf.batch.engine import RunOptions
    from modclf.batch.jobs import segment_file

    folder = tmp_path_factory.mktemp("run")
    good = json.dumps({"id": "good", "page": "Headline\nThe article text.\nReply\nA comment."}).encode()
    (folder / "d.jsonl").write_bytes(b"\n".join([*lines, good]) + b"\n")
    summary = segment_file(_tiny_clf, folder / "d.jsonl", folder / "out.jsonl", folder / "rejects.jsonl",
                           options=RunOptions(window=4, progress=False))
    written = [json.loads(line)["id"] for line in (folder / "out.jsonl").read_text().splitlines()]
    rejects = (folder / "rejects.jsonl").read_text().splitlines() if (folder / "rejects.jsonl").exists() else []
    assert summary.read == sum(1 for line in lines if line.strip()) + 1 and len(written) + len(rejects) == summary.read
    assert "good" in written or any('"good"' in r for r in rejects)
    for reject in map(json.loads, rejects):
        assert reject["reason"] and "unexpected" not in reject["reason"], reject


@settings(max_examples=200, deadline=None, derandomize=True)
@given(scores=st.lists(st.lists(st.floats(-50, 50), min_size=4, max_size=4), max_size=60),
       minus_inf=st.lists(st.tuples(st.integers(0, 59), st.integers(0, 3)), max_size=20))
def test_viterbi_paths_always_obey_the_page_grammar(scores, minus_inf):
    log_probs = np.array(scores, dtype=float).reshape(-1, 4)
    for row, tag in minus_inf:
        if row < len(log_probs) and tag != 1:  # boilerplate stays possible, so a path always exists
            log_probs[row, tag] = -np.inf
    tags = viterbi(log_probs)
    assert len(tags) == len(log_probs)
    seen_comment = False
    for tag in tags:
        if tag == COMMENT_INSIDE:
            assert seen_comment, "a comment continues before any comment began"
        if tag == BODY:
            assert not seen_comment, "article body after a comment"
        seen_comment |= tag == COMMENT_BEGIN


def test_pages_of_the_wrong_type_are_rejected_with_a_reason(_tiny_clf, tmp_path):
    from modclf.batch.engine import RunOptions
    from modclf.batch.jobs import segment_file

    lines = ['{"id": 0, "page": []}', '{"id": 1, "page": {"a": 1}}', '{"id": 2, "page": 5}', '{"id": 3, "page": "A.\\nB."}']
    (tmp_path / "d.jsonl").write_text("\n".join(lines) + "\n")
    summary = segment_file(_tiny_clf, tmp_path / "d.jsonl", tmp_path / "out.jsonl", tmp_path / "r.jsonl",
                           options=RunOptions(window=4, progress=False))
    rejects = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert summary.read == 4 and [r["id"] for r in rejects if r["id"] != 3] == [0, 1, 2]
    assert all("unexpected" not in r["reason"] for r in rejects), rejects
