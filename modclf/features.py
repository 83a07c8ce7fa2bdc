"""Per-block layout features that the encoder cannot see from one line's text alone.

Position on the page, repetition (photo captions repeat article sentences; chrome repeats), and
for HTML the block's DOM context. They are inputs to the learned sequence layer, not rules.

Columns are only ever appended, so a model keeps reading the first `feature_dim` columns it was
trained with: 98 (0.1.0, 0.2.0), then 100 with the two "echo" columns (how much of one line's wording recurs
in a longer or better-punctuated line: a caption and the paragraph it quotes).
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter

import numpy as np

from modclf.pages import Block

DOM_HASH_BUCKETS = 64
_TAG_GROUPS = (
    ("p",),
    ("h1", "h2", "h3"),
    ("h4", "h5", "h6"),
    ("li", "dd", "dt"),
    ("td", "th", "tr"),
    ("div",),
    ("figcaption", "caption", "figure"),
    ("blockquote",),
    ("pre",),
    ("nav", "header", "footer", "aside"),
    ("article", "section", "main"),
    ("form", "fieldset", "legend", "label"),
)
_TAG_INDEX = {tag: i for i, group in enumerate(_TAG_GROUPS) for tag in group}
_N_TEXT = 12
_N_PAGE = 7
_N_HTML = 2 + len(_TAG_GROUPS) + 1 + DOM_HASH_BUCKETS
_N_ECHO = 2
FEATURE_DIM = _N_TEXT + _N_PAGE + _N_HTML + _N_ECHO
ECHO_MIN_WORDS = 4  # shorter lines ("Reply", "View gallery") repeat as chrome; the counts cover them
ECHO_MAX_LINES_PER_RUN = 8  # a 4-word run on more lines is chrome or boilerplate text; bounds huge pages

_URLISH = re.compile(r"https?://|www\.|@\w|#\w|\.com\b", re.I)
_NORMALIZE = re.compile(r"[^\w]+")
_SENTENCE_END = tuple(".!?\"'”’)")
_QUOTES = tuple("\"'“‘«")


def _normalize(text: str) -> str:
    return _NORMALIZE.sub(" ", text.lower()).strip()


def _text_features(text: str) -> list[float]:
    sample = text[:2000]
    n = max(len(sample), 1)
    words = sample.split()
    upper = sum(c.isupper() for c in sample)
    digits = sum(c.isdigit() for c in sample)
    alpha = sum(c.isalpha() for c in sample)
    punct = n - alpha - digits - sample.count(" ")
    return [
        math.log1p(len(text)) / 10,
        math.log1p(len(words)) / 5,
        upper / max(alpha, 1),
        digits / n,
        punct / n,
        alpha / n,
        float(text.endswith(_SENTENCE_END)),
        float(text[:1].isupper()),
        float(text.startswith(_QUOTES)),
        float(bool(_URLISH.search(sample))),
        float(len(words) <= 3),
        float(text.endswith(":")),
    ]


def echoes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(echoes_another, echoed_by_another) per line, in [0, 1].

    Line A echoes line B by the share of A's 4-word runs (case and punctuation aside) found in B,
    where B is longer or ends a sentence where A does not: a photo caption quoting or lightly
    rewording a paragraph, a pull quote. B gets the best such share among the lines echoing it.
    Exact repeats are left to the counts; runs found on many lines (chrome) are ignored.
    """
    n = len(texts)
    echo, echoed = np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
    words = [_normalize(t[:500]).split() for t in texts]
    runs = [{tuple(w[k : k + ECHO_MIN_WORDS]) for k in range(len(w) - ECHO_MIN_WORDS + 1)} for w in words]
    lines_with: dict[tuple[str, ...], list[int]] = {}
    for j, line_runs in enumerate(runs):
        for run in line_runs:
            lines_with.setdefault(run, []).append(j)
    ends = [t.rstrip().endswith(_SENTENCE_END) for t in texts]
    for i, line_runs in enumerate(runs):
        shared: Counter = Counter()
        for run in line_runs:
            holders = lines_with[run]
            if len(holders) <= ECHO_MAX_LINES_PER_RUN:
                shared.update(j for j in holders if j != i)
        for j, count in shared.items():
            if len(words[j]) > len(words[i]) or (ends[j] and not ends[i]):
                share = count / len(line_runs)
                echo[i], echoed[j] = max(echo[i], share), max(echoed[j], share)
    return echo, echoed


def page_features(blocks: list[Block], is_html: bool, dim: int = FEATURE_DIM) -> np.ndarray:
    """A (len(blocks), dim) float32 matrix of layout features for one page: the first `dim`
    columns (a model trained before columns were added reads fewer)."""
    if not 0 < dim <= FEATURE_DIM:
        raise ValueError(f"the model reads {dim} layout features; this modclf computes {FEATURE_DIM} (upgrade modclf)")
    n = len(blocks)
    out = np.zeros((n, FEATURE_DIM), dtype=np.float32)
    if n == 0:
        return out[:, :dim]
    normalized = [_normalize(b.text[:500]) for b in blocks]
    exact_counts = Counter(b.text for b in blocks)
    normalized_counts = Counter(normalized)
    prefixes = [" ".join(t.split()[:6]) for t in normalized]
    prefix_counts = Counter(p for p in prefixes if p)
    for i, block in enumerate(blocks):
        row = _text_features(block.text)
        row += [
            i / max(n - 1, 1),
            math.log1p(i) / 10,
            math.log1p(n - 1 - i) / 10,
            math.log1p(n) / 10,
            math.log1p(exact_counts[block.text] - 1) / 3,
            math.log1p(normalized_counts[normalized[i]] - 1) / 3,
            math.log1p(prefix_counts.get(prefixes[i], 1) - 1) / 3 if prefixes[i] else 0.0,
        ]
        out[i, : len(row)] = row
        if is_html:
            base = _N_TEXT + _N_PAGE
            out[i, base] = 1.0
            out[i, base + 1] = block.link_density
            tag_slot = _TAG_INDEX.get(block.tag, len(_TAG_GROUPS))
            out[i, base + 2 + tag_slot] = 1.0
            hash_base = base + 2 + len(_TAG_GROUPS) + 1
            for word in block.dom_words:
                out[i, hash_base + zlib.crc32(word.encode()) % DOM_HASH_BUCKETS] = 1.0
    if dim > FEATURE_DIM - _N_ECHO:
        echo_base = _N_TEXT + _N_PAGE + _N_HTML
        out[:, echo_base], out[:, echo_base + 1] = echoes([b.text for b in blocks])
    return out[:, :dim]
