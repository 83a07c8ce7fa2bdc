"""Comment scoring: the Score API, the moderation policy, score_file and `modclf score`."""

from __future__ import annotations

import csv
import json

import pytest
import torch

from modclf import ConfigError, InputError, Score
from modclf.batch.jobs import NO_ARTICLE, NO_COMMENTS, score_file
from modclf.cli import main
from modclf.policy import DEFAULT_POLICY_PATH, Policy, Thresholds
from modclf.segment import Comment, Line, Page

ARTICLE = "The council approved the new harbour bridge budget on Tuesday after a long debate."
OUTPUT_KEYS = {"id", "text", "incitement", "off_topic", "decision", "reasons", "model"}
# Every comment is flagged on every label it has a score for: decisions do not depend on the
# random tiny model's scores.
FLAG_ALL = "incitement: {review: 0.0, remove: 0.0}\noff_topic: {review: 0.0, remove: null}\n"
NEVER = "incitement: {review: null, remove: null}\noff_topic: {review: null, remove: null}\n"


def _read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write_jsonl(path, records):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def _policy(tmp_path, text, name="policy.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _fake_segment(page, fmt="auto"):
    """Deterministic segmentation: lines starting with '> ' are comments, the rest body."""
    if isinstance(page, bytes):
        page = page.decode()
    lines, comments = [], []
    for text in filter(None, (line.strip() for line in page.splitlines())):
        if text.startswith("> "):
            lines.append(Line(text[2:], "comment", len(comments)))
            comments.append(Comment(text[2:], [len(lines) - 1]))
        else:
            lines.append(Line(text, "body"))
    return Page(lines, comments)


@pytest.fixture()
def fake_segmenting_clf(tiny_clf, monkeypatch):
    monkeypatch.setattr(tiny_clf, "segment", _fake_segment)
    return tiny_clf


# --- the Score API ---------------------------------------------------------------------------------


def test_scores_are_probabilities_and_off_topic_needs_an_article(tiny_clf):
    comments = ["Great story!", "Someone should burn their office down.", "What about the weather?"]
    with_article = tiny_clf.score(comments, article=ARTICLE)
    without = tiny_clf.score(comments)
    assert len(with_article) == len(without) == 3
    for score in with_article:
        assert 0.0 <= score.incitement <= 1.0 and 0.0 <= score.off_topic <= 1.0
    assert all(s.off_topic is None for s in without)
    assert [s.incitement for s in without] == pytest.approx([s.incitement for s in with_article], abs=1e-5)
    assert tiny_clf.score([]) == []


def test_single_comment_gives_single_score(tiny_clf):
    score = tiny_clf.score("Great story!", article=ARTICLE)
    assert isinstance(score, Score)
    assert score.as_dict().keys() == {"incitement", "off_topic"}
    assert score.incitement == pytest.approx(tiny_clf.score(["Great story!"], article=ARTICLE)[0].incitement, abs=1e-5)


@pytest.mark.parametrize("bad", ["", "   \n", ["fine", ""]])
def test_empty_comment_is_an_input_error(tiny_clf, bad):
    with pytest.raises(InputError, match="empty text"):
        tiny_clf.score(bad)


# --- the policy ------------------------------------------------------------------------------------


def test_default_policy_loads_from_the_checkout():
    policy = Policy.load()
    assert DEFAULT_POLICY_PATH.name == "policy.yaml" and DEFAULT_POLICY_PATH.parent.name == "configs"
    assert policy.thresholds["incitement"] == Thresholds(review=0.031, remove=0.103)
    assert policy.thresholds["off_topic"] == Thresholds(review=0.8, remove=None)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (Score(0.1, 0.1), ("allow", [])),
        (Score(0.5, None), ("review", ["incitement"])),  # thresholds are inclusive
        (Score(0.9, 0.1), ("remove", ["incitement"])),
        (Score(0.1, 0.85), ("review", ["off_topic"])),
        (Score(0.1, 1.0), ("review", ["off_topic"])),  # off_topic remove: null never removes
        (Score(0.95, 0.85), ("remove", ["incitement", "off_topic"])),
        (Score(0.6, 0.99), ("review", ["incitement", "off_topic"])),
        (Score(0.1, None), ("allow", [])),  # no article: off_topic never crosses
    ],
)
def test_policy_decisions(score, expected):
    policy = Policy.from_mapping({"incitement": {"review": 0.5, "remove": 0.9}, "off_topic": {"review": 0.8, "remove": None}})
    assert policy.decide(score) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("incitement: {review: 0.5, remove: 1.5}\noff_topic: {review: 0.8, remove: null}\n",
         r"policy.yaml: incitement.remove: expected a probability in \[0, 1\] or null \(never\), got 1.5"),
        ("incitement: {review: 0.95, remove: 0.9}\noff_topic: {review: 0.8, remove: null}\n",
         r"policy.yaml: incitement: review \(0.95\) must not be above remove \(0.9\)"),
        ("incitement: {review: 0.5, remove: 0.9}\noff_topic: {review: 0.8, remove: null}\ntoxicity: {review: 0.5, remove: 0.9}\n",
         r"policy.yaml: unknown label\(s\) toxicity; known labels: incitement, off_topic"),
        ("incitement: {review: 0.5, remove: 0.9}\n", r"policy.yaml: missing label\(s\) off_topic"),
        ("incitement: {review: 0.5, remove: 0.9}\noff_topic: {review: yes, remove: null}\n",
         r"off_topic.review: expected a probability .* got True"),
        ("incitement: {review: 0.5}\noff_topic: {review: 0.8, remove: null}\n", r"incitement: missing remove"),
        ("incitement: {review: 0.5, remove: 0.9, block: 1}\noff_topic: {review: 0.8, remove: null}\n",
         r"incitement: unknown setting\(s\) block; known: review, remove"),
        ("incitement: 0.5\noff_topic: {review: 0.8, remove: null}\n", r"incitement: expected a mapping"),
        ("- 1\n", r"policy.yaml: expected a mapping of labels"),
        ("incitement: {review: [\n", r"policy.yaml: not valid YAML"),
    ],
)
def test_policy_validation_errors_name_file_and_key(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        Policy.load(_policy(tmp_path, text))


def test_missing_policy_file(tmp_path):
    with pytest.raises(ConfigError, match="policy file .*nope.yaml does not exist"):
        Policy.load(tmp_path / "nope.yaml")


# --- score_file ------------------------------------------------------------------------------------


def test_score_file_comments_with_article_text_and_article_id(tiny_clf, tmp_path):
    articles = _write_jsonl(tmp_path / "articles.jsonl", [{"id": "a1", "article": ARTICLE}, {"id": 2, "article": "Other."}])
    dump = _write_jsonl(
        tmp_path / "comments.jsonl",
        [
            {"id": "c1", "comment": "Great story!", "article": ARTICLE},
            {"id": "c2", "comment": "Great story!", "article_id": "a1"},
            {"id": "c3", "comment": "Nice weather today."},
            {"id": 4, "comment": "Nice weather today.", "article_id": "2"},  # ids match as text
        ],
    )
    out = tmp_path / "out.jsonl"
    summary = score_file(tiny_clf, dump, out, tmp_path / "rej.jsonl", articles=articles,
                         policy=Policy.load(_policy(tmp_path, FLAG_ALL)))
    assert (summary.read, summary.written, summary.rejected) == (4, 4, 0)
    records = _read_jsonl(out)
    assert [r["id"] for r in records] == ["c1", "c2", "c3", 4]
    # article_id is kept, as the input gave it, where the input had one.
    assert [set(r) - OUTPUT_KEYS for r in records] == [set(), {"article_id"}, set(), {"article_id"}]
    assert (records[1]["article_id"], records[3]["article_id"]) == ("a1", "2")
    assert all(r["model"] == tiny_clf.model_id == "tiny@0.0.1" for r in records)
    expected = tiny_clf.score("Great story!", article=ARTICLE)
    for record in records[:2]:
        assert record["text"] == "Great story!"
        assert record["incitement"] == pytest.approx(expected.incitement, abs=1e-5)
        assert record["off_topic"] == pytest.approx(expected.off_topic, abs=1e-5)
        assert (record["decision"], record["reasons"]) == ("remove", ["incitement", "off_topic"])
    assert records[2]["off_topic"] is None
    assert (records[2]["decision"], records[2]["reasons"]) == ("remove", ["incitement"])
    assert records[3]["off_topic"] == pytest.approx(tiny_clf.score("Nice weather today.", article="Other.").off_topic, abs=1e-5)
    assert not (tmp_path / "rej.jsonl").exists()  # no rejects: no empty file


def test_score_file_rejects_bad_records_with_line_numbers_and_reasons(tiny_clf, tmp_path):
    articles = _write_jsonl(tmp_path / "articles.jsonl", [{"id": "a1", "article": ARTICLE}, {"id": "bad"}])
    dump = _write_jsonl(
        tmp_path / "comments.jsonl",
        [
            {"id": "ok", "comment": "Fine comment."},
            "{not json",
            {"id": "nofield"},
            {"id": "num", "comment": 42},
            {"id": "empty", "comment": "  "},
            {"id": "unknown", "comment": "Hello", "article_id": "zzz"},
            {"id": "long", "comment": "x" * 100_001},
            {"comment": "no id"},
            {"id": "both", "comment": "Hi", "page": "Body"},
            {"id": "both_articles", "comment": "Hi", "article": ARTICLE, "article_id": "a1"},
            {"id": "unusable", "comment": "Hi", "article_id": "bad"},
            {"id": "idtype", "comment": "Hi", "article_id": [1]},
            {"id": "null", "comment": None},
            {"id": "ok2", "comment": "x" * 100_000, "article_id": "a1"},
        ],
    )
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    summary = score_file(tiny_clf, dump, out, rejects, articles=articles, policy=Policy.load(_policy(tmp_path, NEVER)))
    assert (summary.read, summary.written, summary.rejected) == (14, 2, 12)
    assert [(r["id"], r["decision"], r["reasons"]) for r in _read_jsonl(out)] == [("ok", "allow", []), ("ok2", "allow", [])]
    got = {(r["id"], r["number"]): r["reason"] for r in _read_jsonl(rejects)}
    assert got == {
        (2, 2): got[(2, 2)],
        ("nofield", 3): "missing field 'text' (or 'comment', or 'page')",
        ("num", 4): "field 'comment' must be a string, got int",
        ("empty", 5): "empty comment; there is nothing to score",
        ("unknown", 6): "unknown article_id 'zzz' (not in articles.jsonl)",
        ("long", 7): "comment is 100,001 characters; the limit is 100,000",
        (8, 8): "missing field 'id'",
        ("both", 9): "give either 'comment' or 'page', not both",
        ("both_articles", 10): "give 'article' or 'article_id', not both",
        ("unusable", 11): "article_id 'bad' cannot be used: articles.jsonl: missing field 'article' (or 'page')",
        ("idtype", 12): "field 'article_id' must be a string or an integer, got list",
        ("null", 13): "field 'comment' is null",
    }
    assert got[(2, 2)].startswith("invalid JSON")


def test_article_id_without_articles_file_is_rejected(tiny_clf, tmp_path):
    dump = _write_jsonl(tmp_path / "c.jsonl", [{"id": "c", "comment": "Hi", "article_id": "a1"}])
    summary = score_file(tiny_clf, dump, tmp_path / "o.jsonl", tmp_path / "r.jsonl")
    assert (summary.written, summary.rejected) == (0, 1)
    assert _read_jsonl(tmp_path / "r.jsonl")[0]["reason"] == "article_id 'a1' given but no articles file (--articles)"


def test_page_records_score_each_comment_against_the_page_body(fake_segmenting_clf, tmp_path):
    clf = fake_segmenting_clf
    page = f"Harbour bridge\n{ARTICLE}\n> Great story!\n> Burn it all down.\n"
    dump = _write_jsonl(
        tmp_path / "pages.jsonl",
        [
            {"id": "p1", "page": page},
            {"id": 7, "page": "Only an article, no comments."},
            {"id": "p3", "page": "> A comment on a page without body\n> " + "y" * 100_001},
        ],
    )
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rej.jsonl"
    summary = score_file(clf, dump, out, rejects, policy=Policy.load(_policy(tmp_path, FLAG_ALL)))
    # A page without comments is no error: it has no output row and is counted in the summary.
    assert (summary.read, summary.written, summary.rejected) == (3, 3, 1)
    assert summary.notes == {NO_COMMENTS: 1, NO_ARTICLE: 1}
    assert f"1 {NO_COMMENTS}" in summary.line("records", "comments")
    records = _read_jsonl(out)
    assert [(r["id"], r["text"]) for r in records] == [
        ("p1#0", "Great story!"), ("p1#1", "Burn it all down."), ("p3#0", "A comment on a page without body"),
    ]
    expected = clf.score(["Great story!", "Burn it all down."], article=f"Harbour bridge\n{ARTICLE}")
    for record, score in zip(records, expected):
        assert record["incitement"] == pytest.approx(score.incitement, abs=1e-5)
        assert record["off_topic"] == pytest.approx(score.off_topic, abs=1e-5)
    assert records[2]["off_topic"] is None and records[2]["reasons"] == ["incitement"]
    assert _read_jsonl(rejects) == [
        {"id": "p3#1", "number": 3, "reason": "comment is 100,001 characters; the limit is 100,000"},
    ]


def test_page_records_with_the_real_tiny_segmenter(tiny_clf, tmp_path):
    page = f"Harbour bridge\n{ARTICLE}\nReply\nGreat story!\nBurn it all down.\n"
    dump = _write_jsonl(tmp_path / "pages.jsonl", [{"id": "p", "page": page}])
    out = tmp_path / "out.jsonl"
    score_file(tiny_clf, dump, out, None, policy=Policy.load(_policy(tmp_path, NEVER)))
    comments = tiny_clf.segment(page).comments
    assert [(r["id"], r["text"]) for r in _read_jsonl(out)] == [(f"p#{i}", c.text) for i, c in enumerate(comments)]


def test_articles_file_of_pages_and_each_article_embedded_once(fake_segmenting_clf, tmp_path):
    clf = fake_segmenting_clf
    embedded = []
    real_embed = clf.embed_articles
    clf.embed_articles = lambda texts: (embedded.extend(texts), real_embed(texts))[1]
    articles = tmp_path / "articles.csv"
    with open(articles, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", "page", "article"], ["a", f"Headline\n{ARTICLE}\n> a comment", ""],
                                 ["b", "", "Second article."]])
    dump = _write_jsonl(
        tmp_path / "comments.jsonl",
        [{"id": i, "comment": f"Comment {i}", "article_id": "ab"[i % 2]} for i in range(7)],
    )
    out = tmp_path / "out.jsonl"
    summary = score_file(clf, dump, out, None, articles=articles, policy=Policy.load(_policy(tmp_path, NEVER)),
                         chunk_comments=2)
    assert summary.written == 7
    assert embedded == [f"Headline\n{ARTICLE}", "Second article."]  # the page's body, not the page
    records = _read_jsonl(out)
    assert records[0]["off_topic"] == pytest.approx(clf.score("Comment 0", article=f"Headline\n{ARTICLE}").off_topic, abs=1e-5)


