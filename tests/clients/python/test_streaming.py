"""stream_chat: WHATWG SSE parsing into typed events, in-stream errors, closing and retries."""

from __future__ import annotations

from collections.abc import Iterable

import httpx
import pytest

from streamspec_client import (
    APIConnectionError,
    APIResponseValidationError,
    ChatDelta,
    StreamChatDelta,
    StreamChatDone,
    StreamError,
    StreamTruncatedError,
    UpstreamError,
)
from streamspec_client._generated import client as generated_client
from streamspec_client._streaming import StreamOperation, terminal_events

from .conftest import (
    USER_HELLO,
    TrackedStream,
    mock_client,
    problem,
    problem_response,
    reply_text,
    sse_event,
    sse_response,
)

DONE = {"finish_reason": "stop", "model": "echo"}


def drain_into(seen: list[object], stream: Iterable[object]) -> None:
    for event in stream:
        seen.append(event)


def stream_of(*chunks: bytes, then: Exception | None = None) -> TrackedStream:
    return TrackedStream(list(chunks), then)


def test_stream_yields_typed_delta_events_then_done() -> None:
    body = stream_of(
        sse_event("delta", {"content": "hello "}),
        sse_event("delta", {"content": "world"}),
        sse_event("done", DONE),
    )
    client = mock_client(lambda request: sse_response(body))

    with client.stream_chat(messages=USER_HELLO) as stream:
        events = list(stream)

    assert events[:2] == [
        StreamChatDelta(data=ChatDelta(content="hello ")),
        StreamChatDelta(data=ChatDelta(content="world")),
    ]
    assert isinstance(events[2], StreamChatDone)
    assert events[2].data.model == "echo"
    assert body.closed


def test_stream_request_asks_for_event_stream_at_the_stream_path() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return sse_response(stream_of(sse_event("done", DONE)))

    with mock_client(handler, api_key="k").stream_chat(messages=USER_HELLO) as stream:
        assert stream.request_id == "req-1"
        list(stream)

    assert seen[0].url.path == "/api/chat/stream"
    assert seen[0].headers["Accept"] == "text/event-stream"
    assert seen[0].headers["Authorization"] == "Bearer k"


def test_sse_parsing_follows_whatwg_crlf_comments_multiline_data_and_retry() -> None:
    body = stream_of(
        b": keepalive comment\r\n\r\n",
        b"retry: 3000\r\nid: 1\r\n\r\n",
        b'event: delta\r\ndata: {"content":\r\ndata:  "a\\nb"}\r\n\r\n',
        b'event: delta\rdata: {"content": "c"}\r\r',
        b"event: del",  # an event split across chunks
        b'ta\ndata: {"content": "d"}\n\n',
        b'event: done\ndata: {"finish_reason": "stop", "model": "m"}\n\n',
    )
    client = mock_client(lambda request: sse_response(body))

    with client.stream_chat(messages=USER_HELLO) as stream:
        text = reply_text(stream)

    assert text == "a\nbcd"


def test_unknown_events_and_events_without_data_are_skipped() -> None:
    body = stream_of(
        b"event: ping\ndata: {}\n\n",
        b"data: plain message\n\n",
        b"event: delta\n\n",
        sse_event("delta", {"content": "x"}),
        sse_event("done", DONE),
    )
    client = mock_client(lambda request: sse_response(body))

    with client.stream_chat(messages=USER_HELLO) as stream:
        events = list(stream)

    assert [event.event for event in events] == ["delta", "done"]


def test_in_stream_error_event_raises_stream_error_with_its_problem() -> None:
    body = stream_of(
        sse_event("delta", {"content": "partial"}),
        sse_event("error", problem(502, "the upstream reset")),
    )
    client = mock_client(lambda request: sse_response(body))
    seen: list[object] = []

    with pytest.raises(StreamError) as caught, client.stream_chat(messages=USER_HELLO) as stream:
        drain_into(seen, stream)

    assert [type(event) for event in seen] == [StreamChatDelta]
    assert caught.value.problem.status == 502
    assert caught.value.problem.detail == "the upstream reset"
    assert caught.value.request_id == "req-1"
    assert body.closed


def test_a_stream_that_ends_without_done_raises_stream_truncated_error(
    sleeps: list[float],
) -> None:
    calls: list[httpx.Request] = []
    body = stream_of(sse_event("delta", {"content": "partial"}))

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return sse_response(body)

    client = mock_client(handler, max_retries=5)
    seen: list[object] = []

    with (
        pytest.raises(StreamTruncatedError) as caught,
        client.stream_chat(messages=USER_HELLO) as s,
    ):
        drain_into(seen, s)

    assert isinstance(caught.value, APIConnectionError)
    assert [type(event) for event in seen] == [StreamChatDelta]
    assert caught.value.request_id == "req-1"
    assert "req-1" in str(caught.value)
    assert "`done` or `error`" in str(caught.value)
    assert len(calls) == 1
    assert sleeps == []
    assert body.closed


