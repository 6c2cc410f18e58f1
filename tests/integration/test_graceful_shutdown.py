"""SIGTERM: open streams get the grace period, then an `error` event; nothing new is accepted."""

from __future__ import annotations

import signal
import threading
import time

import httpx
import pytest

from tests.conftest import ServerFactory
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
