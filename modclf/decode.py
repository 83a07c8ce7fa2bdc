"""Decoding line tags with what we know of how pages are built: comments come after the article.

The model emits, per block, log-probabilities of four tags: body, boilerplate, comment-begin and
comment-inside. A constrained Viterbi search picks the best tag sequence in which no body line
follows a comment and a comment can only be continued once one has begun.
"""

from __future__ import annotations

import numpy as np

TAGS = ("body", "boilerplate", "comment_begin", "comment_inside")
BODY, BOILERPLATE, COMMENT_BEGIN, COMMENT_INSIDE = range(4)

# Viterbi states: the page is either still in its article part or already in its comments part.
_STATE_TAG = np.array([BODY, BOILERPLATE, COMMENT_BEGIN, COMMENT_INSIDE, BOILERPLATE])
_ARTICLE_STATES = (0, 1)
_COMMENT_STATES = (2, 3, 4)
_NEG = -1e9


def _transitions() -> np.ndarray:
    allowed = np.full((5, 5), _NEG, dtype=np.float64)
    for src in _ARTICLE_STATES:
        allowed[src, [0, 1, 2]] = 0.0
    for src in _COMMENT_STATES:
        allowed[src, [2, 3, 4]] = 0.0
    return allowed


_TRANSITIONS = _transitions()
_START = np.array([0.0, 0.0, 0.0, _NEG, _NEG])


def viterbi(log_probs: np.ndarray) -> list[int]:
    """Best constrained tag sequence (indices into TAGS) for a (n, 4) array of log-probabilities."""
    n = len(log_probs)
    if n == 0:
        return []
    emissions = log_probs.astype(np.float64)[:, _STATE_TAG]
    score = _START + emissions[0]
    backpointers = np.zeros((n, 5), dtype=np.int64)
    for i in range(1, n):
        candidates = score[:, None] + _TRANSITIONS
        backpointers[i] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + emissions[i]
    state = int(score.argmax())
    states = [state]
    for i in range(n - 1, 0, -1):
        state = int(backpointers[i, state])
        states.append(state)
    states.reverse()
    return [int(_STATE_TAG[s]) for s in states]


def group_comments(tags: list[int]) -> list[int | None]:
    """Comment index per block: comment-begin opens a new comment, comment-inside continues it."""
    index: list[int | None] = []
    current = -1
    for tag in tags:
        if tag == COMMENT_BEGIN or (tag == COMMENT_INSIDE and current < 0):
            current += 1
            index.append(current)
        elif tag == COMMENT_INSIDE:
            index.append(current)
        else:
            index.append(None)
    return index
