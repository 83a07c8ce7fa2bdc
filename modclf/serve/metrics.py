"""Prometheus metrics of the service, in a registry of its own (several apps may share a process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("modclf_requests", "HTTP requests by endpoint and status code",
                                ["endpoint", "code"], registry=r)
        self.latency = Histogram("modclf_request_seconds", "HTTP request latency", ["endpoint"],
                                 buckets=LATENCY_BUCKETS, registry=r)
        self.rejects = Counter("modclf_rejects", "requests refused, by reason", ["reason"], registry=r)
        self.batch_requests = Histogram("modclf_batch_requests", "requests per micro-batch",
                                        buckets=(1, 2, 4, 8, 16, 32, 64, 128), registry=r)
        self.batch_comments = Histogram("modclf_batch_comments", "comments per micro-batch",
                                        buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512), registry=r)
        self.batch_seconds = Histogram("modclf_batch_seconds", "model time per micro-batch",
                                       buckets=LATENCY_BUCKETS, registry=r)
        self.comments = Counter("modclf_comments_scored", "comments scored", registry=r)
        self.queue = Gauge("modclf_queue_comments", "comments waiting for the model", registry=r)
        self.articles = Gauge("modclf_articles", "registered articles", registry=r)

    def observe_request(self, endpoint: str, code: int, seconds: float) -> None:
        self.requests.labels(endpoint, str(code)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def observe_batch(self, requests: int, comments: int, seconds: float) -> None:
        self.batch_requests.observe(requests)
        self.batch_comments.observe(comments)
        self.batch_seconds.observe(seconds)
        self.comments.inc(comments)

    def render(self) -> bytes:
        return generate_latest(self.registry)