def test_score_csv_input_without_comment_column_fails_before_output(tiny_clf, tmp_path):
    dump = tmp_path / "c.csv"
    dump.write_text("id,body\n1,hello\n")
    with pytest.raises(InputError, match=r"no column 'text' \(or 'comment'\) or 'page'"):
        score_file(tiny_clf, dump, tmp_path / "o.jsonl", tmp_path / "r.jsonl")
    assert not (tmp_path / "o.jsonl").exists()


def test_score_csv_with_empty_cells(tiny_clf, tmp_path):
    dump = tmp_path / "c.csv"
    with open(dump, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["id", "comment", "article"], ["1", "Hello", ""], ["2", "Hi", ARTICLE], ["3", "", ""]])
    out = tmp_path / "o.jsonl"
    summary = score_file(tiny_clf, dump, out, tmp_path / "r.jsonl", policy=Policy.load(_policy(tmp_path, NEVER)))
    assert (summary.written, summary.rejected) == (2, 1)
    assert [r["off_topic"] is None for r in _read_jsonl(out)] == [True, False]
    assert _read_jsonl(tmp_path / "r.jsonl")[0] == {"id": "3", "number": 3, "reason": "field 'comment' is empty"}


# --- the command line ------------------------------------------------------------------------------


def test_cli_score(tiny_model_dir, tmp_path, capsys):
    articles = _write_jsonl(tmp_path / "articles.jsonl", [{"id": "a1", "article": ARTICLE}])
    dump = _write_jsonl(
        tmp_path / "comments.jsonl",
        [{"id": "c1", "comment": "Great story!", "article_id": "a1"}, {"id": "c2", "comment": ""}, "oops"],
    )
    out = tmp_path / "scored.jsonl"
    policy = _policy(tmp_path, FLAG_ALL)
    argv = ["score", str(dump), "-o", str(out), "--articles", str(articles), "--policy", str(policy),
            "--model", str(tiny_model_dir), "--precision", "fp32"]
    assert main(argv) == 0
    (record,) = _read_jsonl(out)
    assert record["id"] == "c1" and record["decision"] == "remove" and record["reasons"] == ["incitement", "off_topic"]
    assert [(r["id"], r["number"]) for r in _read_jsonl(tmp_path / "scored.rejects.jsonl")] == [("c2", 2), (3, 3)]
    err = capsys.readouterr().err.splitlines()
    assert "3 records read, 1 comments written, 2 rejected" in err[-1]


