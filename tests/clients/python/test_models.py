"""The SDK's models: msgspec Structs whose optional fields are `None` when absent."""

from __future__ import annotations

import msgspec

from streamspec_client import ChatMessage, ChatRequest, ChatResponse, Role


def test_an_absent_optional_field_is_none() -> None:
    body = b'{"message":{"role":"assistant","content":"hi"},"model":"m","finish_reason":"stop"}'

    response = msgspec.json.decode(body, type=ChatResponse)

    assert response.usage is None


def test_fields_a_newer_server_adds_are_ignored() -> None:
    body = b'{"role":"user","content":"hi","name":"later"}'

    assert msgspec.json.decode(body, type=ChatMessage) == ChatMessage(role=Role.user, content="hi")


def test_optional_fields_left_as_none_are_not_sent() -> None:
    request = ChatRequest(messages=[ChatMessage(role=Role.user, content="hi")])

    assert msgspec.json.encode(request) == b'{"messages":[{"role":"user","content":"hi"}]}'
