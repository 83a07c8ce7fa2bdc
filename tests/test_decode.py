"""Constrained decoding and comment grouping."""

from __future__ import annotations

import numpy as np
import pytest

from modclf.decode import BODY, BOILERPLATE, COMMENT_BEGIN, COMMENT_INSIDE, group_comments, viterbi
from modclf.features import FEATURE_DIM, page_features
from modclf.pages import Block


def _log_probs(rows):
    return np.log(np.array(rows, dtype=np.float64) + 1e-9)


def test_viterbi_follows_confident_tags():
    rows = [[0.9, 0.1, 0, 0], [0.1, 0.9, 0, 0], [0, 0.1, 0.9, 0], [0, 0.1, 0, 0.9], [0, 0.1, 0.9, 0]]
    assert viterbi(_log_probs(rows)) == [BODY, BOILERPLATE, COMMENT_BEGIN, COMMENT_INSIDE, COMMENT_BEGIN]


def test_no_body_after_a_comment():
    # A line that looks slightly more like body than comment, after the comments began.
    rows = [[0.9, 0.1, 0, 0], [0, 0.05, 0.95, 0], [0.5, 0.05, 0, 0.45]]
    tags = viterbi(_log_probs(rows))
    assert tags[1] == COMMENT_BEGIN and tags[2] != BODY


def test_comment_cannot_continue_before_one_begins():
    rows = [[0.1, 0.1, 0.3, 0.5]]
    assert viterbi(_log_probs(rows)) == [COMMENT_BEGIN]


def test_empty_page_decodes_to_nothing():
    assert viterbi(np.zeros((0, 4))) == []


def test_group_comments_across_chrome_lines():
    tags = [BODY, COMMENT_BEGIN, COMMENT_INSIDE, BOILERPLATE, COMMENT_INSIDE, COMMENT_BEGIN]
    assert group_comments(tags) == [None, 0, 0, None, 0, 1]


def test_features_mark_repeated_lines_and_dom_context():
    blocks = [Block("A sentence about the war."), Block("A sentence about the war"), Block("+8"), Block("+8")]
    text = page_features(blocks, is_html=False)
    assert text.shape == (4, FEATURE_DIM)
    assert text[2, 16] > 0 and text[0, 16] == 0  # exact duplicates counted
    assert text[0, 17] > 0  # near-duplicate once punctuation is ignored (captions)
    html = page_features([Block("Reply", tag="a", dom_words=("comment",), link_density=1.0)], is_html=True)
    assert html[0, 19] == 1.0 and html[0, 20] == 1.0  # is-HTML flag and link density
    assert not np.allclose(html[0, 19:98], 0) and np.allclose(text[:, 19:98], 0)  # DOM columns: HTML only
    assert text[1, 98] == 1.0 and text[0, 99] == 1.0  # the unpunctuated copy echoes the sentence


def test_echo_features_mark_a_caption_and_the_paragraph_it_quotes():
    from modclf.features import echoes

    texts = ["The council approved the new harbour bridge on Tuesday after a long debate.",
             "Reply", "Reply",
             "The council approved the new harbour bridge on Tuesday",  # a caption: the sentence, no full stop
             "Residents said the work would close the old road for the summer.",
             "The council approved a new harbour bridge on Tuesday"]  # reworded: most of its runs recur
    echo, echoed = echoes(texts)
    assert echo[3] == 1.0 and echoed[0] == 1.0
    assert 0.3 < echo[5] < 1.0
    assert echo[0] == 0 and echo[4] == 0 and echoed[4] == 0 and echo[1] == echo[2] == 0


def test_layout_features_keep_the_columns_older_models_read():
    from modclf.features import FEATURE_DIM

    blocks = [Block("A caption quoting the story here"), Block("Story: a caption quoting the story here, in full.")]
    full = page_features(blocks, is_html=False)
    older = page_features(blocks, is_html=False, dim=98)  # modclf-base 0.1.0 / 0.2.0
    assert full.shape == (2, FEATURE_DIM) and older.shape == (2, 98)
    assert (full[:, :98] == older).all() and full[0, 98] == 1.0 and full[1, 99] == 1.0
    with pytest.raises(ValueError, match="upgrade modclf"):
        page_features(blocks, is_html=False, dim=FEATURE_DIM + 1)
