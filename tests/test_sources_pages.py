"""Segmentation data: the synthesizer's labels, its determinism, the aligner, and one real page."""

from __future__ import annotations

import pytest

from modclf.pages import Block, text_blocks
from modclf.training.sources import resolve_data_dir
from modclf.training.sources.aligner import align_blocks
from modclf.training.sources.page_loaders import split_dragnet_gold, split_of
from modclf.training.sources.page_synthesizer import synthesize_pages
from modclf.training.sources.types import LINE_LABELS

ARTICLES = [
    {
        "id": f"test/{i}",
        "title": f"Council votes on the new bridge {i}",
        "paragraphs": [
            f"The city council voted on Tuesday to fund bridge number {i}, ending a long debate.",
            "Supporters said the crossing would cut travel times, while critics worried about the cost.",
            "Construction is expected to begin next spring and to last about two years.",
        ],
        "group": f"test/{i}",
    }
    for i in range(4)
]
CHROME = ["Home", "Local news", "Weather", "Sign in", "Subscribe today", "Contact the newsroom"]
COMMENTS = [
    {"text": "About time they did this.", "author": "reader1", "thread_id": "t1", "group": "conv/a"},
    {"text": "Who pays for it?\nNot me, I hope.", "author": "", "thread_id": "t1", "group": "conv/a"},
    {"text": "The old bridge was fine.", "author": "bob", "thread_id": "t2", "group": "conv/a"},
    {"text": "yes", "author": "", "thread_id": "t3", "group": "conv/b"},
]


@pytest.fixture(scope="module")
def pages():
    return synthesize_pages(ARTICLES, CHROME, COMMENTS, n=60, seed=3, split="train")


def test_synthetic_pages_are_consistent(pages):
    assert len(pages) == 60
    for page in pages:
        assert page.format == "text" and page.boundaries_known
        assert len(page.blocks) == len(page.labels) == len(page.comment_index) > 0
        assert [b.text for b in page.blocks] == [b.text for b in text_blocks(page.raw)]
        assert set(page.labels) <= set(LINE_LABELS)
        for label, index in zip(page.labels, page.comment_index, strict=True):
            assert (label == "comment") == (index is not None)


def test_comment_indices_are_contiguous(pages):
    for page in pages:
        order = [i for i in page.comment_index if i is not None]
        runs = [i for k, i in enumerate(order) if k == 0 or i != order[k - 1]]
        assert runs == list(range(len(runs))), page.id  # 0, 1, 2, ... each comment in one run


def test_chrome_lines_are_boilerplate_and_body_is_article_text(pages):
    article_text = {t for a in ARTICLES for t in [a["title"], *a["paragraphs"]]}
    for page in pages:
        for block, label in zip(page.blocks, page.labels, strict=True):
            if block.text in CHROME:
                assert label == "boilerplate", (page.id, block.text)
            if label == "body":
                assert block.text in article_text, (page.id, block.text)
    kinds = {page.meta["kind"] for page in pages}
    assert kinds == {"full", "article_only", "comments_only"}


def test_synthesis_is_deterministic_by_seed():
    first = synthesize_pages(ARTICLES, CHROME, COMMENTS, n=10, seed=7, split="dev")
    again = synthesize_pages(ARTICLES, CHROME, COMMENTS, n=10, seed=7, split="dev")
    other = synthesize_pages(ARTICLES, CHROME, COMMENTS, n=10, seed=8, split="dev")
    assert [(p.raw, p.labels, p.comment_index) for p in first] == [
        (p.raw, p.labels, p.comment_index) for p in again
    ]
    assert [p.raw for p in first] != [p.raw for p in other]


def test_synthesis_without_comments_or_articles():
    no_comments = synthesize_pages(ARTICLES, CHROME, [], n=5, seed=0, split="train")
    assert all("comment" not in p.labels for p in no_comments)
    only_comments = synthesize_pages([], CHROME, COMMENTS, n=5, seed=0, split="train")
    assert all("body" not in p.labels for p in only_comments)
    assert synthesize_pages(ARTICLES, CHROME, COMMENTS, n=0, seed=0, split="train") == []


