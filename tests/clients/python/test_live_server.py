"""Contract tests: the SDK against the real server process, every operation and every error
status the SDK can provoke (400 and 415 need malformed requests the SDK never sends; the
MockTransport tests cover their mapping)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from streamspec_client import (
    AsyncClient,
    AuthenticationError,
    ChatMessage,
    ChatMessageParam,
    Client,
    ContentTooLargeError,
    FinishReason,
    GatewayTimeoutError,
    RateLimitError,
    Role,
    StreamChatDelta,
    StreamChatDone,
    StreamError,
    UnprocessableEntityError,
    UpstreamError,
)
from tests.conftest import ROOT, LiveServer, Upstream, start_server

from .conftest import async_reply_text

KEY = "key-alpha"
PROMPT = "hello  there, world"
EXAMPLE = ROOT / "clients" / "python" / "examples" / "stream_chat.py"


def ask(content: str) -> list[ChatMessageParam]:
    return [{"role": "user", "content": content}]


@pytest.fixture(scope="module")
def echo_with_keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("sdk-echo"), {"STREAMSPEC_API_KEYS": KEY})
    yield live
    live.stop()


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory, upstream: Upstream) -> Iterator[LiveServer]:
    env = {
        "OPENAI_BASE_URL": upstream.base_url,
        "STREAMSPEC_UPSTREAM_TIMEOUT": "1",
        "STREAMSPEC_API_KEYS": KEY,
    }
    live = start_server(tmp_path_factory.mktemp("sdk-relay"), env)
    yield live
    live.stop()


@pytest.fixture
def echo(echo_with_keys: LiveServer) -> Iterator[Client]:
    with Client(echo_with_keys.url, api_key=KEY) as client:
        yield client


@pytest.fixture
def relayed(relay: LiveServer) -> Iterator[Client]:
    with Client(relay.url, api_key=KEY) as client:
        yield client


def test_get_health_returns_the_server_health(echo: Client) -> None:
    health = echo.get_health()

    assert health.status == "ok"
    assert health.server == "granian"


def test_create_chat_returns_the_echoed_reply(echo: Client) -> None:
    response = echo.create_chat(messages=[ChatMessage(role=Role.user, content=PROMPT)])

    assert response.message.content == PROMPT
    assert response.finish_reason is FinishReason.stop


def test_stream_chat_yields_deltas_that_concatenate_to_the_reply_then_done(echo: Client) -> None:
    with echo.stream_chat(messages=ask(PROMPT)) as stream:
        assert stream.request_id
        events = list(stream)

    deltas = [event for event in events if isinstance(event, StreamChatDelta)]
    assert len(deltas) > 1
    assert "".join(event.data.content for event in deltas) == PROMPT
    assert isinstance(events[-1], StreamChatDone)
    assert events[-1].data.finish_reason is FinishReason.stop


async def test_async_client_streams_and_completes_against_the_server(
    echo_with_keys: LiveServer,
) -> None:
    async with AsyncClient(echo_with_keys.url, api_key=KEY) as client:
        assert (await client.get_health()).status == "ok"
        assert (await client.create_chat(messages=ask("hi"))).message.content == "hi"
        async with client.stream_chat(messages=ask(PROMPT)) as stream:
            assert await async_reply_text(stream) == PROMPT


def test_wrong_key_raises_authentication_error_with_problem_and_request_id(
    echo_with_keys: LiveServer,
) -> None:
    with Client(echo_with_keys.url, api_key="wrong") as client:
        with pytest.raises(AuthenticationError) as on_create:
            client.create_chat(messages=ask("hi"))
        with pytest.raises(AuthenticationError), client.stream_chat(messages=ask("hi")):
            pytest.fail("the stream must not open")

    error = on_create.value
    assert error.status_code == 401
    assert error.problem is not None
    assert error.problem.status == 401
    assert error.request_id is not None
    assert error.problem.instance == f"urn:streamspec:request:{error.request_id}"


def test_schema_violation_raises_unprocessable_entity_naming_the_field(echo: Client) -> None:
    with pytest.raises(UnprocessableEntityError) as caught:
        echo.create_chat(messages=ask("hi"), temperature=5)

    assert caught.value.problem is not None
    locations = [error.location for error in caught.value.problem.errors or []]
    assert "$.temperature" in locations


def test_body_over_the_limit_raises_content_too_large(echo: Client) -> None:
    messages = ask("x" * 100_000) * 11  # over the default 1 MiB

    with pytest.raises(ContentTooLargeError):
        echo.create_chat(messages=messages)


def test_create_chat_relays_the_upstream_reply(relayed: Client) -> None:
    response = relayed.create_chat(messages=ask("ping"), model="any")

    assert response.message.content == "fake reply to: ping"


def test_upstream_rate_limit_is_retried_then_raised_with_retry_after(
    relayed: Client, sleeps: list[float]
) -> None:
    with pytest.raises(RateLimitError) as caught:
        relayed.create_chat(messages=ask("hi"), model="fault-429")

    assert caught.value.retry_after == 7
    assert sleeps == [7.0, 7.0]


def test_upstream_failure_is_retried_then_raised_as_upstream_error(
    relayed: Client, sleeps: list[float]
) -> None:
    with (
        pytest.raises(UpstreamError) as caught,
        relayed.stream_chat(messages=ask("hi"), model="fault-500"),
    ):
        pytest.fail("the stream must not open")

    assert caught.value.status_code == 502
    assert len(sleeps) == 2


def test_stalled_upstream_raises_gateway_timeout(relay: LiveServer) -> None:
    with Client(relay.url, api_key=KEY, max_retries=0) as client:
        with pytest.raises(GatewayTimeoutError):
            client.create_chat(messages=ask("hi"), model="fault-stall")
        with (
            pytest.raises(GatewayTimeoutError),
            client.stream_chat(messages=ask("hi"), model="fault-stall"),
        ):
            pytest.fail("the stream must not open")


def test_upstream_reset_mid_stream_raises_stream_error_after_the_first_events(
    relayed: Client, sleeps: list[float]
) -> None:
    seen: list[str] = []

    def read_all() -> None:
        with relayed.stream_chat(messages=ask("one two three four"), model="fault-reset") as s:
            for event in s:
                seen.append(event.event)

    with pytest.raises(StreamError) as caught:
        read_all()

    assert seen == ["delta", "delta"]
    assert caught.value.problem.status == 502
    assert sleeps == []


def run_example(server: LiveServer, api_key: str, prompt: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMSPEC_")}
    env |= {"STREAMSPEC_BASE_URL": server.url, "STREAMSPEC_API_KEY": api_key}
    return subprocess.run(
        [sys.executable, str(EXAMPLE), prompt],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=Path(EXAMPLE).parent,
    )


def test_example_prints_the_streamed_reply(echo_with_keys: LiveServer) -> None:
    result = run_example(echo_with_keys, KEY, PROMPT)

    assert result.returncode == 0, result.stderr
    assert result.stdout == PROMPT + "\n"


def test_example_with_a_wrong_key_prints_the_authentication_error(
    echo_with_keys: LiveServer,
) -> None:
    result = run_example(echo_with_keys, "wrong-key", PROMPT)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("authentication failed (401): ")
    assert len(result.stderr.splitlines()) == 1
