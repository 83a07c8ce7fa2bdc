"""Perspective API compatibility: `comments:analyze` and `comments:suggestscore` request/response shapes.

A platform that calls Google's Perspective API (Coral Talk, custom moderation queues) can point its
endpoint setting at modclf and ask for INCITEMENT and OFF_TOPIC instead of TOXICITY. Errors use
Perspective's wording where it has one. Span offsets are UTF-16 code units, as Perspective's are.
"""

from __future__ import annotations

from modclf.score import Score
from modclf.serve.http import ApiError

# Perspective attribute -> Score field.
ATTRIBUTES = {"INCITEMENT": "incitement", "OFF_TOPIC": "off_topic"}
LANGUAGES = ("en",)


def _mapping(value, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiError(400, f"Invalid value at '{where}': expected an object, got {type(value).__name__}")
    return value


def _text(value, where: str) -> str:
    if not isinstance(value, str):
        raise ApiError(400, f"Invalid value at '{where}': expected a string, got {type(value).__name__}")
    return value


def comment_text(body: dict) -> str:
    comment = _mapping(body.get("comment"), "comment")
    kind = comment.get("type", "PLAIN_TEXT")
    if kind not in ("PLAIN_TEXT", "TEXT_TYPE_UNSPECIFIED"):
        raise ApiError(400, "Currently, only 'PLAIN_TEXT' comments are supported")
    text = _text(comment.get("text", ""), "comment.text")
    if not text.strip():
        raise ApiError(400, "Comment must be non-empty.")
    return text


def article_text(body: dict) -> str | None:
    """The article a comment belongs to: context.articleAndParentComment.article, else context.entries."""
    context = _mapping(body.get("context"), "context")
    pair = _mapping(context.get("articleAndParentComment"), "context.articleAndParentComment")
    article = _mapping(pair.get("article"), "context.articleAndParentComment.article")
    if article.get("text"):
        return _text(article["text"], "context.articleAndParentComment.article.text")
    entries = context.get("entries") or []
    if not isinstance(entries, list):
        raise ApiError(400, "Invalid value at 'context.entries': expected a list")
    texts = [_text(_mapping(e, f"context.entries[{i}]").get("text", ""), f"context.entries[{i}].text")
             for i, e in enumerate(entries)]
    joined = "\n".join(t for t in texts if t.strip())
    return joined or None


def check_languages(body: dict, attributes) -> list[str]:
    languages = body.get("languages") or ["en"]
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise ApiError(400, "Invalid value at 'languages': expected a list of language codes")
    if not any(x.lower().split("-")[0] in LANGUAGES for x in languages):
        raise ApiError(400, f"Attribute {next(iter(attributes))} does not support request languages: {', '.join(languages)}")
    return languages


def requested_attributes(body: dict) -> dict[str, float | None]:
    """{attribute: scoreThreshold or None}; Perspective's 400 for a missing or unknown attribute."""
    requested = body.get("requestedAttributes")
    if not requested:
        raise ApiError(400, "Missing requested_attributes")
    if not isinstance(requested, dict):
        raise ApiError(400, "Invalid value at 'requested_attributes': expected an object of attribute names")
    out = {}
    for name, options in requested.items():
        if name not in ATTRIBUTES:
            raise ApiError(400, f"Unknown requested attribute: {name} (modclf knows {', '.join(ATTRIBUTES)})")
        options = _mapping(options, f"requested_attributes[{name}]")
        score_type = options.get("scoreType", "PROBABILITY")
        if score_type not in ("PROBABILITY", "SCORE_TYPE_UNSPECIFIED"):
            raise ApiError(400, f"Requested score type {score_type} is not supported by attribute {name}")
        threshold = options.get("scoreThreshold")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))):
            raise ApiError(400, f"Invalid value at 'requested_attributes[{name}].score_threshold': expected a number")
        out[name] = threshold
    return out


def utf16_offset(text: str, index: int) -> int:
    """A Python string index as a UTF-16 code-unit offset (Perspective's span offsets)."""
    return len(text[:index].encode("utf-16-le")) // 2


def analyze_response(text: str, score: Score, attributes: dict[str, float | None], languages: list[str],
                     spans: bool, client_token: str | None) -> dict:
    scores = {}
    for name, threshold in attributes.items():
        value = getattr(score, ATTRIBUTES[name])
        if value is None:
            continue  # OFF_TOPIC without an article: absent, as Perspective leaves out what it cannot score
        if threshold is not None and value < threshold:
            continue
        entry = {"summaryScore": {"value": value, "type": "PROBABILITY"}}
        if spans:
            if name == "INCITEMENT" and score.spans:
                entry["spanScores"] = [
                    {"begin": utf16_offset(text, s["begin"]), "end": utf16_offset(text, s["end"]),
                     "score": {"value": s["incitement"], "type": "PROBABILITY"}}
                    for s in score.spans
                ]
            else:  # off-topic is a property of the whole comment
                entry["spanScores"] = [{"begin": 0, "end": utf16_offset(text, len(text)),
                                        "score": {"value": value, "type": "PROBABILITY"}}]
        scores[name] = entry
    out = {"attributeScores": scores, "languages": languages, "detectedLanguages": ["en"]}
    if client_token is not None:
        out["clientToken"] = client_token
    return out


def feedback_values(body: dict) -> dict[str, float]:
    """{attribute: value in [0, 1]} of a suggestscore request (Coral: 0 approved, 1 rejected)."""
    given = body.get("attributeScores")
    if not given or not isinstance(given, dict):
        raise ApiError(400, "attribute_scores must not be empty")
    out = {}
    for name, entry in given.items():
        if name not in ATTRIBUTES:
            raise ApiError(400, f"Unknown attribute: {name} (modclf knows {', '.join(ATTRIBUTES)})")
        value = _mapping(_mapping(entry, f"attribute_scores[{name}]").get("summaryScore"),
                         f"attribute_scores[{name}].summary_score").get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ApiError(400, f"Invalid value at 'attribute_scores[{name}].summary_score.value': "
                                f"expected a number in [0, 1], got {value!r}")
        out[name] = float(value)
    return out
