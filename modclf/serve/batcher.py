"""Dynamic micro-batching: concurrent requests share the model's forward passes.

Requests queue their comments; one model thread takes whatever is waiting as soon as the model is
free (no waiting for a batch to fill, as text-embeddings-inference does), up to a token budget, and
scores it in length-sorted batches. Under load each forward pass carries many requests, so the
service's throughput approaches the batch engine's; when idle, a lone comment runs at once.
The queue is bounded in comments and in expected wait (queued comments over the recent scoring
rate): past either bound QueueFull is raised (HTTP 429) rather than letting requests time out.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from modclf.batch.engine import release_freed_memory
from modclf.batch.jobs import ArticleEmbeddingCache, _text_key
from modclf.score import Score, score_comments, sentence_spans

logger = logging.getLogger(__name__)

# Rough characters per token of English comments, to cost a request before it is tokenised.
CHARS_PER_TOKEN = 4


class QueueFull(Exception):
    """The queue holds as many comments as allowed; retry after `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"the scoring queue is full; retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass
class _Job:
    comments: list[str] | None  # None: a call job
    article: str | None = None
    spans: bool = False
    call: Callable | None = None
    cost: int = 0
    future: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)


class Batcher:
    """One model thread fed by a bounded queue of scoring requests and model calls (segmenting)."""

    def __init__(self, clf, max_queue_comments: int = 512, batch_tokens: int = 16384, max_wait_s: float = 5.0,
                 article_cache_size: int = 1024, on_batch: Callable[[int, int, float], None] | None = None):
        self.clf = clf
        self.max_queue_comments = max_queue_comments
        self.max_wait_s = max_wait_s  # a request that would wait longer (at the recent rate) is refused
        self.batch_tokens = batch_tokens
        self.on_batch = on_batch  # (requests, comments, seconds) after each micro-batch, for metrics
        self._jobs: collections.deque[_Job] = collections.deque()
        self._queued = 0  # comments waiting
        self._cond = threading.Condition()
        self._stopping = False
        self._articles = ArticleEmbeddingCache(clf, article_cache_size)
        self._rate = 200.0  # comments/s, a running estimate for Retry-After
        self._trimmed = 0.0
        self._thread = threading.Thread(target=self._loop, name="modclf-model", daemon=True)

    # life cycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Finish what is queued, then end the model thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and not self._stopping

    @property
    def queued(self) -> int:
        return self._queued

    # submitting (any thread; the async wrappers are for the event loop) ----------------------------

    def submit(self, comments: list[str], article: str | None = None, spans: bool = False) -> concurrent.futures.Future:
        cost = sum(self._cost(c) for c in comments)
        if spans:
            cost += sum(self._cost(c[b:e]) for c in comments for b, e in sentence_spans(c))
        return self._put(_Job(list(comments), article or None, spans, cost=cost), len(comments))

    def submit_call(self, fn: Callable) -> concurrent.futures.Future:
        """Run fn() on the model thread between batches (segmenting a page uses the model too)."""
        return self._put(_Job(None, call=fn), 1)

    def score(self, comments: list[str], article: str | None = None, spans: bool = False) -> asyncio.Future[list[Score]]:
        """An awaitable of the comments' scores; QueueFull is raised here, at once, not when awaited."""
        return asyncio.wrap_future(self.submit(comments, article, spans))

    def run(self, fn: Callable) -> asyncio.Future:
        return asyncio.wrap_future(self.submit_call(fn))

    def _cost(self, text: str) -> int:
        return min(len(text) // CHARS_PER_TOKEN + 2, self.clf.config.max_comment_tokens)

    def _put(self, job: _Job, size: int) -> concurrent.futures.Future:
        with self._cond:
            if self._stopping:
                raise RuntimeError("the service is shutting down")
            wait = (self._queued + size) / self._rate
            if self._queued > 0 and (self._queued + size > self.max_queue_comments or wait > self.max_wait_s):
                raise QueueFull(max(1, round(wait)))
            self._jobs.append(job)
            self._queued += size
            self._cond.notify()
        return job.future

    # the model thread ---------------------------------------------------------------------------

    def _take(self) -> list[_Job] | None:
        """Everything queued up to the token budget (a call job runs alone); None when stopping."""
        with self._cond:
            while not self._jobs:
                if self._stopping:
                    return None
                self._cond.wait()
            first = self._jobs.popleft()
            batch, tokens = [first], first.cost
            if first.comments is not None:
                while self._jobs and self._jobs[0].comments is not None and tokens + self._jobs[0].cost <= self.batch_tokens:
                    job = self._jobs.popleft()
                    batch.append(job)
                    tokens += job.cost
            self._queued -= sum(1 if j.comments is None else len(j.comments) for j in batch)
            return batch

    def _loop(self) -> None:
        while True:
            batch = self._take()
            if batch is None:
                return
            # Requests whose client gave up (timed out, disconnected) are dropped unscored.
            batch = [job for job in batch if job.future.set_running_or_notify_cancel()]
            if not batch:
                continue
            if batch[0].call is not None:
                self._settle(batch[0], batch[0].call)
                continue
            started = time.perf_counter()
            try:
                results = self._score(batch)
            except Exception:  # noqa: BLE001 - one bad request must not fail the others
                logger.debug("micro-batch failed; scoring its requests one by one", exc_info=True)
                for job in batch:
                    self._settle(job, lambda job=job: self._score([job])[0])
            else:
                for job, result in zip(batch, results):
                    job.future.set_result(result)
            if time.perf_counter() - self._trimmed > 1.0:
                # Batches of varying shapes fragment the heap; give freed memory back (at most once a second).
                release_freed_memory()
                self._trimmed = time.perf_counter()
            seconds = time.perf_counter() - started
            comments = sum(len(job.comments) for job in batch)
            self._rate = 0.8 * self._rate + 0.2 * comments / max(seconds, 1e-3)
            if self.on_batch is not None:
                self.on_batch(len(batch), comments, seconds)

    @staticmethod
    def _settle(job: _Job, fn: Callable) -> None:
        try:
            job.future.set_result(fn())
        except Exception as exc:  # noqa: BLE001 - handed to the request that asked
            job.future.set_exception(exc)

    def _score(self, batch: list[_Job]) -> list[list[Score]]:
        """All comments of the batch in one scoring pass; each article encoded once and cached."""
        texts = {_text_key(job.article): job.article for job in batch if job.article}
        embedded = self._articles.get_many(texts) if texts else {}
        comments, articles, spans = [], [], []
        for job in batch:
            article = embedded[_text_key(job.article)] if job.article else None
            comments += job.comments
            articles += [article] * len(job.comments)
            spans += [job.spans] * len(job.comments)
        clf = self.clf
        with torch.inference_mode():
            scores = score_comments(clf.model, clf.tokenizer, comments, articles, clf.precision, spans)
        out, start = [], 0
        for job in batch:
            out.append(scores[start : start + len(job.comments)])
            start += len(job.comments)
        return out
