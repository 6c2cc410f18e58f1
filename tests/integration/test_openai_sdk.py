"""The official `openai` Python SDK, sync and async, against the live server's /v1 surface.

The server runs with no provider configured (the echo provider) and one API key.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from tests.conftest import LiveServer, ServerFactory, start_server

KEY = "key-alpha"
PROMPT = "hello  there, world"
MESSAGES: list[Any] = [
    {"role": "system", "content": "You echo."},
    {"role": "user", "content": PROMPT},
]


@pytest.fixture(scope="module")
def echo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("openai-echo"), {"STREAMSPEC_API_KEYS": KEY})
    yield live
    live.stop()
    assert "Traceback" not in live.log()


@pytest.fixture
def client(echo: LiveServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=echo.url + "/v1", api_key=KEY, max_retries=0) as sdk:
        yield sdk


def test_create_returns_the_echo(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="echo", messages=MESSAGES)
    assert completion.choices[0].message.content == PROMPT
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == "echo"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 3


def test_streamed_deltas_concatenate_to_the_echo_and_the_iteration_ends(
    client: openai.OpenAI,
) -> None:
    stream = client.chat.completions.create(model="echo", messages=MESSAGES, stream=True)
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == PROMPT
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks)


def test_a_stream_asked_for_usage_ends_with_the_usage_chunk(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="echo", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    *_, last = list(stream)
    assert last.choices == []
    assert last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (5, 3)


def test_models_list_names_echo_and_retrieve_describes_it(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["echo"]
    assert client.models.retrieve("echo").owned_by == "streamspec"


def test_with_raw_response_gives_our_headers_and_the_parsed_completion(
    client: openai.OpenAI,
) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="echo", messages=MESSAGES, extra_headers={"X-Request-ID": "rid-openai-1"}
    )
    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == "rid-openai-1"
    assert raw.parse().choices[0].message.content == PROMPT


def test_the_request_fields_chat_needs_are_accepted(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="echo",
        messages=[
            {"role": "developer", "content": [{"type": "text", "text": "Be brief."}]},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "look "},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}},
                    {"type": "text", "text": "here"},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "weather", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "sunny"},
            {"role": "user", "content": "and now?"},
        ],
        tools=[{"type": "function", "function": {"name": "weather", "parameters": {}}}],
        tool_choice="auto",
        stop=["\n\n"],
        top_p=0.9,
        seed=7,
        n=1,
        response_format={"type": "json_object"},
        max_tokens=50,
        max_completion_tokens=50,
        user="user-1",
        extra_body={"top_k": 40},
    )
    assert completion.choices[0].message.content == "and now?"


def test_a_wrong_key_raises_authentication_error(echo: LiveServer) -> None:
    sdk = openai.OpenAI(base_url=echo.url + "/v1", api_key="key-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        sdk.models.list()
    assert caught.value.code == "invalid_api_key"


def test_an_unknown_model_raises_not_found(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="no-such-model", messages=MESSAGES)
    assert caught.value.code == "model_not_found"
    assert "no-such-model" in caught.value.message
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")


def test_a_body_that_breaks_the_schema_raises_bad_request_naming_the_field(
    client: openai.OpenAI,
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="echo",
            messages=[{"role": "usr", "content": "x"}],  # type: ignore[list-item,misc]
        )
    assert caught.value.param == "messages[0].role"
    assert caught.value.type == "invalid_request_error"


def test_a_rate_limited_caller_gets_rate_limit_error_and_the_retry_honours_retry_after(
    server_factory: ServerFactory,
) -> None:
    live = server_factory({"STREAMSPEC_API_KEYS": KEY, "STREAMSPEC_RATE_LIMIT": "1/second"})
    base_url = live.url + "/v1"
    with pytest.raises(openai.RateLimitError) as caught:  # noqa: PT012
        for _ in range(3):  # the budget is one request a second: the second or third is refused
            openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=0).models.list()
    assert caught.value.response.headers["retry-after"] == "1"
    assert caught.value.code == "rate_limit_exceeded"

    seen: list[tuple[float, int, str | None]] = []  # (when, status, Retry-After) per answer
    http = openai.DefaultHttpxClient(
        event_hooks={
            "response": [
                lambda r: seen.append(
                    (time.monotonic(), r.status_code, r.headers.get("retry-after"))
                )
            ]
        }
    )
    sdk = openai.OpenAI(base_url=base_url, api_key=KEY, max_retries=2, http_client=http)
    for _ in range(3):  # bounded: stop at the first call that had to be retried
        seen.clear()
        assert [m.id for m in sdk.models.list()] == ["echo"]
        if len(seen) > 1:
            break
    assert [status for _, status, _ in seen] == [429, 200]
    waited = seen[1][0] - seen[0][0]
    # The SDK's own first backoff is at most 0.5 s; it waited the 1 s we asked for.
    assert seen[0][2] == "1"
    assert waited >= 0.95


async def test_the_async_client_creates_streams_and_lists(echo: LiveServer) -> None:
    async with openai.AsyncOpenAI(base_url=echo.url + "/v1", api_key=KEY, max_retries=0) as sdk:
        completion = await sdk.chat.completions.create(model="echo", messages=MESSAGES)
        assert completion.choices[0].message.content == PROMPT
        stream = await sdk.chat.completions.create(model="echo", messages=MESSAGES, stream=True)
        pieces = [c.choices[0].delta.content or "" async for c in stream if c.choices]
        assert "".join(pieces) == PROMPT
        assert [m.id async for m in sdk.models.list()] == ["echo"]
        raw = await sdk.models.with_raw_response.list()
        assert raw.headers["x-request-id"]
        with pytest.raises(openai.NotFoundError):
            await sdk.chat.completions.create(model="no-such-model", messages=MESSAGES)


async def test_the_async_client_raises_authentication_error(echo: LiveServer) -> None:
    async with openai.AsyncOpenAI(
        base_url=echo.url + "/v1", api_key="key-wrong", max_retries=0
    ) as sdk:
        with pytest.raises(openai.AuthenticationError):
            await sdk.chat.completions.create(model="echo", messages=MESSAGES)
