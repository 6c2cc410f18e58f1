"""Streams under load, timed event by event: the clients behind the time-to-first-token and
paced-stream measurements of scripts/bench.

Each connection is an `asyncio.Protocol` that runs streams back to back over keep-alive and
stamps the arrival of every event, so the client itself stays cheap next to the server.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

_END = b"\r\n0\r\n\r\n"  # the last chunk of a chunked response


@dataclass
class StreamStats:
    ttft: list[float] = field(default_factory=list)
    """Seconds from sending a request to the arrival of its first event."""
    max_gaps: list[float] = field(default_factory=list)
    """Per stream, the longest wait between two of its events."""
    events: list[int] = field(default_factory=list)
    stalls: int = 0
    errors: list[str] = field(default_factory=list)
    open_streams: int = 0

    @property
    def completed(self) -> int:
        return len(self.events)


def http_request(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "host: 127.0.0.1", "content-type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"content-length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _StreamingConnection(asyncio.Protocol):
    """Runs one stream at a time; `start()` sends a request, `finished` resolves at its end."""

    def __init__(self, request: bytes, marker: bytes, stats: StreamStats, stall_s: float) -> None:
        self._request = request
        self._marker = marker
        self._stats = stats
        self._stall_s = stall_s
        self._transport: asyncio.Transport | None = None
        self._head_done = False
        self._head = b""
        self._tail = b""
        self._sent_at = 0.0
        self._last_event = 0.0
        self._events = 0
        self._max_gap = 0.0
        self.finished: asyncio.Future[bool] | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass

    def connection_lost(self, exc: Exception | None) -> None:
        if self.finished is not None and not self.finished.done():
            self._fail(f"connection lost mid-stream: {exc or 'closed by the server'}")
        if not self.closed.done():
            self.closed.set_result(None)

    def start(self) -> asyncio.Future[bool]:
        assert self._transport is not None
        self._head_done, self._head, self._tail = False, b"", b""
        self._events, self._max_gap = 0, 0.0
        self.finished = asyncio.get_running_loop().create_future()
        self._stats.open_streams += 1
        self._sent_at = time.perf_counter()
        self._transport.write(self._request)
        return self.finished

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        if not self._head_done:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self._head.startswith(b"HTTP/1.1 200"):
                self._fail(self._head.split(b"\r\n", 1)[0].decode(errors="replace"))
                return
            self._head_done = True
            data = self._head[end + 4 :]
            self._tail = b"\r\n"  # so that an empty body still ends with _END
        window = self._tail + data
        arrived = window.count(self._marker) - self._tail.count(self._marker)
        if arrived:
            if self._events == 0:
                self._stats.ttft.append(now - self._sent_at)
            else:
                gap = now - self._last_event
                self._max_gap = max(self._max_gap, gap)
                if gap > self._stall_s:
                    self._stats.stalls += 1
            self._events += arrived
            self._last_event = now
        self._tail = window[-max(len(self._marker) - 1, len(_END)) :]
        if window.endswith(_END):
            self._stats.open_streams -= 1
            self._stats.events.append(self._events)
            self._stats.max_gaps.append(self._max_gap)
            assert self.finished is not None
            self.finished.set_result(True)

    def _fail(self, reason: str) -> None:
        self._stats.open_streams -= 1
        if len(self._stats.errors) < 20:
            self._stats.errors.append(reason)
        else:
            self._stats.errors[-1] = f"... and more: {reason}"
        if self.finished is not None and not self.finished.done():
            self.finished.set_result(False)
        self.close()


async def run_streams(
    port: int,
    request: bytes,
    marker: bytes,
    *,
    connections: int,
    duration: float,
    stagger: float = 0.0,
    stall_s: float = 0.040,
    on_tick: Callable[[StreamStats], None] | None = None,
) -> StreamStats:
    """`connections` clients, each streaming back to back for `duration` seconds.

    Client `i` starts `i * stagger / connections` seconds in, so that streams of a known
    length overlap evenly instead of all starting (and ending) together.
    """
    loop = asyncio.get_running_loop()
    stats = StreamStats()
    deadline = loop.time() + stagger + duration

    async def client(index: int) -> None:
        await asyncio.sleep(index * stagger / connections)
        connection: _StreamingConnection | None = None
        while loop.time() < deadline:
            if connection is None or connection.closed.done():
                try:
                    _, connection = await loop.create_connection(
                        lambda: _StreamingConnection(request, marker, stats, stall_s),
                        "127.0.0.1",
                        port,
                    )
                except OSError as exc:
                    stats.errors.append(f"connect: {exc}")
                    await asyncio.sleep(0.1)
                    continue
            if not await connection.start():
                await asyncio.sleep(0.01)
        if connection is not None:
            connection.close()

    async def ticker() -> None:
        while on_tick is not None:
            on_tick(stats)
            await asyncio.sleep(0.25)

    tick = asyncio.ensure_future(ticker())
    try:
        await asyncio.gather(*(client(index) for index in range(connections)))
    finally:
        tick.cancel()
    return stats


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(fraction * 1000) - 1]
