from __future__ import annotations

import asyncio
import contextlib
import itertools

import pytest

from streamspec._generated.models import ChatMessage, ChatRequest, Role
from streamspec._generated.operations import StreamChatDelta, StreamChatDone
from streamspec.providers.echo import EchoProvider, split_pieces
from tests.server.streams import flatten

SAMPLES = [
    "hello  there, world",
    "  leading",
    "trailing \n",
    "one",
    "\t\n ",
    "a\u2028b  c",
    "日本 語",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_pieces_concatenate_to_exactly_the_input(text: str) -> None:
    pieces = split_pieces(text)
    assert "".join(pieces) == text
    assert all(pieces)


def test_pieces_are_word_sized() -> None:
    assert split_pieces("hello  there, world") == ["hello  ", "there, ", "world"]


def _request(*messages: tuple[Role, str]) -> ChatRequest:
    return ChatRequest(messages=[ChatMessage(role=role, content=text) for role, text in messages])


async def test_echo_replies_with_the_last_user_message() -> None:
    request = _request((Role.user, "first"), (Role.assistant, "reply"), (Role.user, "second"))
    response = await EchoProvider().complete(request)
    assert response.message.content == "second"
    assert response.model == "echo"


@pytest.mark.parametrize("delay_ms", [0, 1])
async def test_echo_stream_is_deltas_then_one_done(delay_ms: float) -> None:
    events = await flatten(EchoProvider(delay_ms).stream(_request((Role.user, "a b c"))))
    assert [type(e) for e in events] == [StreamChatDelta] * 3 + [StreamChatDone]
    deltas = [e.data.content for e in events if isinstance(e, StreamChatDelta)]
    assert "".join(deltas) == "a b c"


async def test_an_unpaced_reply_is_one_sequence_and_a_paced_one_comes_event_by_event() -> None:
    request = _request((Role.user, "a b c"))
    assert len([item async for item in EchoProvider().stream(request)]) == 1
    assert len([item async for item in EchoProvider(delay_ms=1).stream(request)]) == 4


async def test_paced_events_come_no_sooner_than_the_delay_apart() -> None:
    provider = EchoProvider(delay_ms=20)
    request = ChatRequest(messages=[ChatMessage(role=Role.user, content="one two three four")])
    loop = asyncio.get_running_loop()
    arrivals = [loop.time() async for _ in provider.stream(request)]
    deltas = arrivals[:-1]  # the done follows the last delta at once
    gaps = [later - earlier for earlier, later in itertools.pairwise(deltas)]
    assert len(gaps) == 3
    # At least the delay; late by the shared tick (1 ms) plus scheduling, bounded loosely.
    assert all(0.020 <= gap < 0.1 for gap in gaps), gaps


async def test_a_paced_stream_closed_while_it_sleeps_leaves_the_others_paced() -> None:
    provider = EchoProvider(delay_ms=20)
    request = ChatRequest(messages=[ChatMessage(role=Role.user, content="a b c")])
    left = provider.stream(request)
    await anext(left)
    sleeping = asyncio.ensure_future(anext(left))
    await asyncio.sleep(0.005)
    sleeping.cancel()  # the client left mid-sleep: its waiter is cancelled, not woken
    with contextlib.suppress(asyncio.CancelledError):
        await sleeping
    events = [event async for event in provider.stream(request)]
    assert isinstance(events[-1], StreamChatDone)
    assert len(events) == 4
