"""AsyncClient mirrors Client: the same typed results, errors, retries and stream closing."""

from __future__ import annotations

import httpx
import pytest

from streamspec_client import (
    APITimeoutError,
    AsyncClient,
    RateLimitError,
    StreamChatDelta,
    StreamChatDone,
    StreamError,
    StreamTruncatedError,
)

from .conftest import (
    USER_HELLO,
    TrackedStream,
    async_reply_text,
    mock_async_client,
    problem,
    problem_response,
    sse_event,
    sse_response,
)

DONE = {"finish_reason": "stop", "model": "echo"}
HEALTH = {"status": "ok", "version": "1", "server": "test", "python": "3.11"}


async def test_async_stream_yields_typed_events_and_closes_the_response() -> None:
    body = TrackedStream([sse_event("delta", {"content": "hi"}), sse_event("done", DONE)])
    client = mock_async_client(lambda request: sse_response(body))

    async with client.stream_chat(messages=USER_HELLO) as stream:
        assert stream.request_id == "req-1"
        events = [event async for event in stream]

    assert [type(event) for event in events] == [StreamChatDelta, StreamChatDone]
    assert body.closed


async def test_async_stream_text_concatenates_deltas() -> None:
    chunks = [sse_event("delta", {"content": c}) for c in ("a", "b")] + [sse_event("done", DONE)]
    client = mock_async_client(lambda request: sse_response(TrackedStream(chunks)))

    async with client.stream_chat(messages=USER_HELLO) as stream:
        assert await async_reply_text(stream) == "ab"


async def test_async_break_closes_the_response() -> None:
    body = TrackedStream([sse_event("delta", {"content": str(i)}) for i in range(50)])
    client = mock_async_client(lambda request: sse_response(body))

    async with client.stream_chat(messages=USER_HELLO) as stream:
        async for _event in stream:
            break

    assert body.closed


async def test_async_in_stream_error_raises_stream_error() -> None:
    body = TrackedStream([sse_event("error", problem(504, "too slow"))])
    client = mock_async_client(lambda request: sse_response(body))

    with pytest.raises(StreamError) as caught:
        async with client.stream_chat(messages=USER_HELLO) as stream:
            await async_reply_text(stream)

    assert caught.value.problem.status == 504
    assert body.closed


async def test_async_stream_that_ends_without_done_raises_stream_truncated_error() -> None:
    body = TrackedStream([sse_event("delta", {"content": "partial"})])
    client = mock_async_client(lambda request: sse_response(body))
    seen: list[object] = []

    async def drain() -> None:
        async with client.stream_chat(messages=USER_HELLO) as stream:
            async for event in stream:
                seen.append(event)

    with pytest.raises(StreamTruncatedError) as caught:
        await drain()

    assert [type(event) for event in seen] == [StreamChatDelta]
    assert caught.value.request_id == "req-1"
    assert body.closed


async def test_async_stream_yields_nothing_after_the_done_event() -> None:
    trailing = sse_event("delta", {"content": "trailing"})
    body = TrackedStream([sse_event("done", DONE), trailing, sse_event("error", problem(502))])
    client = mock_async_client(lambda request: sse_response(body))

    async with client.stream_chat(messages=USER_HELLO) as stream:
        events = [event async for event in stream]

    assert [type(event) for event in events] == [StreamChatDone]
    assert body.chunks_read == 1
    assert body.closed


async def test_async_retries_honour_retry_after_then_raise(sleeps: list[float]) -> None:
    client = mock_async_client(lambda request: problem_response(429, {"Retry-After": "2"}))

    with pytest.raises(RateLimitError) as caught:
        await client.create_chat(messages=USER_HELLO)

    assert caught.value.retry_after == 2.0
    assert sleeps == [2.0, 2.0]


async def test_async_timeout_raises_api_timeout_error() -> None:
    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(APITimeoutError):
        await mock_async_client(stall, max_retries=0).get_health()


async def test_async_client_owns_and_closes_its_http_client() -> None:
    async with AsyncClient("http://127.0.0.1:9") as client:
        assert client.max_retries == 2
    assert client._http.is_closed


async def test_async_get_health_returns_health() -> None:
    client = mock_async_client(lambda request: httpx.Response(200, json=HEALTH))

    health = await client.get_health()

    assert health.python == "3.11"
