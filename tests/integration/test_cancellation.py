"""A client that leaves gets its upstream request closed, under every supported server.

Each test has a fake provider of its own, so its open-connection count is
exactly the connections this server holds to it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer, ServerFactory, Upstream, start_upstream

# granian on the plain asyncio loop was seen elsewhere holding aborted upstream streams for 40 s.
SERVERS = ["granian", "granian+asyncio", "uvicorn", "hypercorn"]
LONG_PROMPT = " ".join(f"word{i}" for i in range(200))


def _start(factory: ServerFactory, upstream: Upstream, server: str) -> LiveServer:
    name, _, loop = server.partition("+")
    env = {"OPENAI_BASE_URL": upstream.base_url, "STREAMSPEC_LOOP": loop or "uvloop"}
    return factory(env, server=name)


@pytest.fixture
def own_upstream() -> Iterator[Upstream]:
    fake = start_upstream()
    yield fake
    fake.stop()


def _closed_within(upstream: Upstream, seconds: float) -> float:
    """Seconds until the provider saw no open connection; fails after `seconds`."""
    started = time.monotonic()
    while upstream.open_connections():
        elapsed = time.monotonic() - started
        assert elapsed < seconds, f"upstream still open after {elapsed:.2f} s"
        time.sleep(0.02)
    return time.monotonic() - started


def _body(model: str) -> dict[str, object]:
    return {"model": model, "messages": [{"role": "user", "content": LONG_PROMPT}]}


# Each path with the body that makes it stream, or answer whole.
STREAMS = {"/api/chat/stream": {}, "/v1/chat/completions": {"stream": True}}
ANSWERS = {**STREAMS, "/api/chat": {}, "/v1/chat/completions?whole": {}}


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("path", STREAMS)
def test_leaving_mid_stream_closes_the_upstream_within_a_second(
    server_factory: ServerFactory, own_upstream: Upstream, server: str, path: str
) -> None:
    live = _start(server_factory, own_upstream, server)
    body = {**_body("fault-slow"), **STREAMS[path]}
    with httpx.stream("POST", live.url + path, json=body, timeout=10) as response:
        assert response.status_code == 200
        started = time.monotonic()
        for _ in response.iter_bytes():
            if time.monotonic() - started > 1.5:
                break
        assert own_upstream.open_connections() == 1
    _closed_within(own_upstream, 1.0)


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("path", ANSWERS)
def test_leaving_before_the_first_token_closes_the_upstream_within_a_second(
    server_factory: ServerFactory, own_upstream: Upstream, server: str, path: str
) -> None:
    live = _start(server_factory, own_upstream, server)
    body = {**_body("fault-stall"), **ANSWERS[path]}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(live.url + path.partition("?")[0], json=body, timeout=1.5)
    _closed_within(own_upstream, 1.0)


@pytest.mark.parametrize("server", SERVERS)
def test_aborted_streams_leave_the_connection_pool_at_its_baseline(
    server_factory: ServerFactory, own_upstream: Upstream, server: str
) -> None:
    live = _start(server_factory, own_upstream, server)
    assert httpx.post(live.url + "/api/chat", json=_body("m")).is_success
    baseline = own_upstream.open_connections()

    async def abort_after_first_event(client: httpx.AsyncClient) -> None:
        async with client.stream("POST", "/api/chat/stream", json=_body("fault-slow")) as response:
            async for _ in response.aiter_bytes():
                break

    async def abort_many(count: int) -> None:
        async with httpx.AsyncClient(base_url=live.url, timeout=10) as client:
            await asyncio.gather(*(abort_after_first_event(client) for _ in range(count)))

    asyncio.run(abort_many(100))
    deadline = time.monotonic() + 2
    while own_upstream.open_connections() > baseline and time.monotonic() < deadline:
        time.sleep(0.02)
    assert own_upstream.open_connections() <= baseline
