"""Server-Sent Events out, and noticing when the client has gone.

`EventStream` is a plain ASGI response that owns its event source: whether the
stream ends, fails, or the client leaves (even before the first byte is sent),
the source is closed, and with it the upstream request. A single watcher task
per stream listens for the disconnect and sends keepalive comments.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import Any, TypeVar, cast

import msgspec
from litestar.types import Receive, Scope, Send

from streamspec.asgi import aclose
from streamspec.errors import ClientDisconnected, ShuttingDown, problem_for
from streamspec.interrupts import Interrupt
from streamspec.request_id import request_id_for
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
    """One event in wire form; msgspec's JSON never holds a raw newline, so one data line.

    Each generated event class knows its own `event:` line (none, in a data-only stream).
    """
    prefix: bytes = event.sse_prefix
    return prefix + _encoder.encode(event.data) + b"\n\n"


def encode_item(item: Any) -> bytes:
    """What a handler's stream yielded, an event or a sequence of events, in wire form."""
    if isinstance(item, msgspec.Struct):
        return encode_event(item)
    return b"".join([encode_event(event) for event in item])


# A slow client, or a source that hands over many events at once, gets them in
# writes of up to this size rather than one write per event.
COALESCE_BYTES = 64 * 1024


def _start(awaitable: Awaitable[Any]) -> _Pending:
    """Step `awaitable` once, by hand, without a trip through the event loop.

    Ready at once, it raises StopIteration carrying the result, as a generator does;
    otherwise the returned `_Pending` finishes it when awaited, so nothing is lost or
    read twice.
    """
    step: Any = awaitable.__await__()
    if not hasattr(step, "send"):  # an iterator, as __await__ may return: make it a generator
        step = _delegate(step)
    return _Pending(step, step.send(None))


def _delegate(iterator: Any) -> Generator[Any, Any, Any]:
    return (yield from iterator)


class _Pending:
    """An awaitable that had to wait after its first step: awaiting this finishes it."""

    __slots__ = ("_step", "_yielded")

    def __init__(self, step: Any, yielded: Any) -> None:
        self._step = step
        self._yielded = yielded

    def __await__(self) -> Generator[Any, Any, Any]:
        step, yielded = self._step, self._yielded
        while True:
            try:
                sent = yield yielded
            except BaseException as exc:  # cancellation reaches the source as it would
                try:
                    yielded = step.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    yielded = step.send(sent)
                except StopIteration as done:
                    return done.value

    async def abandon(self) -> None:
        """Cancel the wait, letting the source clean up (close its upstream request)."""
        try:
            self._yielded = self._step.throw(asyncio.CancelledError())
        except BaseException:  # the source ended, as a cancelled source does
            return
        with contextlib.suppress(BaseException):
            await self


def _shutting_down() -> ShuttingDown:
    return ShuttingDown("The server is shutting down; retry on another connection.")


async def _next_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


# Answers quicker than this never pay for a watcher task; a client that leaves is
# still noticed within this long plus the time it takes to notice the disconnect.
WATCH_AFTER_SECONDS = 0.05


async def cancel_on_disconnect(
    receive: Receive,
    awaitable: Awaitable[T],
    task: asyncio.Task[Any],
    shutdown: Shutdown | None = None,
) -> T:
    """Await `awaitable` in `task` (the current one), cancelling it if the client disconnects
    (ClientDisconnected) or the shutdown grace period ends first (ShuttingDown, a 503)."""
    # An answer ready at once (the echo provider's, a stream's first event when it is
    # ready) is taken without arming anything: measured, the timer and the interrupt
    # were about 3% of an echo chat.
    try:
        pending = _start(awaitable)
    except StopIteration as ready:
        return cast(T, ready.value)
    loop = asyncio.get_running_loop()
    left = Interrupt(task)
    watcher: asyncio.Task[None] | None = None

    async def watch() -> None:
        await _next_disconnect(receive)
        left.fire()

    def start_watching() -> None:
        nonlocal watcher
        watcher = loop.create_task(watch())

    timer = loop.call_later(WATCH_AFTER_SECONDS, start_watching)
    # A wait for the provider's first byte may outlast the grace period by far (the
    # upstream timeout); the server waits for every open request, so this one must end.
    stopping = Interrupt(task)
    if shutdown is not None:
        shutdown.install_signal_handler()
        shutdown.register(stopping.fire)
    try:
        return cast(T, await pending)
    except asyncio.CancelledError:
        if left.caused():
            raise ClientDisconnected from None
        if stopping.caused():
            raise _shutting_down() from None
        raise
    finally:
        timer.cancel()
        if shutdown is not None:
            shutdown.unregister(stopping.fire)
        if watcher is not None:
            watcher.cancel()


