"""Coral Talk's external moderation phase: signed requests in, Coral's moderation answer out.

Coral POSTs {action, comment: {body, parentID}, author, story: {id, url}, site, tenantID} with
`X-Coral-Signature: sha256=<hex>[,sha256=<hex>]` (HMAC-SHA256 of the raw body with the phase's
signing secret; several during a rotation) and waits `timeout` ms (default 200) for
{status, actions, ...}. Coral skips a phase that errs or times out and lets the comment through.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re

from modclf.serve.http import ApiError

# Policy reason -> Coral rejection reason code (read by Coral versions that take moderationAction).
REJECTION_CODES = {"incitement": "HATE_SPEECH", "off_topic": "IRRELEVANT_CONTENT"}
_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"</?(?:p|div|br|li|blockquote)[^>]*>", re.I)


def signature_ok(raw: bytes, header: str | None, secrets: list[str]) -> bool:
    """Whether any `sha256=` signature of the header matches the body under any configured secret."""
    if not header:
        return False
    given = [part.strip()[7:] for part in header.split(",") if part.strip().startswith("sha256=")]
    ok = False
    for secret in secrets:
        expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        for signature in given:
            ok |= hmac.compare_digest(expected, signature.lower())
    return ok


def plain_text(body: str) -> str:
    """Coral's comment body (HTML by default) as plain text."""
    if "<" not in body:
        return html.unescape(body)
    return html.unescape(_TAG.sub("", _BLOCK.sub("\n", body))).strip()


def parse(body) -> tuple[str, str | None, str | None]:
    """(comment text, story id, story url) of a Coral request; ApiError 400 for a malformed one."""
    if not isinstance(body, dict):
        raise ApiError(400, "expected a JSON object (Coral's external moderation request)")
    comment = body.get("comment")
    if not isinstance(comment, dict) or not isinstance(comment.get("body"), str):
        raise ApiError(400, "missing comment.body (a string)")
    story = body.get("story") if isinstance(body.get("story"), dict) else {}
    story_id, url = story.get("id"), story.get("url")
    return plain_text(comment["body"]), story_id if isinstance(story_id, str) else None, url if isinstance(url, str) else None


def response(decision: str, reasons: list[str], review: str = "withhold") -> dict:
    """Coral's answer: remove -> REJECTED; review -> a FLAG and (review="withhold") SYSTEM_WITHHELD,
    so it waits in the pre-moderation queue; allow -> {} (no action)."""
    if decision == "allow":
        return {}
    flag = [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}]
    if decision == "remove":
        code = REJECTION_CODES.get(reasons[0], "OTHER") if reasons else "OTHER"
        return {"status": "REJECTED", "actions": flag, "moderationAction": {"rejectionReason": {"code": code}}}
    return {"actions": flag, **({"status": "SYSTEM_WITHHELD"} if review == "withhold" else {})}
