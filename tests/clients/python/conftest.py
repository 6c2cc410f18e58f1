"""Test doubles for the Python SDK: real httpx transports, and retries that do not sleep."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import httpx
import pytest

from streamspec_client import (
    AsyncClient,
    ChatMessageParam,
    Client,
    StreamChatDelta,
    StreamChatEvent,
    _retries,
)

BASE_URL = "http://streamspec.test"
USER_HELLO: list[ChatMessageParam] = [{"role": "user", "content": "hello"}]


def sse_event(event: str, data: object) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def problem(status: int, detail: str = "what went wrong") -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": "Problem",
        "status": status,
        "detail": detail,
        "instance": "urn:streamspec:request:req-1",
    }


def problem_response(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        json=problem(status),
        headers={"content-type": "application/problem+json", "X-Request-ID": "req-1"}
        | (headers or {}),
    )


class TrackedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that yields `chunks`, then raises `then` if given, and records closing."""

    def __init__(self, chunks: list[bytes], then: Exception | None = None) -> None:
        self.chunks = chunks
        self.then = then
        self.closed = False
        self.chunks_read = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.chunks_read += 1
            yield chunk
        if self.then is not None:
            raise self.then

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.__iter__():
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def sse_response(stream: TrackedStream) -> httpx.Response:
    return httpx.Response(
        200, headers={"content-type": "text/event-stream", "X-Request-ID": "req-1"}, stream=stream
    )


Handler = Callable[[httpx.Request], httpx.Response]


def mock_client(handler: Handler, **options: Any) -> Client:
    transport = httpx.MockTransport(handler)
    return Client(BASE_URL, http_client=httpx.Client(transport=transport), **options)


def mock_async_client(handler: Handler, **options: Any) -> AsyncClient:
    transport = httpx.MockTransport(handler)
    return AsyncClient(BASE_URL, http_client=httpx.AsyncClient(transport=transport), **options)


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoff delays the clients asked for; nobody actually sleeps."""
    slept: list[float] = []

    async def async_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(_retries, "sleep", slept.append)
    monkeypatch.setattr(_retries, "async_sleep", async_sleep)
    return slept


def reply_text(stream: Iterable[StreamChatEvent]) -> str:
    """The rest of a chat stream: its `delta` contents, concatenated."""
    return "".join(event.data.content for event in stream if isinstance(event, StreamChatDelta))


async def async_reply_text(stream: AsyncIterable[StreamChatEvent]) -> str:
    return "".join([e.data.content async for e in stream if isinstance(e, StreamChatDelta)])