def test_cli_score_errors_are_one_line(tiny_model_dir, tmp_path, capsys):
    dump = _write_jsonl(tmp_path / "c.jsonl", [{"id": "c", "comment": ""}])
    bad_policy = _policy(tmp_path, "incitement: {review: 2, remove: null}\noff_topic: {review: null, remove: null}\n")
    assert main(["score", str(dump), "--policy", str(bad_policy), "--model", str(tiny_model_dir)]) == 1
    assert "incitement.review: expected a probability" in capsys.readouterr().err
    assert main(["score", str(dump), "--articles", str(tmp_path / "missing.jsonl")]) == 1
    assert "missing.jsonl does not exist" in capsys.readouterr().err
    assert main(["score", str(dump), "-o", str(tmp_path / "o.jsonl"), "--model", str(tiny_model_dir)]) == 1
    assert "all 1 record(s)" in capsys.readouterr().err.splitlines()[-1]


def test_auto_precision_resolves_to_a_real_one(monkeypatch):
    from modclf.api import resolve_precision

    assert resolve_precision("fp32") == "fp32" and resolve_precision("bf16") == "bf16"
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)
    assert resolve_precision("auto") == "fp32"  # emulated bf16 would be slower than fp32
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)
    assert resolve_precision("auto") == "bf16"
    with pytest.raises(ValueError, match="precision must be one of"):
        resolve_precision("fp8")


