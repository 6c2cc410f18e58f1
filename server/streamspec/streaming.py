"""Server-Sent Events out, and noticing when the client has gone.

`EventStream` is a plain ASGI response that owns its event source: whether the
stream ends, fails, or the client leaves (even before the first byte is sent),
the source is closed, and with it the upstream request. A single watcher task
per stream listens for the disconnect and sends keepalive comments.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from litestar.types import Receive, Scope, Send

from streamspec._generated.models import Problem
from streamspec.errors import ClientDisconnected, ProblemError, problem_for
from streamspec.request_id import REQUEST_ID_KEY, request_id_for
from streamspec.shutdown import Shutdown

logger = logging.getLogger("streamspec.streaming")
T = TypeVar("T")

_encoder = msgspec.json.Encoder()
_KEEPALIVE = b": keepalive\n\n"
_HEADERS = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]


def encode_event(event: Any) -> bytes:
    """One event in wire form; msgspec's JSON never holds a raw newline, so one data line."""
    name: str = type(event).__struct_config__.tag
    return b"event: " + name.encode() + b"\ndata: " + _encoder.encode(event.data) + b"\n\n"


class ShuttingDown(ProblemError):
    status = 503
    type = "urn:streamspec:problem:shutting-down"


async def _next_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


# Answers quicker than this never pay for a watcher task; a client that leaves is
# still noticed within this long plus the time it takes to notice the disconnect.
WATCH_AFTER_SECONDS = 0.05


async def cancel_on_disconnect(
    receive: Receive, awaitable: Awaitable[T], task: asyncio.Task[Any]
) -> T:
    """Await `awaitable` in `task` (the current one), cancelling it if the client disconnects."""
    loop = asyncio.get_running_loop()
    gone = False
    watcher: asyncio.Task[None] | None = None

    async def watch() -> None:
        nonlocal gone
        await _next_disconnect(receive)
        gone = True
        task.cancel()

    def start_watching() -> None:
        nonlocal watcher
        watcher = loop.create_task(watch())

    timer = loop.call_later(WATCH_AFTER_SECONDS, start_watching)
    try:
        return await awaitable
    except asyncio.CancelledError:
        if gone and task.uncancel() == 0:
            raise ClientDisconnected from None
        raise
    finally:
        timer.cancel()
        if watcher is not None:
            watcher.cancel()


class EventStream:
    def __init__(
        self,
        first: Any,
        events: AsyncGenerator[Any, None],
        error_event: Callable[[Problem], Any],
        keepalive_seconds: float,
        shutdown: Shutdown | None = None,
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        self._first = first
        self._events = events
        self._error_event = error_event
        self._keepalive = keepalive_seconds
        self._shutdown = shutdown
        self._headers = [*_HEADERS, *(headers or [])]
        self._sending = False
        self._last_send = 0.0
        self._client_gone = False
        self._stopped_by_shutdown = False
        self._task: asyncio.Task[Any] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        self._task = task
        request_id = request_id_for(scope)
        if not any(name == REQUEST_ID_KEY for name, _ in self._headers):
            self._headers.append((REQUEST_ID_KEY, request_id.encode()))
        watcher = asyncio.ensure_future(self._watch(receive, send, task, loop))
        if self._shutdown:
            self._shutdown.install_signal_handler()
            self._shutdown.register(self.stop_for_shutdown)
        try:
            start = {"type": "http.response.start", "status": 200, "headers": self._headers}
            await self._send(send, loop, start)
            await self._send_body(send, loop, encode_event(self._first))
            try:
                try:
                    async for event in self._events:
                        await self._send_body(send, loop, encode_event(event))
                except asyncio.CancelledError:
                    if not (self._stopped_by_shutdown and task.uncancel() == 0):
                        raise
                    raise ShuttingDown(
                        "The server is shutting down; retry on another connection."
                    ) from None
            except Exception as exc:
                problem, _ = problem_for(exc, request_id)
                await self._send_body(send, loop, encode_event(self._error_event(problem)))
            await self._send(send, loop, {"type": "http.response.body", "body": b""})
        except asyncio.CancelledError:
            if not (self._client_gone and task.uncancel() == 0):
                raise
            logger.info("client left mid-stream; upstream closed")
        except OSError:
            logger.info("client connection failed mid-stream; upstream closed")
        finally:
            if self._shutdown:
                self._shutdown.unregister(self.stop_for_shutdown)
            watcher.cancel()
            await self._events.aclose()

    def stop_for_shutdown(self) -> None:
        """End the stream now with an `error` event: the grace period is over."""
        if self._task is not None and not self._client_gone:
            self._stopped_by_shutdown = True
            self._task.cancel()

    async def _send_body(self, send: Send, loop: asyncio.AbstractEventLoop, body: bytes) -> None:
        await self._send(
            send, loop, {"type": "http.response.body", "body": body, "more_body": True}
        )

    async def _send(self, send: Send, loop: asyncio.AbstractEventLoop, message: Any) -> None:
        self._sending = True
        try:
            await send(message)
        finally:
            self._sending = False
            self._last_send = loop.time()

    async def _watch(
        self,
        receive: Receive,
        send: Send,
        task: asyncio.Task[Any],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        disconnect = asyncio.ensure_future(_next_disconnect(receive))
        try:
            while True:
                idle_for = loop.time() - self._last_send
                if self._last_send and idle_for >= self._keepalive and not self._sending:
                    await self._send_body(send, loop, _KEEPALIVE)
                    continue
                await asyncio.wait({disconnect}, timeout=max(0.01, self._keepalive - idle_for))
                if disconnect.done():
                    self._client_gone = True
                    task.cancel()
                    return
        finally:
            disconnect.cancel()
