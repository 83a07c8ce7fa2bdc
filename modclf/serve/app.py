"""The FastAPI application of `modclf serve`: native /v1 API, Perspective and Coral endpoints.

Every endpoint is a thin layer over ModClf and the Batcher; see docs/serve.md for the API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import AliasChoices, BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from modclf import __version__
from modclf.batch.jobs import _comment_problem
from modclf.errors import InputError
from modclf.policy import Policy
from modclf.serve import coral, perspective
from modclf.serve.batcher import Batcher, QueueFull
from modclf.serve.config import ServeConfig
from modclf.serve.http import AccessLog, ApiError, ApiKeys, BodyLimit, InFlightLimit, error_body
from modclf.serve.metrics import Metrics
from modclf.serve.store import Store, StoreFull

logger = logging.getLogger("modclf.serve")

OPEN_PATHS = ("/healthz", "/readyz", "/docs", "/openapi.json", "/docs/oauth2-redirect")


# --- native API shapes (documented on /docs) -------------------------------------------------------


class CommentIn(BaseModel):
    id: str | int | None = Field(None, description="your id of the comment, returned with its scores")
    text: str = Field(..., description="the comment text (`comment` is accepted too, as in dumps)",
                      validation_alias=AliasChoices("text", "comment"))
    article: str | None = Field(None, description="the article text (for off_topic)")
    article_id: str | None = Field(None, description="id of an article registered with PUT /v1/articles/{id}")


class ScoreRequest(BaseModel):
    comments: list[CommentIn]
    spans: bool = Field(False, description="also score each sentence for incitement")


class ScoredComment(BaseModel):
    id: str | int | None
    text: str
    incitement: float
    off_topic: float | None
    decision: Literal["allow", "review", "remove"]
    reasons: list[str]
    model: str
    article_id: str | None = None
    spans: list[dict] | None = None


class ScoreResponse(BaseModel):
    model: str
    results: list[ScoredComment]


class SegmentRequest(BaseModel):
    id: str | int | None = None
    page: str = Field(..., description="the page as plain text (one block per line) or HTML")
    format: Literal["auto", "text", "html"] = "auto"
    score: bool = Field(True, description="also score the page's comments against its body")
    spans: bool = False


class ArticleIn(BaseModel):
    text: str | None = Field(None, description="the article text")
    page: str | None = Field(None, description="or a whole page: its body (as segmented) is stored")
    url: str | None = Field(None, description="the article's URL (Coral looks stories up by id or url)")


def create_app(config: ServeConfig, clf, policy: Policy | None = None) -> FastAPI:
    """The service around one loaded model; the database opens and the model thread starts at startup."""
    policy = policy or Policy.load(config.policy, model_dir=clf.path)
    metrics = Metrics()
    state = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        store = Store(config.database, config.max_articles, config.max_feedback, config.max_stored_comments)
        batcher = Batcher(clf, config.max_queue_comments, config.batch_tokens, max_wait_s=config.request_timeout_s / 2,
                          on_batch=metrics.observe_batch)
        metrics.queue.set_function(lambda: batcher.queued)
        metrics.articles.set(store.article_count())
        batcher.start()
        state.update(store=store, batcher=batcher)
        logger.info("serving %s (%s precision) with policy %s; database %s", clf.model_id, clf.precision,
                    policy.source, config.database)
        if config.open:
            logger.warning("no API keys configured: only loopback clients can reach this server")
        try:
            yield
        finally:
            batcher.stop(timeout=config.request_timeout_s)
            store.close()

    app = FastAPI(title="modclf", version=__version__, lifespan=lifespan,
                  description="Incitement and off-topic scores for reader comments; Perspective- and Coral-compatible.")
    app.state.metrics = metrics

    def reject(reason: str) -> None:
        metrics.rejects.labels(reason).inc()

    # --- errors, in Google's form everywhere ------------------------------------------------------

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        reject(exc.reason)
        return JSONResponse(exc.body(), status_code=exc.code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        reject("invalid_argument")
        problems = []
        for error in exc.errors()[:5]:
            where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
            problems.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
        return JSONResponse(error_body(400, "; ".join(problems) or "invalid request"), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        return JSONResponse(error_body(exc.status_code, str(exc.detail)), status_code=exc.status_code)

    # --- helpers ----------------------------------------------------------------------------------

    def json_object(raw: bytes) -> dict:
        """A request body that must be a JSON object; Google's 400 otherwise."""
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ApiError(400, f"Invalid JSON payload received. {exc}") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid JSON payload received: expected an object")
        return body

    async def on_model(awaitable):
        """Await a model result within the request timeout; 429 for a full queue, 504 for a slow one."""
        try:
            return await asyncio.wait_for(awaitable, config.request_timeout_s)
        except asyncio.TimeoutError as exc:
            raise ApiError(504, f"scoring took over {config.request_timeout_s:g} s (request_timeout_s)") from exc
        except InputError as exc:
            raise ApiError(400, str(exc)) from exc

    def submit(comments: list[str], article: str | None, spans: bool):
        return queued(lambda: state["batcher"].score(comments, article, spans))

    def call(fn):
        return queued(lambda: state["batcher"].run(fn))

    def queued(put):
        try:
            return put()
        except QueueFull as exc:
            raise ApiError(429, str(exc), headers={"Retry-After": str(exc.retry_after)}, reason="queue_full") from exc
        except RuntimeError as exc:
            raise ApiError(503, str(exc)) from exc

    def check_comment(text: str, where: str) -> None:
        problem = _comment_problem(text)  # the batch engine's checks: empty, over its length limit
        if problem is not None:
            raise ApiError(400, f"{where}: {problem}")

    def article_by_id(article_id: str) -> str:
        found = state["store"].get_article(article_id)
        if found is None:
            raise ApiError(404, f"unknown article_id {article_id!r}; register it with PUT /v1/articles/{article_id}")
        return found["text"]

    def record(item_id, text, score, article_id=None) -> dict:
        decision, reasons = policy.decide(score)
        out = {"id": item_id, "text": text, "incitement": score.incitement, "off_topic": score.off_topic,
               "decision": decision, "reasons": reasons, "model": clf.model_id}
        if article_id is not None:
            out["article_id"] = article_id
        if score.spans is not None:
            out["spans"] = score.spans
        return out

    async def score_grouped(items: list[tuple[str, str | None]], spans: bool):
        """Scores for (comment, article) pairs: one queued request per article, awaited together."""
        groups: dict[str | None, list[int]] = {}
        for i, (_, article) in enumerate(items):
            groups.setdefault(article, []).append(i)
        futures = []
        try:
            for article, index in groups.items():
                futures.append(submit([items[i][0] for i in index], article, spans))
        except ApiError:
            for future in futures:  # all or nothing: what was queued of this request is dropped
                future.cancel()
            raise
        results = await on_model(asyncio.gather(*futures))
        scores = [None] * len(items)
        for index, part in zip(groups.values(), results):
            for i, score in zip(index, part):
                scores[i] = score
        return scores

    # --- health and metrics -----------------------------------------------------------------------

    @app.get("/healthz", summary="the process is up")
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz", summary="the model is loaded and the model thread runs")
    async def readyz():
        batcher = state.get("batcher")
        if batcher is None or not batcher.alive:
            return JSONResponse(error_body(503, "not ready"), status_code=503)
        return {"status": "ready", "model": clf.model_id, "queue": batcher.queued}

    @app.get("/metrics", summary="Prometheus metrics")
    async def metrics_endpoint():
        metrics.articles.set(state["store"].article_count())
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    # --- native API -------------------------------------------------------------------------------

    @app.post("/v1/score", response_model=ScoreResponse, response_model_exclude_unset=True,
              summary="score comments (with article text or a registered article_id) and decide")
    async def score(body: ScoreRequest):
        if len(body.comments) > config.max_comments_per_request:
            raise ApiError(400, f"{len(body.comments)} comments; the limit per request is {config.max_comments_per_request}")
        items = []
        for i, c in enumerate(body.comments):
            check_comment(c.text, f"comments[{i}]")
            if c.article is not None and c.article_id is not None:
                raise ApiError(400, f"comments[{i}]: give 'article' or 'article_id', not both")
            article = article_by_id(c.article_id) if c.article_id is not None else c.article
            items.append((c.text, article if article and article.strip() else None))
        scores = await score_grouped(items, body.spans)
        return {"model": clf.model_id,
                "results": [record(c.id, c.text, s, c.article_id) for c, s in zip(body.comments, scores)]}

    @app.post("/v1/segment", summary="segment a page into body, boilerplate and comments, and score its comments")
    async def segment(body: SegmentRequest):
        if not body.page.strip():
            raise ApiError(400, "empty page")
        page = await on_model(call(lambda: clf.segment(body.page, fmt=body.format)))
        out = {"id": body.id, **page.as_dict(), "model": clf.model_id}
        if body.score:
            texts = [c.text for c in page.comments if _comment_problem(c.text) is None]
            article = page.body if page.body.strip() else None
            scores = await score_grouped([(t, article) for t in texts], body.spans) if texts else []
            out["scores"] = [record(f"{body.id}#{i}" if body.id is not None else i, t, s)
                             for i, (t, s) in enumerate(zip(texts, scores))]
        return out

    @app.put("/v1/articles/{article_id}", summary="register or update an article (kept across restarts)")
    async def put_article(article_id: str, body: ArticleIn):
        if (body.text is None) == (body.page is None):
            raise ApiError(400, "give 'text' or 'page' (exactly one)")
        text = body.text
        if body.page is not None:
            page = await on_model(call(lambda: clf.segment(body.page)))
            text = page.body
        if not text.strip():
            raise ApiError(400, "empty article text" if body.text is not None else "the page has no article body")
        if len(text) > config.max_article_chars:
            raise ApiError(413, f"article is {len(text):,} characters; the limit is {config.max_article_chars:,}")
        created = state["store"].put_article(article_id, text, body.url)
        return JSONResponse({"id": article_id, "url": body.url, "chars": len(text), "created": created},
                            status_code=201 if created else 200)

    @app.get("/v1/articles/{article_id}", summary="a registered article")
    async def get_article(article_id: str):
        found = state["store"].get_article(article_id)
        if found is None:
            raise ApiError(404, f"no article {article_id!r}")
        return found

    @app.delete("/v1/articles/{article_id}", status_code=204, summary="forget an article")
    async def delete_article(article_id: str):
        if not state["store"].delete_article(article_id):
            raise ApiError(404, f"no article {article_id!r}")
        return Response(status_code=204)

    # --- Perspective ------------------------------------------------------------------------------

    @app.post("/v1alpha1/comments:analyze", summary="Perspective-compatible analyze (INCITEMENT, OFF_TOPIC)")
    async def analyze(request: Request):
        body = json_object(await request.body())
        attributes = perspective.requested_attributes(body)
        languages = perspective.check_languages(body, attributes)
        text = perspective.comment_text(body)
        check_comment(text, "comment.text")
        article = perspective.article_text(body)
        spans = bool(body.get("spanAnnotations"))
        token = body.get("clientToken")
        (score,) = (await score_grouped([(text, article)], spans))
        result = perspective.analyze_response(text, score, attributes, languages, spans,
                                              token if isinstance(token, str) else None)
        if body.get("doNotStore") is False:  # kept only when the caller asks for it explicitly
            state["store"].keep_comment(text, score.as_dict(), clf.model_id, client_token=token if isinstance(token, str) else None)
        if config.log_text:
            logger.info("analyze %r -> %s", text[:200], score.as_dict())
        return result

    @app.post("/v1alpha1/comments:suggestscore", summary="moderator feedback (Coral: 0 approved, 1 rejected)")
    async def suggestscore(request: Request):
        body = json_object(await request.body())
        text = perspective.comment_text(body)
        values = perspective.feedback_values(body)
        article = perspective.article_text(body) if isinstance(body.get("context"), dict) and \
            body["context"].get("articleAndParentComment") else None
        token = body.get("clientToken") if isinstance(body.get("clientToken"), str) else None
        community = body.get("communityId") if isinstance(body.get("communityId"), str) else None
        try:
            for name, value in values.items():
                state["store"].add_feedback(text, name, value, article=article, client_token=token, community_id=community)
        except StoreFull as exc:
            raise ApiError(429, str(exc), reason="feedback_full") from exc
        return {"clientToken": token} if token is not None else {}

    # --- Coral external moderation phase -----------------------------------------------------------

    @app.post("/coral/v1/moderate", summary="Coral Talk external moderation phase (signed with X-Coral-Signature)")
    async def coral_moderate(request: Request):
        raw = await request.body()
        if config.coral_signing_secrets and not coral.signature_ok(
                raw, request.headers.get("x-coral-signature"), config.coral_signing_secrets):
            raise ApiError(401, "X-Coral-Signature does not match the configured signing secret(s)", reason="bad_signature")
        text, story_id, url = coral.parse(json_object(raw))
        if not text.strip():
            return {}
        check_comment(text, "comment.body")
        found = state["store"].find_article(story_id, url)
        (score,) = await score_grouped([(text, found["text"] if found else None)], False)
        decision, reasons = policy.decide(score)
        return coral.response(decision, reasons, config.coral_review)

    app.add_middleware(ApiKeys, keys=config.api_keys, open_paths=OPEN_PATHS,
                       signed_prefix="/coral/" if config.coral_signing_secrets else None,
                       on_reject=lambda: reject("unauthenticated"))
    app.add_middleware(BodyLimit, limit=config.max_body_bytes, on_reject=lambda: reject("body_too_large"))
    app.add_middleware(InFlightLimit, limit=config.max_in_flight, exempt=("/healthz", "/readyz", "/metrics"),
                       on_reject=lambda: reject("in_flight"))
    app.add_middleware(AccessLog, observe=metrics.observe_request)
    return app