def test_unknown_fields_are_warned_about_with_the_closest_known_name(tiny_clf, tmp_path, caplog):
    dump = _write_jsonl(tmp_path / "c.jsonl", [{"id": 1, "comment": "Hi", "articel_id": "a1"},
                                               {"id": 2, "comment": "Ho", "articel_id": "a1", "colour": "red"}])
    with caplog.at_level("WARNING", logger="modclf"):
        summary = score_file(tiny_clf, dump, tmp_path / "o.jsonl", tmp_path / "r.jsonl")
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == ["c.jsonl: unknown field 'articel_id' is ignored; did you mean 'article_id'?",
                        "c.jsonl: unknown field 'colour' is ignored; known fields: article, article_id, comment, "
                        "format, id, page, text"]
    assert summary.notes == {NO_ARTICLE: 2}


def test_an_empty_input_is_warned_about(tiny_clf, tmp_path, caplog):
    dump = tmp_path / "empty.jsonl"
    dump.write_text("")
    with caplog.at_level("WARNING", logger="modclf"):
        summary = score_file(tiny_clf, dump, tmp_path / "o.jsonl", tmp_path / "r.jsonl")
    assert summary.read == 0 and "empty.jsonl: the input holds no records" in caplog.text


def test_moderate_adds_the_policy_decision(tiny_clf, tmp_path):
    policy = Policy.from_mapping({"incitement": {"review": 0.0, "remove": None}, "off_topic": {"review": None, "remove": None}})
    result = tiny_clf.moderate(["one comment", "another"], article="An article.", policy=policy)
    assert [(s.decision, s.reasons) for s in result] == [("review", ["incitement"])] * 2
    plain = tiny_clf.score("one comment", article="An article.")
    assert result[0].incitement == plain.incitement and plain.decision is None
    assert result[0].as_dict()["decision"] == "review" and "decision" not in plain.as_dict()
    assert tiny_clf.moderate("one comment").decision in ("allow", "review", "remove")  # the default policy


