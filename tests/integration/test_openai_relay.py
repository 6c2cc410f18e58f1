"""The official `openai` SDK through the server relaying /v1 to the fake upstream.

The relay is faithful: the client's fields reach the provider, and the
provider's fields (tool calls, usage, fingerprints, vendor fields) reach the client.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from tests.conftest import LiveServer, Upstream, start_server, start_upstream
from tests.fakes.upstream import FINGERPRINT, TOOL_ARGUMENTS

PLANTED_KEY = "sk-planted-upstream-secret-0b7c"
PROMPT = "relay  me, exactly"
MESSAGES: list[Any] = [{"role": "user", "content": PROMPT}]
WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


@pytest.fixture(scope="module")
def own_upstream() -> Iterator[Upstream]:
    """A provider of this module's own, so that its request count is this module's."""
    fake = start_upstream()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory, own_upstream: Upstream) -> Iterator[LiveServer]:
    live = start_server(
        tmp_path_factory.mktemp("openai-relay"),
        {"OPENAI_BASE_URL": own_upstream.base_url, "OPENAI_API_KEY": PLANTED_KEY},
    )
    yield live
    live.stop()
    log = live.log()
    assert "Traceback" not in log
    assert PLANTED_KEY not in log


@pytest.fixture
def client(relay: LiveServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=relay.url + "/v1", api_key="unused", max_retries=2) as sdk:
        yield sdk


def _last_body(upstream: Upstream) -> dict[str, Any]:
    bodies = upstream.stats()["bodies"]
    assert isinstance(bodies, list)
    body: dict[str, Any] = bodies[-1]
    return body


def test_a_completion_arrives_with_every_field_the_provider_sent(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="fake-small", messages=MESSAGES)
    assert completion.choices[0].message.content == "fake reply to: " + PROMPT
    assert completion.system_fingerprint == FINGERPRINT
    assert completion.model_extra == {"x_fake": {"served_by": "fake"}}
    assert completion.usage is not None
    assert completion.usage.total_tokens == 8


def test_fields_the_contract_does_not_name_reach_the_provider_unchanged(
    client: openai.OpenAI, own_upstream: Upstream
) -> None:
    client.chat.completions.create(
        model="fake-small",
        messages=MESSAGES,
        seed=11,
        extra_body={"top_k": 40, "vendor": {"cache": "ephemeral", "levels": [1, 2.5]}},
    )
    body = _last_body(own_upstream)
    assert body["top_k"] == 40
    assert body["vendor"] == {"cache": "ephemeral", "levels": [1, 2.5]}
    assert body["seed"] == 11
    assert body["messages"] == MESSAGES


def test_a_stream_with_tools_relays_the_tool_call_deltas_intact(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="fake-small", messages=MESSAGES, tools=[WEATHER_TOOL], stream=True
    )
    chunks = list(stream)
    calls = [call for c in chunks if c.choices for call in c.choices[0].delta.tool_calls or []]
    assert calls[0].id == "call_fake"
    assert calls[0].function is not None
    assert calls[0].function.name == "get_weather"
    arguments = "".join((call.function.arguments or "") for call in calls if call.function)
    assert arguments == TOOL_ARGUMENTS
    assert json.loads(arguments) == {"city": "Paris", "unit": "celsius"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    assert all(c.system_fingerprint == FINGERPRINT for c in chunks)
    assert all(c.model_extra == {"x_fake": {"served_by": "fake"}} for c in chunks)


def test_a_stream_asked_for_usage_gets_the_usage_chunk(
    client: openai.OpenAI, own_upstream: Upstream
) -> None:
    stream = client.chat.completions.create(
        model="fake-small",
        messages=MESSAGES,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
        "fake reply to: " + PROMPT
    )
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 8
    assert _last_body(own_upstream)["stream_options"] == {"include_usage": True}


def test_a_stream_not_asked_for_usage_gets_none(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(model="fake-small", messages=MESSAGES, stream=True)
    assert all(c.usage is None for c in stream)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(
    ("model", "error", "message"),
    [
        (
            "missing-model",
            openai.NotFoundError,
            "The model `missing-model` does not exist or you do not have access to it.",
        ),
        (
            "invalid-model",
            openai.BadRequestError,
            "Invalid model name passed in model=invalid-model. Call made with key=[redacted]",
        ),
    ],
)
def test_an_unknown_upstream_model_is_the_providers_error_asked_of_it_once(
    client: openai.OpenAI,
    relay: LiveServer,
    own_upstream: Upstream,
    model: str,
    error: type[openai.APIStatusError],
    message: str,
    stream: bool,
) -> None:
    requests_before = own_upstream.stats()["requests"]
    with pytest.raises(error) as caught:
        client.chat.completions.create(model=model, messages=MESSAGES, stream=stream)
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["message"] == message  # the SDK hands on the envelope's error
    assert PLANTED_KEY not in str(caught.value.body)
    assert own_upstream.stats()["requests"] == requests_before + 1  # type: ignore[operator]
    cause = f"the provider refused the request: HTTP {caught.value.status_code}, {message}"
    assert cause in relay.log()


def test_models_are_the_providers(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["fake-small", "fake-large"]
    assert client.models.retrieve("fake-large").owned_by == "fake"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("fake-medium")


def test_a_provider_that_fails_is_a_502_in_openais_envelope(relay: LiveServer) -> None:
    sdk = openai.OpenAI(base_url=relay.url + "/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.InternalServerError) as caught:
        sdk.chat.completions.create(model="fault-500", messages=MESSAGES)
    assert caught.value.status_code == 502
    assert caught.value.type == "server_error"


@pytest.mark.parametrize("model", ["fault-reset", "fault-malformed"])
def test_a_stream_that_breaks_midway_ends_with_an_error_the_sdk_raises(
    client: openai.OpenAI, model: str
) -> None:
    pieces: list[str] = []
    with pytest.raises(openai.APIError) as caught:  # noqa: PT012
        for chunk in client.chat.completions.create(model=model, messages=MESSAGES, stream=True):
            pieces.append(chunk.choices[0].delta.content or "")
    assert "".join(pieces) == "fake reply "
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["type"] == "server_error"
    assert "provider" in caught.value.message
