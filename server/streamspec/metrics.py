"""What `/metrics` tells an operator, in Prometheus' text format, through prometheus-client.

With one worker the numbers live in this process. With several, prometheus-client's
multiprocess mode keeps each worker's in files under `PROMETHEUS_MULTIPROC_DIR`, and
whichever worker answers `/metrics` adds them all up. The mode is chosen when
prometheus-client is imported, from that variable; `python -m streamspec` sets it before
any worker starts.

The hot path looks each labelled child up once and keeps it: prometheus-client's
`labels()` takes a lock and builds a key on every call.
"""

from __future__ import annotations

import os
from typing import Any

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from streamspec._generated.models import Usage

__all__ = [
    "METRICS_PATH",
    "REFUSAL_REASONS",
    "UPSTREAM_OUTCOMES",
    "Metrics",
    "metrics_route_handler",
]

METRICS_PATH = "/metrics"
# Under a second is what a chat gateway's own work takes; streams and slow upstreams
# run to minutes.
_DURATION_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
_FIRST_TOKEN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
UPSTREAM_OUTCOMES = ("ok", "rate_limited", "timeout", "unavailable", "cancelled")
REFUSAL_REASONS = ("rate_limit", "stream_cap")


class Metrics:
    """Every metric of the server, registered in a registry of its own (one per app)."""

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._multiprocess_dir = multiprocess_dir
        if multiprocess_dir:
            # The metrics write to the workers' files; the registry reads them all back.
            multiprocess.MultiProcessCollector(self.registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
        registry = None if multiprocess_dir else self.registry
        self.requests = Counter(
            "streamspec_requests",
            "Requests answered, by operation (the contract's operationId, else the route's"
            " path) and HTTP status; 499: the client left before the answer.",
            ["operation", "status"],
            registry=registry,
        )
        self.request_duration = Histogram(
            "streamspec_request_duration_seconds",
            "From the request's arrival to the end of its answer (for a stream, its last event).",
            ["operation", "status"],
            buckets=_DURATION_BUCKETS,
            registry=registry,
        )
        self.open_streams = Gauge(
            "streamspec_open_streams",
            "Event streams being sent now.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.time_to_first_token = Histogram(
            "streamspec_time_to_first_token_seconds",
            "From a stream request's arrival to its first event going out.",
            ["operation"],
            buckets=_FIRST_TOKEN_BUCKETS,
            registry=registry,
        )
        self.upstream_requests = Counter(
            "streamspec_upstream_requests",
            "Requests to the upstream provider, by outcome: ok, rate_limited, timeout,"
            " unavailable (unreachable, 5xx, refused credentials, unreadable answer),"
            " cancelled (the client left, or shutdown ended the stream).",
            ["outcome"],
            registry=registry,
        )
        self.upstream_latency = Histogram(
            "streamspec_upstream_latency_seconds",
            "From sending a request upstream to the head of the provider's answer.",
            buckets=_DURATION_BUCKETS,
            registry=registry,
        )
        self.rate_limit_refusals = Counter(
            "streamspec_rate_limit_refusals",
            "Requests refused with a 429, by reason: rate_limit (the caller's budget) or"
            " stream_cap (the caller's open streams).",
            ["reason"],
            registry=registry,
        )
        self.tokens = Counter(
            "streamspec_tokens",
            "Tokens of answered chats as the provider counted them, by caller (`key:` and a"
            " hash of the API key, or `addr:` and the client address) and kind.",
            ["caller", "kind"],
            registry=registry,
        )
        self._answered: dict[str, dict[int, tuple[Any, Any]]] = {}
        self._first_token: dict[str, Any] = {}
        self._tokens: dict[str, tuple[Any, Any]] = {}
        # Known outcomes and reasons are shown from the start, at zero.
        self._upstream = {name: self.upstream_requests.labels(name) for name in UPSTREAM_OUTCOMES}
        self._refusals = {name: self.rate_limit_refusals.labels(name) for name in REFUSAL_REASONS}
        self._upstream_latency = self.upstream_latency
        self._open_streams = self.open_streams

    def request_answered(self, operation: str, status: int, seconds: float) -> None:
        by_status = self._answered.get(operation)
        if by_status is None:
            by_status = self._answered[operation] = {}
        children = by_status.get(status)
        if children is None:
            label = str(status)
            children = by_status[status] = (
                self.requests.labels(operation, label),
                self.request_duration.labels(operation, label),
            )
        children[0].inc()
        children[1].observe(seconds)

    def stream_started(self, operation: str, seconds_to_first_event: float) -> None:
        child = self._first_token.get(operation)
        if child is None:
            child = self._first_token[operation] = self.time_to_first_token.labels(operation)
        child.observe(seconds_to_first_event)
        self._open_streams.inc()

    def stream_ended(self) -> None:
        self._open_streams.dec()

    def upstream_answered(self, seconds: float) -> None:
        self._upstream_latency.observe(seconds)

    def upstream_finished(self, outcome: str) -> None:
        """Count an upstream request by how it ended, one of `UPSTREAM_OUTCOMES`."""
        self._upstream[outcome].inc()

    def refused(self, reason: str) -> None:
        """Count a 429 of ours, for one of `REFUSAL_REASONS`."""
        self._refusals[reason].inc()

    def tokens_used(self, caller: str, usage: Usage) -> None:
        children = self._tokens.get(caller)
        if children is None:
            children = self._tokens[caller] = (
                self.tokens.labels(caller, "prompt"),
                self.tokens.labels(caller, "completion"),
            )
        children[0].inc(usage.prompt_tokens)
        children[1].inc(usage.completion_tokens)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def worker_stopped(self) -> None:
        """Drop this worker's live gauges (open streams) from the shared files."""
        if self._multiprocess_dir:
            multiprocess.mark_process_dead(os.getpid(), self._multiprocess_dir)  # type: ignore[no-untyped-call]


def metrics_route_handler(metrics: Metrics) -> HTTPRouteHandler:
    @get(METRICS_PATH, include_in_schema=False, sync_to_thread=False)
    def exposition() -> Response[bytes]:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return exposition
