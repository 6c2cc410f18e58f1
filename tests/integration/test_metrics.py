"""`/metrics` on the real server, read back with prometheus-client's own parser."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import SERVERS, LiveServer, ServerFactory, Upstream

KEY = "key-alpha"
BODY = {"messages": [{"role": "user", "content": "hello  there, world"}]}


def scrape(live: LiveServer) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of one scrape, by name and labels; a fresh connection each time."""
    response = httpx.get(live.url + "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def pids_that_counted(directory: Path, operation: str) -> set[str]:
    """The workers whose own metrics file counts a request of `operation`."""
    pids = set()
    for path in directory.glob("counter_*.db"):
        for key, count, _, _ in MmapedDict.read_all_values_from_file(str(path)):  # type: ignore[no-untyped-call]
            name, _, labels, _ = json.loads(key)
            if name == "streamspec_requests" and labels.get("operation") == operation and count:
                pids.add(path.stem.removeprefix("counter_"))
    return pids


@pytest.mark.parametrize(
    ("server", "workers"), [("granian", 1), *((server, 2) for server in SERVERS)]
)
def test_metrics_show_chats_a_stream_and_a_refusal_under_one_worker_and_two(
    server_factory: ServerFactory, redis_url: str, tmp_path: Path, server: str, workers: int
) -> None:
    metrics_dir = tmp_path / "metrics"
    key = f"key-{server}-{workers}-workers"  # the Redis, and so the budget, outlives the test
    auth = {"Authorization": f"Bearer {key}"}
    env = {
        "STREAMSPEC_API_KEYS": key,
        # In Redis, so the budget is one however many workers answer.
        "STREAMSPEC_RATE_LIMIT": "4/minute",
        "STREAMSPEC_REDIS_URL": redis_url,
    }
    if workers > 1:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    live = server_factory(env, server=server, workers=workers)

    for _ in range(3):
        assert httpx.post(live.url + "/api/chat", json=BODY, headers=auth).status_code == 200
    with httpx.stream("POST", live.url + "/api/chat/stream", json=BODY, headers=auth) as stream:
        assert stream.status_code == 200
        assert "event: done" in stream.read().decode()
    refused = httpx.post(live.url + "/api/chat", json=BODY, headers=auth)
    assert refused.status_code == 429
    if workers > 1:
        # Health checks are not rate limited: send them until both workers have served.
        for _ in range(200):
            assert httpx.get(live.url + "/health").status_code == 200
            if len(pids_that_counted(metrics_dir, "getHealth")) == workers:
                break
        assert len(pids_that_counted(metrics_dir, "getHealth")) == workers
    health_checks = value(
        scrape(live), "streamspec_requests_total", operation="getHealth", status="200"
    )
    assert health_checks >= 1  # the fixture's own wait for the server

    caller = "key:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    # Each scrape may be answered by either worker; each must add up all of them.
    for _ in range(4):
        samples = scrape(live)
        assert (
            value(samples, "streamspec_requests_total", operation="createChat", status="200") == 3
        )
        assert (
            value(samples, "streamspec_requests_total", operation="createChat", status="429") == 1
        )
        assert (
            value(samples, "streamspec_requests_total", operation="streamChat", status="200") == 1
        )
        assert (
            value(samples, "streamspec_requests_total", operation="getHealth", status="200")
            == health_checks
        )
        assert (
            value(
                samples,
                "streamspec_request_duration_seconds_count",
                operation="createChat",
                status="200",
            )
            == 3
        )
        assert (
            value(
                samples,
                "streamspec_request_duration_seconds_bucket",
                operation="createChat",
                status="200",
                le="+Inf",
            )
            == 3
        )
        assert (
            0
            < value(
                samples,
                "streamspec_request_duration_seconds_sum",
                operation="createChat",
                status="200",
            )
            < 3
        )
        assert (
            value(samples, "streamspec_time_to_first_token_seconds_count", operation="streamChat")
            == 1
        )
        assert value(samples, "streamspec_open_streams") == 0
        assert value(samples, "streamspec_rate_limit_refusals_total", reason="rate_limit") == 1
        assert value(samples, "streamspec_rate_limit_refusals_total", reason="stream_cap") == 0
        # Echo counts words: 3 prompt and 3 reply tokens, for 3 chats and a stream.
        assert value(samples, "streamspec_tokens_total", caller=caller, kind="prompt") == 12
        assert value(samples, "streamspec_tokens_total", caller=caller, kind="completion") == 12
        assert httpx.get(live.url + "/health").status_code == 200
        health_checks += 1
    assert key not in httpx.get(live.url + "/metrics").text


def test_open_streams_count_a_stream_while_it_runs(server_factory: ServerFactory) -> None:
    live = server_factory({"STREAMSPEC_ECHO_DELAY_MS": "300"})
    slow = {"messages": [{"role": "user", "content": "one two three four"}]}
    with httpx.stream("POST", live.url + "/api/chat/stream", json=slow) as stream:
        assert stream.status_code == 200
        events = stream.iter_raw()  # held: dropping it would close the stream
        assert next(events).startswith(b"event: delta")
        assert value(scrape(live), "streamspec_open_streams") == 1
    for _ in range(50):
        if value(scrape(live), "streamspec_open_streams") == 0:
            break
    assert value(scrape(live), "streamspec_open_streams") == 0


def test_upstream_requests_are_counted_by_outcome_and_timed(
    server_factory: ServerFactory, upstream: Upstream
) -> None:
    live = server_factory({"OPENAI_BASE_URL": upstream.base_url, "OPENAI_API_KEY": "sk-upstream"})
    ok = httpx.post(live.url + "/api/chat", json=BODY)
    assert ok.status_code == 200
    with httpx.stream("POST", live.url + "/api/chat/stream", json=BODY) as stream:
        assert "event: done" in stream.read().decode()
    for model, status in (("fault-500", 502), ("fault-429", 429)):
        failed = httpx.post(live.url + "/api/chat", json={**BODY, "model": model})
        assert failed.status_code == status

    samples = scrape(live)
    assert value(samples, "streamspec_upstream_requests_total", outcome="ok") == 2
    assert value(samples, "streamspec_upstream_requests_total", outcome="unavailable") == 1
    assert value(samples, "streamspec_upstream_requests_total", outcome="rate_limited") == 1
    assert value(samples, "streamspec_upstream_requests_total", outcome="timeout") == 0
    assert value(samples, "streamspec_upstream_latency_seconds_count") == 4
    assert 0 < value(samples, "streamspec_upstream_latency_seconds_sum") < 4
    # The provider's own 429 is the upstream's refusal, not ours.
    assert value(samples, "streamspec_rate_limit_refusals_total", reason="rate_limit") == 0
