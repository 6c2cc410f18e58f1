"""What `/metrics` tells an operator, in Prometheus' text format, through prometheus-client.

With one worker the numbers live in this process. With several, prometheus-client's
multiprocess mode keeps each worker's in files under `PROMETHEUS_MULTIPROC_DIR`, and
whichever worker answers `/metrics` adds them all up. The mode is chosen when
prometheus-client is imported, from that variable; `python -m streamspec` sets it before
any worker starts.

The hot path looks each labelled child up once and keeps it: prometheus-client's
`labels()` takes a lock and builds a key on every call. With one worker, counters and
histograms are tallied in plain Python and read out by a collector when `/metrics` is
scraped: prometheus-client's own values take a lock on every increment, several a request
(docs/benchmarks.md has the measurement). The exposition is the same either way.
"""

from __future__ import annotations

import os
import time
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from typing import Generic, Protocol, TypeVar

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
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

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

        # One worker: tallies read out at each scrape. Several: prometheus-client's files.
        def counter(name: str, documentation: str, labelnames: list[str]) -> _Family[_Counts]:
            if multiprocess_dir:
                return Counter(name, documentation, labelnames, registry=None)
            return _TalliedCounter(name, documentation, labelnames, self.registry)

        def histogram(
            name: str, documentation: str, labelnames: list[str], buckets: Sequence[float]
        ) -> _Family[_Observes]:
            if multiprocess_dir:
                shared = Histogram(name, documentation, labelnames, buckets=buckets, registry=None)
                return shared if labelnames else _Unlabelled(shared)
            return _TalliedHistogram(name, documentation, labelnames, buckets, self.registry)

        self.requests = counter(
            "streamspec_requests",
            "Requests answered, by operation (the contract's operationId, else the route's"
            " path) and HTTP status; 499: the client left before the answer.",
            ["operation", "status"],
        )
        self.request_duration = histogram(
            "streamspec_request_duration_seconds",
            "From the request's arrival to the end of its answer (for a stream, its last event).",
            ["operation", "status"],
            _DURATION_BUCKETS,
        )
        self.open_streams = Gauge(
            "streamspec_open_streams",
            "Event streams being sent now.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        self.time_to_first_token = histogram(
            "streamspec_time_to_first_token_seconds",
            "From a stream request's arrival to its first event going out.",
            ["operation"],
            _FIRST_TOKEN_BUCKETS,
        )
        self.upstream_requests = counter(
            "streamspec_upstream_requests",
            "Requests to the upstream provider, by outcome: ok, rate_limited, timeout,"
            " unavailable (unreachable, 5xx, refused credentials, unreadable answer),"
            " cancelled (the client left, or shutdown ended the stream).",
            ["outcome"],
        )
        self.upstream_latency = histogram(
            "streamspec_upstream_latency_seconds",
            "From sending a request upstream to the head of the provider's answer.",
            [],
            _DURATION_BUCKETS,
        )
        self.rate_limit_refusals = counter(
            "streamspec_rate_limit_refusals",
            "Requests refused with a 429, by reason: rate_limit (the caller's budget) or"
            " stream_cap (the caller's open streams).",
            ["reason"],
        )
        self.tokens = counter(
            "streamspec_tokens",
            "Tokens of answered chats as the provider counted them, by caller (`key:` and a"
            " hash of the API key, or `addr:` and the client address) and kind.",
            ["caller", "kind"],
        )
        self._answered: dict[str, dict[int, tuple[_Counts, _Observes]]] = {}
        self._first_token: dict[str, _Observes] = {}
        self._tokens: dict[str, tuple[_Counts, _Counts]] = {}
        # Known outcomes and reasons are shown from the start, at zero.
        self._upstream = {name: self.upstream_requests.labels(name) for name in UPSTREAM_OUTCOMES}
        self._refusals = {name: self.rate_limit_refusals.labels(name) for name in REFUSAL_REASONS}
        self._upstream_latency = self.upstream_latency.labels()
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


class _Counts(Protocol):
    def inc(self, amount: float = 1) -> None: ...


class _Observes(Protocol):
    def observe(self, amount: float) -> None: ...


_Child = TypeVar("_Child", covariant=True)


class _Family(Protocol[_Child]):
    def labels(self, *values: str) -> _Child: ...


class _Unlabelled:
    """A metric without labels is its own only child."""

    def __init__(self, histogram: Histogram) -> None:
        self._histogram = histogram

    def labels(self, *values: str) -> Histogram:
        return self._histogram


class _Count:
    __slots__ = ("created", "value")

    def __init__(self) -> None:
        self.value = 0.0
        self.created = time.time()

    def inc(self, amount: float = 1) -> None:
        self.value += amount


class _Distribution:
    """One histogram child: a count per bucket (not cumulative), the last one +Inf."""

    __slots__ = ("bounds", "counts", "created", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.sum = 0.0
        self.created = time.time()

    def observe(self, amount: float) -> None:
        # A bucket counts what is at most its bound, as prometheus-client's `le` does.
        self.counts[bisect_left(self.bounds, amount)] += 1
        self.sum += amount


_Tallied = TypeVar("_Tallied", _Count, _Distribution)


class _Tally(Collector, Generic[_Tallied]):
    """One metric's children by label values, in this process, read out at each scrape.

    Only the event loop's thread touches it: the operations and `/metrics` both run there.
    """

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        registry: CollectorRegistry,
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self.children: dict[tuple[str, ...], _Tallied] = {}
        if not labelnames:
            self.labels()  # shown from the start, at zero, as prometheus-client does
        registry.register(self)

    def labels(self, *values: str) -> _Tallied:
        child = self.children.get(values)
        if child is None:
            child = self.children[values] = self._new_child()
        return child

    def _new_child(self) -> _Tallied:
        raise NotImplementedError


class _TalliedCounter(_Tally[_Count]):
    def _new_child(self) -> _Count:
        return _Count()

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for values, child in self.children.items():
            family.add_metric(values, child.value, created=child.created)
        yield family


class _TalliedHistogram(_Tally[_Distribution]):
    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        buckets: Sequence[float],
        registry: CollectorRegistry,
    ) -> None:
        self._bounds = tuple(float(bound) for bound in buckets)
        les = (floatToGoString(bound) for bound in self._bounds)  # type: ignore[no-untyped-call]
        self._les = [*les, "+Inf"]
        super().__init__(name, documentation, labelnames, registry)

    def _new_child(self) -> _Distribution:
        return _Distribution(self._bounds)

    def collect(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for values, child in self.children.items():
            cumulative = 0
            buckets: list[tuple[str, float]] = []
            for le, count in zip(self._les, child.counts, strict=True):
                cumulative += count
                buckets.append((le, cumulative))
            family.add_metric(values, buckets, child.sum)
            labels = dict(zip(self.labelnames, values, strict=True))
            family.add_sample(f"{self.name}_created", labels, child.created)
        yield family


def metrics_route_handler(metrics: Metrics) -> HTTPRouteHandler:
    @get(METRICS_PATH, include_in_schema=False, sync_to_thread=False)
    def exposition() -> Response[bytes]:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return exposition
