"""SIGTERM: open streams get the grace period, then an `error` event; nothing new is accepted."""

from __future__ import annotations

import signal
import threading
import time

import httpx
import pytest

from tests.conftest import ServerFactory, Upstream
from tests.integration.sse import Event, read_events, sse_lines

SERVERS = ["granian", "uvicorn", "hypercorn"]


def _words(count: int) -> str:
    return " ".join(f"w{i}" for i in range(count))


@pytest.mark.parametrize("server", SERVERS)
def test_sigterm_lets_short_streams_finish_and_ends_long_ones_with_an_error_event(
    server_factory: ServerFactory, server: str
) -> None:
    live = server_factory(
        {"STREAMSPEC_ECHO_DELAY_MS": "100", "STREAMSPEC_SHUTDOWN_GRACE_SECONDS": "1.5"},
        server=server,
    )
    results: dict[str, list[Event]] = {}

    def stream(name: str, words: int) -> None:
        body = {"messages": [{"role": "user", "content": _words(words)}]}
        with httpx.stream("POST", live.url + "/api/chat/stream", json=body, timeout=20) as reply:
            results[name] = list(read_events(sse_lines(reply.iter_bytes())))

    threads = [
        threading.Thread(target=stream, args=("short", 8)),
        threading.Thread(target=stream, args=("long", 100)),
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.4)
    live.process.send_signal(signal.SIGTERM)
    terminated = time.monotonic()
    for thread in threads:
        thread.join(20)

    assert results["short"][-1].event == "done"
    assert "".join(e.json()["content"] for e in results["short"][:-1]) == _words(8)
    last = results["long"][-1]
    assert last.event == "error"
    assert last.json()["status"] == 503
    assert 1.0 < time.monotonic() - terminated < 5
    with pytest.raises(httpx.HTTPError):
        httpx.get(live.url + "/health", timeout=2)


@pytest.mark.parametrize("server", SERVERS)
def test_sigterm_answers_requests_waiting_for_a_stalled_upstream_with_503_within_the_grace(
    server_factory: ServerFactory, upstream: Upstream, server: str
) -> None:
    grace = 1.5
    live = server_factory(
        {
            "OPENAI_BASE_URL": upstream.base_url,
            "STREAMSPEC_UPSTREAM_TIMEOUT": "60",
            "STREAMSPEC_SHUTDOWN_GRACE_SECONDS": str(grace),
        },
        server=server,
    )
    outcomes: dict[str, tuple[int, str]] = {}

    def wait(name: str, path: str, model: str) -> None:
        body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
        with httpx.stream("POST", live.url + path, json=body, timeout=30) as reply:
            content = reply.read().decode()
            if reply.status_code == 200:  # a stream that started: its last event
                events = list(read_events(sse_lines(iter([content.encode()]))))
                outcomes[name] = (200, events[-1].event + ":" + events[-1].data)
            else:
                outcomes[name] = (reply.status_code, reply.headers["content-type"])

    waits = [
        *(("json", "/api/chat", "fault-stall") for _ in range(3)),
        *(("stream", "/api/chat/stream", "fault-stall") for _ in range(3)),
        ("started", "/api/chat/stream", "fault-stall-mid"),
    ]
    threads = [
        threading.Thread(target=wait, args=(f"{kind}-{index}", path, model))
        for index, (kind, path, model) in enumerate(waits)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    live.process.send_signal(signal.SIGTERM)
    terminated = time.monotonic()
    live.process.wait(timeout=grace + 10)
    exited_after = time.monotonic() - terminated
    for thread in threads:
        thread.join(10)

    assert exited_after < grace + 1
    waiting = {name: outcome for name, outcome in outcomes.items() if "started" not in name}
    assert waiting == dict.fromkeys(waiting, (503, "application/problem+json"))
    assert len(waiting) == 6
    status, last_event = outcomes["started-6"]
    assert status == 200
    assert last_event.startswith("error:")
    assert '"status":503' in last_event
    assert "Traceback" not in live.log()
