"""The service's Prometheus metrics, in a registry of their own (one per app instance, so tests
and the process-wide default registry never collide)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "dbreview_webhook_deliveries", "Webhook deliveries by event and outcome "
            "(queued, duplicate, ignored, ping, rejected, busy)",
            ["event", "outcome"], registry=self.registry)
        self.reviews = Counter(
            "dbreview_reviews", "Pull request reviews by check run conclusion",
            ["conclusion"], registry=self.registry)
        self.review_seconds = Histogram(
            "dbreview_review_duration_seconds", "Time from picking a job to its last write",
            buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120), registry=self.registry)
        self.github_errors = Counter(
            "dbreview_github_api_errors", "GitHub API calls that failed (status 0: no "
            "connection), retried or not", ["status"], registry=self.registry)
        self.queue_depth = Gauge(
            "dbreview_queue_depth", "Jobs waiting for a worker", registry=self.registry)

    def github_error(self, status: int) -> None:
        self.github_errors.labels(status=str(status)).inc()