def test_text_is_the_comment_field_too(tiny_clf, tmp_path):
    dump = _write_jsonl(tmp_path / "c.jsonl", [{"id": 1, "text": "Great story!"},
                                               {"id": 2, "text": "a", "comment": "b"}])
    summary = score_file(tiny_clf, dump, tmp_path / "o.jsonl", tmp_path / "r.jsonl")
    assert (summary.written, summary.rejected) == (1, 1)
    assert _read_jsonl(tmp_path / "o.jsonl")[0]["text"] == "Great story!"
    assert "not both" in _read_jsonl(tmp_path / "r.jsonl")[0]["reason"]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_cli_score_spans_match_the_api_and_every_output_format(tiny_model_dir, tmp_path, suffix):
    from modclf import ModClf

    text = "This is fine. But someone should pay for this!\nAnd a third line"
    dump = _write_jsonl(tmp_path / "comments.jsonl", [{"id": "c1", "text": text}, {"id": "c2", "text": "One sentence."}])
    out = tmp_path / f"scored{suffix}"
    assert main(["score", str(dump), "-o", str(out), "--spans", "--model", str(tiny_model_dir), "--precision", "fp32"]) == 0
    expected = ModClf.from_pretrained(tiny_model_dir, precision="fp32").score([text, "One sentence."], spans=True)
    if suffix == ".jsonl":
        rows = _read_jsonl(out)
    elif suffix == ".csv":
        import csv

        rows = [{**r, "spans": json.loads(r["spans"])} for r in csv.DictReader(out.open(encoding="utf-8"))]
    else:
        import pyarrow.parquet as pq

        rows = pq.read_table(out).to_pylist()
    spans = rows[0]["spans"]
    assert [(s["begin"], s["end"]) for s in spans] == [(0, 13), (14, 46), (47, 63)]
    assert [text[s["begin"]:s["end"]] for s in spans][1] == "But someone should pay for this!"
    for got, want in zip(spans + rows[1]["spans"], expected[0].spans + expected[1].spans):
        assert got["incitement"] == pytest.approx(want["incitement"], abs=1e-6)