def test_aligner_labels_body_comments_and_chrome():
    blocks = [
        Block("Home"),
        Block("Bridge plan approved"),
        Block("By Jane Smith"),
        Block("The city council voted on Tuesday to fund the bridge, ending a long debate."),
        Block("Workers at the river", tag="p", dom_words=("photo", "caption")),
        Block("Critics worried about the cost of the project and its delays."),
        Block("Share this article"),
        Block("posted by frank on July 3, 2012"),
        Block("I think this bridge is a waste of money and time."),
        Block("Reply"),
    ]
    gold_body = (
        "Bridge plan approved\nBy Jane Smith\nThe city council voted on Tuesday to fund the bridge, ending a long "
        "debate.\nWorkers at the river\nCritics worried about the cost of the project and its delays."
    )
    gold_comments = (
        "posted by frank on July 3, 2012\nI think this bridge is a waste of money and time.\nReply"
    )
    labels, stats = align_blocks(blocks, gold_body, gold_comments)
    assert labels == [
        "boilerplate",
        "body",
        "boilerplate",
        "body",
        "boilerplate",
        "body",
        "boilerplate",
        "boilerplate",
        "comment",
        "boilerplate",
    ]
    assert stats["coverage_body"] > 0.7 and stats["coverage_comments"] > 0.5


def test_aligner_follows_document_order_through_repeated_text():
    # A listing repeats the same description and field names on every entry, and the gold holds
    # each repetition; every block must find its own occurrence instead of all claiming the first.
    entry = "Get started with Windows XP and learn what makes it more than an operating system upgrade."
    blocks, gold = [Block("Computer classes")], ["Computer classes"]
    for room in ("Rm. 111", "Rm. 112", "Rm. 113"):
        blocks += [Block("Windows XP"), Block(entry), Block("Location:"), Block(room)]
        gold += ["Windows XP", entry, "Location:", room]
    blocks.append(Block("Site index | Contact us"))
    labels, stats = align_blocks(blocks, "\n".join(gold))
    assert labels == ["body"] * 13 + ["boilerplate"]
    assert stats["duplicates_removed"] == 0 and stats["coverage_body"] == 1.0


def test_aligner_treats_said_comma_headers_as_chrome():
    blocks = [
        Block("The council approved the bridge plan after a long debate on Tuesday."),
        Block("Progress Trap said,"),
        Block("There is one benefit of the plan though and it is the lower cost."),
    ]
    labels, _ = align_blocks(blocks, blocks[0].text, "Progress Trap said,\n" + blocks[2].text)
    assert labels == ["body", "boilerplate", "comment"]


def test_dragnet_gold_separator_is_matched_loosely():
    for separator in (
        "!@#$%^&*()  COMMENTS",
        "!@ $%^&*()  COMMNENTS",
        "!@#$%^&*()",
        "!!@#$%^&*()  COMMENTS\r",
    ):
        body, comments = split_dragnet_gold(f"Article text.\n{separator}\nA comment.")
        assert (body, comments) == ("Article text.", "A comment."), separator


def test_split_is_stable():
    assert split_of("cbsnews.com") == split_of("cbsnews.com")
    share = sum(split_of(f"host{i}.com") == "dev" for i in range(2000)) / 2000
    assert 0.15 < share < 0.25


DATA_DIR = resolve_data_dir()
HAS_DRAGNET = (DATA_DIR / "pages" / "dragnet_train" / "html.tar.xz").exists()


@pytest.mark.skipif(not HAS_DRAGNET, reason=f"Dragnet data not found under {DATA_DIR} (set MODCLF_DATA_DIR)")
def test_load_dragnet_labels_known_pages_sensibly():
    from modclf.training.sources.page_loaders import load_dragnet

    pages = {p.id: p for p in load_dragnet(ids=["100", "369"])}
    cbs = pages["dragnet/100"]  # AP story on cbsnews.com: nav, headline, a photo caption, body
    assert cbs.group == "cbsnews.com" and cbs.format == "html"
    assert cbs.meta["coverage_body"] > 0.9
    label_of = {b.text: lab for b, lab in zip(cbs.blocks, cbs.labels, strict=True)}
    assert label_of["Latest Amelia Earhart search falls short"] == "body"
    assert label_of["CBS Evening News"] == "boilerplate"
    caption = next(t for t in label_of if t.startswith("This undated file photo shows Amelia Earhart"))
    assert label_of[caption] == "boilerplate"
    assert all(i is None for i in cbs.comment_index) and not cbs.boundaries_known

    slashdot = pages["dragnet/369"]  # Slashdot: "by NAME (uid)" comment headers are chrome
    assert slashdot.meta["coverage_comments"] > 0.7
    for block, label in zip(slashdot.blocks, slashdot.labels, strict=True):
        if block.text.startswith("by sethstorm (512897)"):
            assert label == "boilerplate"
        if block.text.startswith("I presume that this guy won't count"):
            assert label == "comment"