def test_a_stream_that_ends_with_no_events_at_all_raises_stream_truncated_error() -> None:
    body = stream_of(b": keepalive\n\n", b"event: ping\ndata: {}\n\n")
    client = mock_client(lambda request: sse_response(body))

    with pytest.raises(StreamTruncatedError), client.stream_chat(messages=USER_HELLO) as stream:
        reply_text(stream)

    assert body.closed


def test_a_done_event_without_data_does_not_end_the_stream() -> None:
    body = stream_of(sse_event("delta", {"content": "x"}), b"event: done\n\n")
    client = mock_client(lambda request: sse_response(body))

    with pytest.raises(StreamTruncatedError), client.stream_chat(messages=USER_HELLO) as stream:
        list(stream)


def test_nothing_after_the_done_event_is_read_or_yielded() -> None:
    body = stream_of(
        sse_event("delta", {"content": "a"}),
        sse_event("done", DONE),
        sse_event("delta", {"content": "trailing"}),
        sse_event("error", problem(502, "trailing")),
    )
    client = mock_client(lambda request: sse_response(body))

    with client.stream_chat(messages=USER_HELLO) as stream:
        events = list(stream)

    assert [event.event for event in events] == ["delta", "done"]
    assert body.chunks_read == 2
    assert body.closed


def test_nothing_after_the_done_event_is_yielded_when_it_shares_a_chunk() -> None:
    trailing = sse_event("delta", {"content": "trailing"})
    body = stream_of(sse_event("done", DONE) + trailing, trailing)
    client = mock_client(lambda request: sse_response(body))

    with client.stream_chat(messages=USER_HELLO) as stream:
        assert [event.event for event in stream] == ["done"]

    assert body.closed


def test_the_end_event_of_every_streamed_operation_is_one_it_decodes() -> None:
    operations = [
        value for value in vars(generated_client).values() if isinstance(value, StreamOperation)
    ]
    assert operations
    for operation in operations:
        ends = terminal_events(operation) - operation.error_events
        assert ends <= operation.decoders.keys(), operation.operation_id
        assert not operation.error_events & operation.decoders.keys(), operation.operation_id


def test_malformed_event_data_raises_validation_error_and_closes() -> None:
    body = stream_of(b'event: delta\ndata: {"content": tru\n\n')
    client = mock_client(lambda request: sse_response(body))

    with pytest.raises(APIResponseValidationError), client.stream_chat(messages=USER_HELLO) as s:
        list(s)

    assert body.closed


def test_ok_response_that_is_not_an_event_stream_raises_validation_error() -> None:
    client = mock_client(lambda request: httpx.Response(200, json={"not": "sse"}))

    with pytest.raises(APIResponseValidationError), client.stream_chat(messages=USER_HELLO) as s:
        list(s)


def test_breaking_out_of_a_stream_closes_the_response() -> None:
    body = stream_of(*(sse_event("delta", {"content": str(i)}) for i in range(100)))
    client = mock_client(lambda request: sse_response(body))

    with client.stream_chat(messages=USER_HELLO) as stream:
        for _event in stream:
            break

    assert body.closed
    assert body.chunks_read < 100


def test_stream_closes_the_response_when_the_caller_raises() -> None:
    body = stream_of(sse_event("delta", {"content": "x"}), sse_event("done", DONE))
    client = mock_client(lambda request: sse_response(body))

    def consume_then_fail() -> None:
        with client.stream_chat(messages=USER_HELLO) as stream:
            next(stream)
            raise KeyError("caller bug")

    with pytest.raises(KeyError):
        consume_then_fail()

    assert body.closed


def test_connection_lost_mid_stream_raises_connection_error_and_is_not_retried(
    sleeps: list[float],
) -> None:
    calls: list[httpx.Request] = []
    body = stream_of(
        sse_event("delta", {"content": "first"}),
        then=httpx.ReadError("connection reset"),
    )

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return sse_response(body)

    client = mock_client(handler, max_retries=5)
    seen: list[object] = []

    with pytest.raises(APIConnectionError), client.stream_chat(messages=USER_HELLO) as stream:
        drain_into(seen, stream)

    assert len(seen) == 1
    assert len(calls) == 1
    assert sleeps == []
    assert body.closed


def test_stream_is_retried_when_it_fails_before_its_response_arrives(
    sleeps: list[float],
) -> None:
    answers = [problem_response(502)]

    def handler(request: httpx.Request) -> httpx.Response:
        if answers:
            return answers.pop(0)
        return sse_response(
            stream_of(sse_event("delta", {"content": "ok"}), sse_event("done", DONE))
        )

    with mock_client(handler).stream_chat(messages=USER_HELLO) as stream:
        assert reply_text(stream) == "ok"

    assert len(sleeps) == 1


def test_stream_status_error_after_retries_is_raised_on_enter() -> None:
    client = mock_client(lambda request: problem_response(502), max_retries=1)

    with pytest.raises(UpstreamError):
        client.stream_chat(messages=USER_HELLO).__enter__()


def test_stream_sends_nothing_until_entered_or_iterated() -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return sse_response(stream_of(sse_event("done", DONE)))

    client = mock_client(handler)
    stream = client.stream_chat(messages=USER_HELLO)
    assert calls == []

    assert [event.event for event in stream] == ["done"]
    assert len(calls) == 1
