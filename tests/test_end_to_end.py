"""End-to-end checks on the released model (skipped when it or the seed page is absent)."""

from __future__ import annotations

import pytest
from conftest import REPO, SEED_PAGE, load_training_script, needs_released_model

from modclf import ModClf

CHROME = {"Loaded: 0%", "Progress: 0%", "0:00", "Previous", "Play", "Skip", "Mute", "Current Time0:00", "/",
          "Duration Time1:09", "Fullscreen", "+8", "View gallery"}


@pytest.fixture(scope="module")
def released():
    # fp32: exact labels must not change with the CPU (auto is bf16 where the CPU has it natively).
    return ModClf.from_pretrained(precision="fp32")


@needs_released_model
@pytest.mark.skipif(not SEED_PAGE.exists(), reason=f"seed page not found at {SEED_PAGE}")
def test_seed_page(released):
    text = SEED_PAGE.read_text(encoding="utf-8")
    source_lines = [line.strip() for line in text.splitlines() if line.strip()]
    page = released.segment(text)
    assert [line.text for line in page.lines] == source_lines

    # The two final lines are two separate comments.
    assert [c.text for c in page.comments][-2:] == source_lines[-2:]
    assert [line.label for line in page.lines[-2:]] == ["comment", "comment"]
    assert page.lines[-2].comment != page.lines[-1].comment
    # Nothing before the article's last paragraph is a comment.
    assert all(line.label != "comment" for line in page.lines[:-3])

    # Video-player and gallery chrome is boilerplate.
    for line in page.lines:
        if line.text in CHROME:
            assert line.label == "boilerplate", line.text

    # Captions right after a gallery link are boilerplate.
    after_gallery = [nxt for line, nxt in zip(page.lines, page.lines[1:])
                     if line.text == "View gallery" and nxt.text not in CHROME]
    assert len(after_gallery) >= 5 and all(c.label == "boilerplate" for c in after_gallery)
    assert page.lines[0].label == "body"
    paragraphs = [line for line in page.lines[:-3] if len(line.text.split()) > 15 and line.text.endswith((".", "’", "?"))]
    assert paragraphs and all(line.label == "body" for line in paragraphs)


@needs_released_model
def test_bundled_examples_segment_sensibly(released):
    page = released.segment((REPO / "examples" / "pages" / "harbour_bridge.txt").read_text())
    assert len(page.comments) >= 2
    assert "harbour bridge" in page.body.lower()
    assert all("View gallery" != c.text for c in page.comments)
    html = released.segment((REPO / "examples" / "pages" / "library_reopens.html").read_text())
    assert "Millbrook" in html.body
    assert not any("track(" in line.text or "dataLayer" in line.text for line in html.lines)


@needs_released_model
@pytest.mark.skipif(not SEED_PAGE.exists(), reason=f"seed page not found at {SEED_PAGE}")
def test_seed_page_has_exactly_the_two_comments(released):
    text = SEED_PAGE.read_text(encoding="utf-8")
    source_lines = [line.strip() for line in text.splitlines() if line.strip()]
    page = released.segment(text)
    assert [c.text for c in page.comments] == source_lines[-2:]
    assert page.lines[-3].label == "body"
    # Photo captions repeat an article sentence without its final full stop: boilerplate.
    body_sentences = {line.text.rstrip(".") for line in page.lines if line.text.endswith(".")}
    captions = [line for line in page.lines if not line.text.endswith((".", "?", "’", "'")) and line.text in body_sentences]
    # ... and the lines right after a gallery link are the photos' captions.
    captions += [nxt for line, nxt in zip(page.lines, page.lines[1:])
                 if line.text == "View gallery" and not nxt.text.endswith(".") and nxt.text not in CHROME]
    assert len(captions) >= 5
    for caption in captions:
        assert caption.label == "boilerplate", caption.text


@needs_released_model
@pytest.mark.skipif(not SEED_PAGE.exists(), reason=f"seed page not found at {SEED_PAGE}")
def test_seed_page_scores(released):
    page = released.segment(SEED_PAGE.read_text(encoding="utf-8"))
    first, second = released.score([c.text for c in page.comments[-2:]], article=page.body)
    threats = released.score(["We should hang every one of those traitors.",
                              "Grab your guns, we storm the parliament tomorrow.",
                              "Someone needs to put a bullet in that politician's head.",
                              "I will find you and kill you and your whole family tonight."], article=page.body)
    assert first.incitement > second.incitement
    mean_threat = sum(t.incitement for t in threats) / len(threats)
    assert mean_threat - first.incitement > 0.4 and mean_threat - second.incitement > 0.4
    assert all(t.incitement > first.incitement for t in threats)
    assert second.off_topic > first.off_topic
    for score in (first, second, *threats):
        assert 0.0 <= score.incitement <= 1.0 and 0.0 <= score.off_topic <= 1.0


@needs_released_model
def test_comment_without_article_has_no_off_topic(released):
    score = released.score("What a lovely day.")
    assert score.off_topic is None and 0.0 <= score.incitement <= 1.0



@needs_released_model
@pytest.mark.skipif(not SEED_PAGE.exists(), reason=f"seed page not found at {SEED_PAGE}")
def test_modern_page_labels_fit_the_pages_and_find_the_known_faults(released):
    """training/modern_pages.py's hand labels: one per line, consistent with the checks above, and
    the released model gets at most one seed-page line wrong ("Need Text", a video placeholder)."""
    modern_pages = load_training_script("modern_pages")
    for name, (path, spec) in modern_pages.PAGES.items():
        source_lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        expected = modern_pages.expected_lines(spec)
        assert len(expected) == len(source_lines), name
        assert all(label == "boilerplate" for (label, _), line in zip(expected, source_lines) if line in CHROME), name
    path, spec = modern_pages.PAGES["seed_page"]
    expected = modern_pages.expected_lines(spec)
    assert [label for label, _ in expected[-3:]] == ["body", "comment", "comment"] and expected[-1][1] == 1
    wrong = {w["line"] for w in modern_pages.check(released, path.read_text(encoding="utf-8"), spec)["wrong"]}
    assert wrong <= {17}
    # A line whose label disagrees is reported: the same labels with the headline's first line flipped.
    flipped = [("boilerplate", 1), ("body", 4)] + spec[1:]
    assert 0 in {w["line"] for w in modern_pages.check(released, path.read_text(encoding="utf-8"), flipped)["wrong"]}
