"""The OpenAI-compatible provider against scripted upstream answers (httpx.MockTransport)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import httpx
import msgspec
import pytest

from streamspec._generated.models import (
    ChatCompletionUserMessage,
    ChatMessage,
    ChatRequest,
    CreateChatCompletionRequest,
    FinishReason,
    Role,
)
from streamspec._generated.operations import StreamChatDelta, StreamChatDone
from streamspec.errors import (
    ProblemError,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from streamspec.providers import ProviderEvent
from streamspec.providers.openai import OpenAIProvider, retry_after_seconds
from tests.server.streams import events_of, flatten

SECRET = "sk-test-planted-secret"
REQUEST = ChatRequest(messages=[ChatMessage(role=Role.user, content="hi")])


def _provider(handler: Callable[[httpx.Request], httpx.Response]) -> OpenAIProvider:
    return OpenAIProvider(
        httpx.MockTransport(handler),
        base_url="http://upstream.test/v1",
        api_key=SECRET,
        default_model="m-default",
    )


def _sse_response(*chunks: bytes) -> httpx.Response:
    return httpx.Response(
        200,
        headers={"content-type": "text/event-stream"},
        stream=httpx.ByteStream(b"".join(chunks)),
    )


class _Chunked(httpx.AsyncByteStream):
    def __init__(self, parts: list[bytes]) -> None:
        self._parts = parts

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self._parts:
            yield part


def _chunk(content: str | None = None, finish: str | None = None) -> dict[str, object]:
    delta = {} if content is None else {"content": content}
    return {"model": "m-up", "choices": [{"delta": delta, "finish_reason": finish}]}


def _events(*chunks: dict[str, object], newline: bytes = b"\n") -> bytes:
    lines = [b"data: " + json.dumps(c).encode() + newline + newline for c in chunks]
    return b"".join(lines) + b"data: [DONE]" + newline + newline


async def _collect(provider: OpenAIProvider) -> list[ProviderEvent]:
    return await flatten(provider.stream(REQUEST))


def _text(events: list[ProviderEvent]) -> str:
    return "".join(e.data.content for e in events if isinstance(e, StreamChatDelta))


async def test_complete_sends_the_key_as_bearer_and_relays_the_reply() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "model": "m-up",
                "choices": [{"message": {"content": "exact  reply"}, "finish_reason": "length"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
            },
        )

    response = await _provider(handler).complete(REQUEST)
    assert seen[0].headers["authorization"] == f"Bearer {SECRET}"
    assert json.loads(seen[0].content)["model"] == "m-default"
    assert response.message.content == "exact  reply"
    assert response.finish_reason == FinishReason.length
    assert response.model == "m-up"


@pytest.mark.parametrize(
    ("status", "error", "http_status"),
    [
        (401, UpstreamUnavailable, 502),
        (403, UpstreamUnavailable, 502),
        (500, UpstreamUnavailable, 502),
        (503, UpstreamUnavailable, 502),
        (307, UpstreamUnavailable, 502),
        (429, UpstreamRateLimited, 429),
    ],
)
async def test_upstream_statuses_map_to_gateway_problems(
    status: int, error: type[ProblemError], http_status: int
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"location": "http://elsewhere.test/"}, json={})

    with pytest.raises(error) as caught:
        await _provider(handler).complete(REQUEST)
    assert caught.value.status == http_status
    assert SECRET not in str(caught.value.detail)


@pytest.mark.parametrize("status", [400, 404, 422])
async def test_upstream_client_errors_carry_the_providers_message_scrubbed_of_our_key(
    status: int, caplog: pytest.LogCaptureFixture
) -> None:
    refusal = {
        "error": {
            "message": f"Invalid model name passed in model=nope (key {SECRET})",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_found",
        }
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=refusal)

    with pytest.raises(UpstreamRejected) as caught:
        await _provider(handler).complete(REQUEST)
    assert caught.value.status == status
    assert caught.value.detail == "Invalid model name passed in model=nope (key [redacted])"
    assert (caught.value.kind, caught.value.param, caught.value.code) == (
        "invalid_request_error",
        "model",
        "model_not_found",
    )
    assert "Invalid model name passed in model=nope" in caplog.text
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"detail": "no such model"}', "no such model"),
        (b'{"error": "no such model"}', "no such model"),
        (b"no such model\n", "no such model"),
        (b"<html>404</html>", "The provider answered with HTTP status 404."),
    ],
)
async def test_an_upstream_refusal_in_another_shape_still_gives_its_message(
    body: bytes, message: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, content=body)

    with pytest.raises(UpstreamRejected) as caught:
        await _provider(handler).complete(REQUEST)
    assert caught.value.detail == message


OPENAI_REQUEST = CreateChatCompletionRequest(
    model="m-up", messages=[ChatCompletionUserMessage(content="hi")]
)
RAW_REQUEST = b'{"model": "m-up", "messages": [{"role": "user", "content": "hi"}], "top_k": 3}'


async def test_openai_completion_relays_the_clients_bytes_and_the_providers_answer() -> None:
    answer = b'{"id": "c1", "choices": [], "vendor_field": {"x": 1}}'
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(200, content=answer)

    relayed = await _provider(handler).complete_openai(OPENAI_REQUEST, RAW_REQUEST)
    assert seen == [RAW_REQUEST]
    assert msgspec.json.encode(relayed) == answer


async def test_openai_stream_relays_each_chunk_as_sent_and_needs_the_providers_done() -> None:
    chunks = [b'{"choices": [{"delta": {"tool_calls": [{"index": 0}]}}], "x_vendor": 1}',
              b'{"choices": [], "usage": {"total_tokens": 3}}']  # fmt: skip
    body = b"".join(b"data: " + c + b"\n\n" for c in chunks)

    def handler(request: httpx.Request) -> httpx.Response:
        return _sse_response(body, b"data: [DONE]\n\n")

    provider = _provider(handler)
    events = await flatten(provider.stream_openai(OPENAI_REQUEST, RAW_REQUEST))
    assert [msgspec.json.encode(e.data) for e in events] == chunks

    def unfinished(request: httpx.Request) -> httpx.Response:
        return _sse_response(body)

    with pytest.raises(UpstreamUnavailable, match="before finishing"):
        async for _ in _provider(unfinished).stream_openai(OPENAI_REQUEST, RAW_REQUEST):
            pass


async def test_openai_stream_refuses_a_chunk_that_is_not_json() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _sse_response(b'data: {"choices": [\n\n', b"data: [DONE]\n\n")

    with pytest.raises(UpstreamUnavailable, match="malformed"):
        async for _ in _provider(handler).stream_openai(OPENAI_REQUEST, RAW_REQUEST):
            pass


async def test_openai_stream_keeps_a_multi_line_chunk_on_one_data_line() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return _sse_response(b'data: {"a":\ndata: 1}\n\n', b"data: [DONE]\n\n")

    events = await flatten(_provider(handler).stream_openai(OPENAI_REQUEST, RAW_REQUEST))
    assert [msgspec.json.encode(e.data) for e in events] == [b'{"a": 1}']


async def test_upstream_429_passes_its_retry_after_on() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"retry-after": "7"})

    with pytest.raises(UpstreamRateLimited) as caught:
        await _provider(handler).complete(REQUEST)
    assert caught.value.headers == {"Retry-After": "7"}


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7), ("0.2", 1), ("", 1), ("soon", 1), ("-5", 1), ("-inf", 1), ("nan", 1),
     ("1e300", 3600)],
)  # fmt: skip
def test_retry_after_is_whole_positive_seconds(header: str, seconds: int) -> None:
    assert retry_after_seconds({"retry-after": header} if header else {}) == seconds


async def test_upstream_timeout_is_a_504() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("stalled", request=request)

    with pytest.raises(UpstreamTimeout):
        await _provider(handler).complete(REQUEST)
    with pytest.raises(UpstreamTimeout):
        await _collect(_provider(handler))


@pytest.mark.parametrize("body", [b'{"object": "list"}', b'{"choices": []}', b"<html>", b""])
async def test_a_garbled_completion_is_a_502(body: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    with pytest.raises(UpstreamUnavailable):
        await _provider(handler).complete(REQUEST)


async def test_stream_relays_deltas_then_done_with_usage() -> None:
    usage: dict[str, object] = {
        "model": "m-up",
        "choices": [],
        "usage": {"prompt_tokens": 2, "completion_tokens": 3},
    }
    body = _events(_chunk("Hel"), _chunk("lo"), _chunk(finish="stop"), usage)
    events = await _collect(_provider(lambda request: _sse_response(body)))
    assert _text(events) == "Hello"
    done = events[-1]
    assert isinstance(done, StreamChatDone)
    assert done.data.model == "m-up"
    assert done.data.usage.total_tokens == 5  # type: ignore[union-attr]


# WHATWG Server-Sent Events parsing of the upstream stream.


async def test_stream_parses_crlf_line_endings() -> None:
    body = _events(_chunk("a"), _chunk("b"), _chunk(finish="stop"), newline=b"\r\n")
    assert _text(await _collect(_provider(lambda request: _sse_response(body)))) == "ab"


async def test_stream_ignores_comments_ids_and_retry_lines() -> None:
    body = (
        b": keepalive\n\nid: 1\nretry: 100\n\n"
        + b": note\ndata: "
        + json.dumps(_chunk("x")).encode()
        + b"\nid: 2\n\n"
        + _events(_chunk(finish="stop"))
    )
    assert _text(await _collect(_provider(lambda request: _sse_response(body)))) == "x"


async def test_stream_joins_multi_line_data_with_newlines() -> None:
    # Two data lines are one payload joined by "\n", which is still valid JSON here.
    body = b'data: {"choices": [{"delta":\ndata: {"content": "joined"}}]}\n\n' + _events(
        _chunk(finish="stop")
    )
    assert _text(await _collect(_provider(lambda request: _sse_response(body)))) == "joined"


async def test_stream_survives_chunks_split_at_every_byte() -> None:
    body = _events(_chunk("spl"), _chunk("it é"), _chunk(finish="stop"), newline=b"\r\n")
    parts = [body[i : i + 1] for i in range(len(body))]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=_Chunked(parts)
        )

    assert _text(await _collect(_provider(handler))) == "split é"


async def test_stream_gives_the_deltas_of_one_read_as_one_sequence_then_the_done() -> None:
    first_read = _events(_chunk("a "), _chunk("b"))[: -len(b"data: [DONE]\n\n")]
    second_read = _events(_chunk("c"), _chunk(finish="stop"))

    def handler(request: httpx.Request) -> httpx.Response:
        stream = _Chunked([first_read, second_read])
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=stream)

    items = [item async for item in _provider(handler).stream(REQUEST)]
    assert [_text(events_of(item)) for item in items] == ["a b", "c", ""]
    assert isinstance(items[-1], StreamChatDone)


async def test_stream_with_a_malformed_chunk_fails_as_upstream_error() -> None:
    body = b"data: " + json.dumps(_chunk("ok")).encode() + b'\n\ndata: {"choices": [\n\n'
    events = _provider(lambda request: _sse_response(body)).stream(REQUEST)
    assert _text(events_of(await anext(events))) == "ok"
    with pytest.raises(UpstreamUnavailable, match="malformed"):
        await anext(events)


async def test_stream_that_ends_before_finishing_fails_as_upstream_error() -> None:
    body = b"data: " + json.dumps(_chunk("cut")).encode() + b"\n\n"
    with pytest.raises(UpstreamUnavailable, match="before finishing"):
        await _collect(_provider(lambda request: _sse_response(body)))


async def test_stream_read_error_midway_fails_as_upstream_error() -> None:
    class Broken(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b"data: " + json.dumps(_chunk("part")).encode() + b"\n\n"
            raise httpx.ReadError("connection reset")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=Broken())

    with pytest.raises(UpstreamUnavailable, match="mid-answer"):
        await _collect(_provider(handler))


async def test_connecting_is_retried_but_nothing_after_a_byte_is_sent() -> None:
    attempts: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"choices": [{"message": {"content": "ok"}}]})

    assert (await _provider(flaky).complete(REQUEST)).message.content == "ok"
    assert len(attempts) == 3

    read_failures: list[int] = []

    def reset(request: httpx.Request) -> httpx.Response:
        read_failures.append(1)
        raise httpx.ReadError("reset", request=request)

    with pytest.raises(UpstreamUnavailable):
        await _provider(reset).complete(REQUEST)
    assert len(read_failures) == 1


async def test_an_unreachable_provider_is_a_502_after_three_attempts() -> None:
    attempts: list[int] = []

    def refused(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(UpstreamUnavailable, match="could not be reached"):
        await _provider(refused).complete(REQUEST)
    assert len(attempts) == 3


async def test_a_stream_line_that_never_ends_is_refused_not_buffered() -> None:
    endless = b"data: " + b"x" * (2 * 1024 * 1024)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=_Chunked([endless])
        )

    with pytest.raises(UpstreamUnavailable, match="over 1 MiB"):
        await _collect(_provider(handler))


@pytest.mark.parametrize(
    ("newline", "parts"),
    [
        (b"\n", [b"\xff"]),
        (b"\r", [b"\xff"]),  # the last CR is held back: it may be half of a CRLF
        (b"\r", [b"", b"\xff"]),  # the bad byte in the next read
    ],
    ids=["lf", "cr", "cr-bad-byte-in-next-read"],
)
async def test_events_wholly_before_invalid_utf8_are_relayed_then_it_fails(
    newline: bytes, parts: list[bytes]
) -> None:
    first = b"data: " + json.dumps(_chunk("whole")).encode() + newline + newline
    stream = _Chunked([first + parts[0], *parts[1:]])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=stream)

    events = _provider(handler).stream(REQUEST)
    assert _text(events_of(await anext(events))) == "whole"
    with pytest.raises(UpstreamUnavailable, match="not valid UTF-8"):
        await anext(events)


async def test_an_oversized_completion_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * (17 * 1024 * 1024))

    with pytest.raises(UpstreamUnavailable, match="over"):
        await _provider(handler).complete(REQUEST)


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", ""])
async def test_a_stream_answered_as_something_else_is_refused(content_type: str) -> None:
    body = _events(_chunk("looks like SSE"), _chunk(finish="stop"))

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": content_type} if content_type else {}
        return httpx.Response(200, headers=headers, stream=_Chunked([body]))

    with pytest.raises(UpstreamUnavailable, match="not an event stream"):
        await _collect(_provider(handler))


async def test_an_event_stream_with_parameters_is_accepted() -> None:
    body = _events(_chunk("ok"), _chunk(finish="stop"))

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "Text/Event-Stream; charset=utf-8"}
        return httpx.Response(200, headers=headers, stream=_Chunked([body]))

    assert _text(await _collect(_provider(handler))) == "ok"
