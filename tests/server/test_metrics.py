"""The one-worker metrics, tallied in plain Python, read out as prometheus-client writes them."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from streamspec.metrics import Metrics


def buckets(metrics: Metrics, name: str, **labels: str) -> dict[str, float]:
    text = metrics.exposition().decode()
    return {
        sample.labels["le"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == f"{name}_bucket"
        and {k: v for k, v in sample.labels.items() if k != "le"} == labels
    }


def test_a_duration_on_a_bucket_bound_counts_in_that_bucket_and_buckets_are_cumulative() -> None:
    metrics = Metrics()
    for seconds in (0.001, 0.0011, 0.005, 400.0):
        metrics.request_answered("createChat", 200, seconds)
    counted = buckets(
        metrics, "streamspec_request_duration_seconds", operation="createChat", status="200"
    )
    assert counted["0.001"] == 1
    assert counted["0.005"] == 3
    assert counted["300.0"] == 3
    assert counted["+Inf"] == 4


def test_an_unlabelled_histogram_is_shown_at_zero_before_any_observation() -> None:
    counted = buckets(Metrics(), "streamspec_upstream_latency_seconds")
    assert counted["+Inf"] == 0
    assert len(counted) == 16
