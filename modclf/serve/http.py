"""HTTP plumbing shared by every endpoint: errors in Google's form, body limits, keys, access logs."""

from __future__ import annotations

import hmac
import json
import logging
import time
import uuid
from urllib.parse import parse_qsl

access_log = logging.getLogger("modclf.serve.access")

# HTTP code -> Google's canonical status (the `status` of Perspective's error bodies).
STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
          405: "INVALID_ARGUMENT", 409: "ALREADY_EXISTS", 413: "INVALID_ARGUMENT", 415: "INVALID_ARGUMENT",
          429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}


class ApiError(Exception):
    """An error answered as {"error": {"code", "message", "status"}} (Perspective's form, on every endpoint)."""

    def __init__(self, code: int, message: str, headers: dict | None = None, reason: str | None = None):
        super().__init__(message)
        self.code, self.message, self.headers = code, message, headers or {}
        self.reason = reason or STATUS.get(code, "UNKNOWN").lower()

    def body(self) -> dict:
        return error_body(self.code, self.message)


def error_body(code: int, message: str) -> dict:
    return {"error": {"code": code, "message": message, "status": STATUS.get(code, "UNKNOWN")}}


def request_key(scope_headers: dict[str, str], query: dict[str, str]) -> str | None:
    """The API key of a request: ?key= (Perspective's way), X-Goog-Api-Key, X-Api-Key or a bearer token."""
    if query.get("key"):
        return query["key"]
    for name in ("x-goog-api-key", "x-api-key"):
        if scope_headers.get(name):
            return scope_headers[name]
    auth = scope_headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def key_ok(given: str | None, keys: list[str]) -> bool:
    """Constant-time comparison against every configured key."""
    if given is None:
        return False
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(given.encode(), key.encode())
    return ok


class ApiKeys:
    """ASGI middleware: 401 unless the request carries a configured key (no keys: everything passes).

    Paths in `open_paths` never need one; paths under `signed_prefix` (Coral's, when a signing
    secret is set) are checked by their signature in the endpoint instead.
    """

    def __init__(self, app, keys: list[str], open_paths: tuple[str, ...] = (), signed_prefix: str | None = None,
                 on_reject=None):
        self.app, self.keys, self.open_paths, self.signed_prefix = app, keys, open_paths, signed_prefix
        self.on_reject = on_reject

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if (scope["type"] != "http" or not self.keys or path in self.open_paths
                or (self.signed_prefix and path.startswith(self.signed_prefix))):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if key_ok(request_key(headers, query), self.keys):
            return await self.app(scope, receive, send)
        if self.on_reject is not None:
            self.on_reject()
        await send_error(send, 401, "API key not valid. Please pass a valid API key.")


async def send_error(send, code: int, message: str, headers: list | None = None) -> None:
    """An error response in Google's form, sent straight from ASGI middleware."""
    body = json.dumps(error_body(code, message)).encode()
    await send({"type": "http.response.start", "status": code,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: 413 for a body over `limit` bytes, counted while it is read (not after).

    A declared Content-Length over the limit is refused before a byte is read; a chunked body is
    cut off as soon as it passes the limit.
    """

    def __init__(self, app, limit: int, on_reject=None):
        self.app, self.limit, self.on_reject = app, limit, on_reject

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await self._reject(send)
        seen = 0
        refused = False

        async def guarded_send(message):
            if not refused:  # once refused, what the app still sends is dropped
                await send(message)

        async def counting_receive():
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit and not refused:
                    refused = True
                    await self._reject(send)
                    return {"type": "http.disconnect"}  # the app stops reading here
            return message

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    async def _reject(self, send):
        if self.on_reject is not None:
            self.on_reject()
        await send_error(send, 413, f"request body over the limit of {self.limit:,} bytes", [(b"connection", b"close")])


class InFlightLimit:
    """ASGI middleware: 429 at once for a request beyond `limit` in flight, before its body is read.

    Under overload the cheapest answer keeps the event loop from falling behind: without it,
    requests pile up unread and time out (504) instead of being told to retry.
    """

    def __init__(self, app, limit: int, exempt: tuple[str, ...] = (), on_reject=None):
        self.app, self.limit, self.exempt, self.on_reject = app, limit, exempt, on_reject
        self.in_flight = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in self.exempt:
            return await self.app(scope, receive, send)
        if self.in_flight >= self.limit:
            if self.on_reject is not None:
                self.on_reject()
            return await send_error(send, 429, f"{self.limit} requests in flight; retry later", [(b"retry-after", b"1")])
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


class AccessLog:
    """ASGI middleware: one structured log line per request (method, path, status, ms, request id).

    The query string is left out (it may carry ?key=), and so is every comment text.
    """

    def __init__(self, app, observe=None):
        self.app, self.observe = app, observe

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        request_id = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")[:64] or uuid.uuid4().hex[:16]
        status = 500

        async def logging_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, logging_send)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("route")
            endpoint = getattr(route, "path", None) or "other"
            if self.observe is not None:
                self.observe(endpoint, status, seconds)
            access_log.info(json.dumps({"method": scope["method"], "path": scope["path"], "status": status,
                                        "ms": round(seconds * 1000, 1), "request_id": request_id}))
