"""EventStream on a scripted source and a scripted client, without a server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from streamspec._generated.models import ChatDelta
from streamspec._generated.operations import StreamChatDelta, StreamChatError
from streamspec.errors import problem_for
from streamspec.streaming import EventStream

Message = dict[str, Any]


def _delta(text: str) -> StreamChatDelta:
    return StreamChatDelta(data=ChatDelta(content=text))


class _Client:
    """Records what is sent; the write that ends the body can be held, like a slow reader."""

    def __init__(self, *, hold_the_end: bool = False) -> None:
        self.messages: list[Message] = []
        self.release = asyncio.Event()
        if not hold_the_end:
            self.release.set()

    async def send(self, message: Message) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            await self.release.wait()

    async def receive(self) -> Message:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages[1:])

    @property
    def ends(self) -> int:
        return sum(1 for m in self.messages[1:] if not m.get("more_body"))


def _stream(first: Any, source: AsyncIterator[Any]) -> EventStream:
    return EventStream(
        first,
        source,
        lambda exc, request_id: StreamChatError(data=problem_for(exc, request_id)[0]),
        keepalive_seconds=30,
    )


async def _run(stream: EventStream, client: _Client) -> asyncio.Task[None]:
    scope: dict[str, Any] = {"type": "http", "headers": []}
    return asyncio.ensure_future(stream(scope, client.receive, client.send))  # type: ignore[arg-type]


async def test_events_ready_together_go_out_with_the_end_in_one_write() -> None:
    async def ready() -> AsyncIterator[Any]:
        for word in ("b", "c"):
            yield _delta(word)

    client = _Client()
    await (await _run(_stream(_delta("a"), ready()), client))
    bodies = [m for m in client.messages if m["type"] == "http.response.body"]
    assert len(bodies) == 1
    assert bodies[0]["more_body"] is False
    assert client.body.count(b"event: delta") == 3


async def test_a_sequence_of_events_is_written_as_its_events_in_order() -> None:
    async def in_reads() -> AsyncIterator[Any]:
        await asyncio.sleep(0.01)  # a wait, so that this sequence is a write of its own
        yield (_delta("c"), _delta("d"))
        await asyncio.sleep(0.01)
        yield [_delta("e")]

    client = _Client()
    await (await _run(_stream([_delta("a"), _delta("b")], in_reads()), client))
    bodies = [m["body"] for m in client.messages if m["type"] == "http.response.body"]
    wire = [b'event: delta\ndata: {"content":"%s"}\n\n' % word for word in b"a b c d e".split()]
    assert bodies[0] == wire[0] + wire[1]
    assert client.body == b"".join(wire)


@pytest.mark.parametrize("last_event_after_a_wait", [True, False])
async def test_a_shutdown_during_the_last_write_does_not_cut_it(
    last_event_after_a_wait: bool,
) -> None:
    async def waits_then_ends() -> AsyncIterator[Any]:
        await asyncio.sleep(0.01)
        if last_event_after_a_wait:
            yield _delta("last")

    client = _Client(hold_the_end=True)
    stream = _stream(_delta("first"), waits_then_ends())
    task = await _run(stream, client)
    await asyncio.sleep(0.05)  # the end of the body is being written, slowly
    stream.stop_for_shutdown()  # and the grace period runs out meanwhile
    await asyncio.sleep(0.01)
    client.release.set()
    await asyncio.wait_for(task, 1)  # returns: no CancelledError escapes
    assert client.ends == 1
    assert b"event: error" not in client.body


async def test_a_failing_source_ends_with_an_error_event_after_what_it_sent() -> None:
    async def fails() -> AsyncIterator[Any]:
        yield _delta("partial")
        raise ValueError("boom")

    client = _Client()
    await (await _run(_stream(_delta("first"), fails()), client))
    assert client.body.index(b"partial") < client.body.index(b"event: error")
    assert client.ends == 1
