from __future__ import annotations

import pytest

from streamspec._generated.models import ChatMessage, ChatRequest, Role
from streamspec._generated.operations import StreamChatDelta, StreamChatDone
from streamspec.providers.echo import EchoProvider, split_pieces

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


async def test_echo_stream_is_deltas_then_one_done() -> None:
    events = [e async for e in EchoProvider().stream(_request((Role.user, "a b c")))]
    assert [type(e) for e in events] == [StreamChatDelta] * 3 + [StreamChatDone]
    deltas = [e.data.content for e in events if isinstance(e, StreamChatDelta)]
    assert "".join(deltas) == "a b c"
