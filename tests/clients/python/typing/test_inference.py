"""What a user's type checker infers. mypy --strict checks this file (via `tests`), pytest runs it.

`assert_type` fails mypy when the inferred type differs, and does nothing at run time.
"""

from __future__ import annotations

from typing import Literal, assert_never, assert_type

import httpx

from streamspec_client import (
    AsyncClient,
    AsyncStream,
    ChatDelta,
    ChatDone,
    ChatMessage,
    ChatResponse,
    FinishReason,
    Health,
    Model,
    Problem,
    RateLimitError,
    Role,
    Stream,
    StreamChatDelta,
    StreamChatDone,
    StreamChatError,
    StreamChatEvent,
    StreamError,
    Usage,
)

from ..conftest import (
    USER_HELLO,
    TrackedStream,
    mock_async_client,
    mock_client,
    problem,
    problem_response,
    reply_text,
    sse_event,
    sse_response,
)

DONE = {"finish_reason": "stop", "model": "echo"}
EVENTS = [
    sse_event("delta", {"content": "hi"}),
    sse_event("done", DONE),
]


def describe_by_name(event: StreamChatEvent) -> str:
    if event.event == "delta":
        assert_type(event, StreamChatDelta)
        assert_type(event.data, ChatDelta)
        return assert_type(event.data.content, str)
    if event.event == "done":
        assert_type(event, StreamChatDone)
        assert_type(event.data.finish_reason, FinishReason)
        return "done"
    assert_type(event, StreamChatError)
    assert_type(event.data, Problem)
    return "error"


def describe_by_match(event: StreamChatEvent) -> str:
    match event:
        case StreamChatDelta(data):
            assert_type(data, ChatDelta)
            return data.content
        case StreamChatDone(data=done):
            assert_type(done, ChatDone)
            return "done"
        case StreamChatError():
            assert_type(event.data, Problem)
            return "error"
        case _:
            # Exhaustive: a new event variant in the spec makes this line a type error.
            assert_never(event)


def describe_by_isinstance(event: StreamChatEvent) -> str:
    if isinstance(event, StreamChatDelta):
        assert_type(event.event, Literal["delta"])
        return event.data.content
    assert_type(event, StreamChatDone | StreamChatError)
    return event.event


def test_narrowing_on_event_name_match_and_isinstance() -> None:
    client = mock_client(lambda request: sse_response(TrackedStream(EVENTS)))

    with client.stream_chat(messages=USER_HELLO) as stream:
        assert_type(stream, Stream[StreamChatEvent])
        events = list(stream)
    assert_type(events, list[StreamChatEvent])

    assert [describe_by_name(event) for event in events] == ["hi", "done"]
    assert [describe_by_match(event) for event in events] == ["hi", "done"]
    assert [describe_by_isinstance(event) for event in events] == ["hi", "done"]
    error = StreamChatError(data=Problem(type="about:blank", title="t", status=502))
    assert describe_by_match(error) == "error"


def test_client_methods_return_the_contract_models() -> None:
    health = {"status": "ok", "version": "1", "server": "s", "python": "3.11"}
    reply = {
        "message": {"role": "assistant", "content": "hi"},
        "model": "m",
        "finish_reason": "stop",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=health if request.url.path == "/health" else reply)

    client = mock_client(handler)
    typed_messages = [ChatMessage(role=Role.user, content="hello")]

    assert_type(client.get_health(), Health)
    response = assert_type(client.create_chat(messages=typed_messages, model="m"), ChatResponse)
    assert_type(response.message.content, str)
    assert response.finish_reason is FinishReason.stop
    # An optional field is `X | None`, so a check narrows it.
    assert_type(response.usage, Usage | None)
    if response.usage is not None:
        assert_type(response.usage.total_tokens, int)


def test_a_path_parameter_is_positional_and_typed() -> None:
    model = {"id": "echo", "owned_by": "streamspec"}
    client = mock_client(lambda request: httpx.Response(200, json=model))

    found = assert_type(client.get_model("echo"), Model)
    assert found.id == "echo"
    assert_type(client.get_model(model_id="echo"), Model)


async def test_async_client_methods_return_the_contract_models() -> None:
    chunks = [sse_event("delta", {"content": "x"}), sse_event("done", DONE)]
    client = mock_async_client(lambda request: sse_response(TrackedStream(chunks)))
    assert_type(client, AsyncClient)

    async with client.stream_chat(messages=USER_HELLO) as stream:
        assert_type(stream, AsyncStream[StreamChatEvent])
        async for event in stream:
            assert_type(event, StreamChatEvent)
            if event.event == "delta":
                assert_type(event.data.content, str)


def test_error_attributes_are_typed() -> None:
    client = mock_client(lambda request: problem_response(429, {"Retry-After": "1"}))
    try:
        client.create_chat(messages=USER_HELLO)
    except RateLimitError as error:
        assert_type(error.retry_after, float | None)
        assert_type(error.status_code, int)
        assert_type(error.problem, Problem | None)
        assert_type(error.request_id, str | None)
        assert_type(error.response, httpx.Response)
        assert_type(error.request, httpx.Request)

    failing = mock_client(
        lambda request: sse_response(TrackedStream([sse_event("error", problem(502))]))
    )
    try:
        with failing.stream_chat(messages=USER_HELLO) as stream:
            reply_text(stream)
    except StreamError as error:
        assert_type(error.problem, Problem)
        assert_type(error.problem.status, int)