class EventStream:
    # Set when the response starts: why the stream's task may be cancelled on purpose.
    _left: Interrupt  # the client went away
    _stopping: Interrupt  # the shutdown grace period is over

    def __init__(
        self,
        first: Any,
        events: AsyncIterator[Any],
        error_event: Callable[[Exception, str], Any] | None,
        keepalive_seconds: float,
        shutdown: Shutdown | None = None,
        headers: list[tuple[bytes, bytes]] | None = None,
        *,
        end: bytes = b"",
    ) -> None:
        self._first = first
        self._events = events
        self._error_event = error_event
        self._end = end
        self._keepalive = keepalive_seconds
        self._shutdown = shutdown
        self._headers = [*_HEADERS, *(headers or [])]
        self._sending = False
        self._last_send = 0.0
        self._pending: _Pending | None = None
        self._waiting = False
        self._keepalive_in_flight: asyncio.Future[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        self._left = Interrupt(task)
        self._stopping = Interrupt(task)
        request_id = request_id_for(scope)
        self._last_send = loop.time()
        watcher = asyncio.ensure_future(self._watch(receive, send, loop))
        if self._shutdown:
            self._shutdown.install_signal_handler()
            self._shutdown.register(self.stop_for_shutdown)
        try:
            start = {"type": "http.response.start", "status": 200, "headers": self._headers}
            await self._send(send, loop, start)
            try:
                await self._relay(send, loop)
            except Exception as exc:
                if self._error_event is None:  # the contract gives the stream no way to say
                    problem, _ = problem_for(exc, request_id)
                    logger.warning("stream ended early: %s %s", problem.status, problem.detail)
                    await self._send_body(send, loop, b"", True)
                else:
                    event = encode_event(self._error_event(exc, request_id))
                    await self._send_body(send, loop, event, True)
        except asyncio.CancelledError:
            if not self._left.caused():
                raise
            logger.info("client left mid-stream; upstream closed")
        except OSError:
            logger.info("client connection failed mid-stream; upstream closed")
        finally:
            if self._shutdown:
                self._shutdown.unregister(self.stop_for_shutdown)
            watcher.cancel()
            if self._pending is not None:
                await self._pending.abandon()
            await aclose(self._events)

    async def _relay(self, send: Send, loop: asyncio.AbstractEventLoop) -> None:
        """Send every event, coalescing those that are ready at once into one write: a
        sequence the source yields, and whatever it can give next without waiting."""
        body = encode_item(self._first)
        while True:
            body, finished, failure = self._drain_ready(body)
            if finished and failure is None and self._end:
                body += self._end
            # The last events and the end of the body go in one write: a send is a trip
            # to the server's I/O thread (measured: echo streams +5% against the end alone).
            await self._send_body(send, loop, body, finished and failure is None)
            if failure is not None:
                raise failure
            if finished:
                return
            if self._stopping.fired:
                raise _shutting_down()
            pending, self._pending = self._pending, None
            # Shutdown interrupts this wait for the next event only, never a write.
            self._waiting = True
            try:
                item = await (pending if pending is not None else anext(self._events))
            except StopAsyncIteration:  # a source that had to wait before ending
                item = None
            except asyncio.CancelledError:
                if self._stopping.caused():
                    raise _shutting_down() from None
                raise
            finally:
                self._waiting = False
            if item is None:  # the end goes out now that the wait is over, not inside it
                await self._send_body(send, loop, self._end, True)
                return
            body = encode_item(item)

    def _drain_ready(self, body: bytes) -> tuple[bytes, bool, Exception | None]:
        """Append the events the source can give without waiting.

        Each `__anext__` is stepped by hand (`_start`): if it completes at once its
        event joins this write; if it has to wait, it is kept in `_pending` and the
        next loop awaits it.
        """
        parts = [body]
        size = len(body)
        while size < COALESCE_BYTES:
            try:
                pending = _start(self._events.__anext__())
            except StopIteration as ready:
                part = encode_item(ready.value)
                parts.append(part)
                size += len(part)
                continue
            except StopAsyncIteration:
                return b"".join(parts), True, None
            except Exception as exc:  # sent after the events before it
                return b"".join(parts), True, exc
            self._pending = pending
            break
        return b"".join(parts), False, None

    def stop_for_shutdown(self) -> None:
        """End the stream with an `error` event: the grace period is over."""
        # Only a wait for the next event is interrupted; otherwise the loop notices.
        self._stopping.fire(cancel=self._waiting and not self._left.fired)

    async def _send_body(
        self, send: Send, loop: asyncio.AbstractEventLoop, body: bytes, last: bool = False
    ) -> None:
        await self._send(
            send, loop, {"type": "http.response.body", "body": body, "more_body": not last}
        )

    async def _send(self, send: Send, loop: asyncio.AbstractEventLoop, message: Any) -> None:
        # The watcher's keepalive and the stream's events never interleave: the watcher
        # skips a keepalive while an event is being sent, and an event waits for one.
        if self._keepalive_in_flight is not None:
            await asyncio.shield(self._keepalive_in_flight)
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
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        disconnect = asyncio.ensure_future(_next_disconnect(receive))
        try:
            while True:
                idle_for = loop.time() - self._last_send
                if idle_for >= self._keepalive and not self._sending:
                    self._keepalive_in_flight = loop.create_future()
                    try:
                        await send(
                            {"type": "http.response.body", "body": _KEEPALIVE, "more_body": True}
                        )
                    except Exception:  # the connection is gone: as good as a disconnect
                        self._left.fire()
                        return
                    finally:
                        self._keepalive_in_flight.set_result(None)
                        self._keepalive_in_flight = None
                        self._last_send = loop.time()
                    continue
                await asyncio.wait({disconnect}, timeout=max(0.01, self._keepalive - idle_for))
                if disconnect.done():
                    self._left.fire()
                    return
        finally:
            disconnect.cancel()
