"""The /v1 operations in process: one answer that is JSON or a stream, OpenAI's error
envelope chosen by the contract, and the body's bytes handed on as sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from streamspec._generated.models import CreateChatCompletionRequest, Problem
from streamspec._generated.operations import OPERATIONS, CreateChatCompletionMessage
from streamspec.api import ChatAPI
from streamspec.app import create_app
from streamspec.error_bodies import UnsupportedErrorSchema, error_body_for
from streamspec.errors import UpstreamRejected
from streamspec.metrics import Metrics
from streamspec.providers import Provider
from streamspec.providers.echo import EchoProvider
from streamspec.settings import Settings

BODY = {"model": "echo", "messages": [{"role": "user", "content": "hi there"}]}
TABLE = {op.operation_id: op for op in OPERATIONS}


def test_the_contract_gives_v1_openais_envelope_and_api_problems() -> None:
    for op in OPERATIONS:
        expected = "OpenAIErrorResponse" if op.path.startswith("/v1/") else "Problem"
        assert op.error_type is not None
        assert op.error_type.__name__ == expected, op.operation_id
    assert TABLE["createChatCompletion"].json_or_stream
    assert TABLE["createChatCompletion"].raw_body
    assert not TABLE["createChat"].raw_body


def test_an_error_schema_the_server_cannot_write_stops_it_naming_the_operation() -> None:
    class Unknown(msgspec.Struct):
        pass

    with pytest.raises(UnsupportedErrorSchema, match=r"^op: .*Unknown$"):
        error_body_for(Unknown, "op")
    assert error_body_for(None, "op") is error_body_for(Problem, "op")


def test_one_operation_answers_json_or_a_stream_as_the_body_asks() -> None:
    with TestClient(create_app(Settings())) as client:
        whole = client.post("/v1/chat/completions", json=BODY)
        streamed = client.post("/v1/chat/completions", json={**BODY, "stream": True})

    assert whole.headers["content-type"] == "application/json"
    assert whole.json()["choices"][0]["message"]["content"] == "hi there"
    assert streamed.headers["content-type"] == "text/event-stream"
    lines = [line for line in streamed.text.split("\n\n") if line]
    assert lines[-1] == "data: [DONE]"
    chunks = [msgspec.json.decode(line.removeprefix("data: ")) for line in lines[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "hi there"


def test_v1_errors_are_openais_envelope_with_its_statuses() -> None:
    settings = Settings(api_keys=("key-a",))
    with TestClient(create_app(settings)) as client:
        no_key = client.get("/v1/models")
        invalid = client.post(
            "/v1/chat/completions",
            json={**BODY, "messages": [{"role": "user"}]},
            headers={"Authorization": "Bearer key-a"},
        )
        not_json = client.post(
            "/v1/chat/completions", content=b"{", headers={"Authorization": "Bearer key-a",
                                                          "Content-Type": "application/json"}
        )  # fmt: skip
        wrong_method = client.delete("/v1/models", headers={"Authorization": "Bearer key-a"})
        ours = client.get("/api/models")

    assert no_key.status_code == 401
    assert no_key.json()["error"]["code"] == "invalid_api_key"
    assert set(no_key.json()["error"]) == {"message", "type", "param", "code"}
    assert no_key.headers["www-authenticate"].startswith("Bearer")
    assert invalid.status_code == 400  # OpenAI never answers 422
    assert invalid.json()["error"]["param"] == "messages[0].content"
    assert invalid.json()["error"]["type"] == "invalid_request_error"
    assert not_json.status_code == 400
    assert not_json.headers["content-type"] == "application/json"
    assert wrong_method.status_code == 405
    assert "error" in wrong_method.json()
    assert ours.status_code == 401
    assert ours.headers["content-type"] == "application/problem+json"


class _Refusing(EchoProvider):
    async def complete_openai(self, request: CreateChatCompletionRequest, raw: bytes) -> Any:
        raise UpstreamRejected.rejected(
            404, "no such model, says the provider", kind="not_found", code="model_not_found"
        )


def test_a_provider_refusal_keeps_its_status_message_type_and_code_on_v1() -> None:
    with TestClient(
        create_app(Settings(), handlers=lambda _, metrics: ChatAPI(_Refusing(), metrics))
    ) as client:
        answer = client.post("/v1/chat/completions", json=BODY)
    assert answer.status_code == 404
    assert answer.json() == {
        "error": {
            "message": "no such model, says the provider",
            "type": "not_found",
            "param": None,
            "code": "model_not_found",
        }
    }


class _Recording(EchoProvider):
    raw: list[bytes]

    def __init__(self) -> None:
        super().__init__()
        self.raw = []

    async def complete_openai(self, request: CreateChatCompletionRequest, raw: bytes) -> Any:
        self.raw.append(raw)  # and answers as a relay does, with the provider's bytes
        return msgspec.Raw(b'{"relayed": true, "vendor": [1]}')

    async def stream_openai(
        self, request: CreateChatCompletionRequest, raw: bytes
    ) -> AsyncIterator[CreateChatCompletionMessage]:
        self.raw.append(raw)
        yield CreateChatCompletionMessage(data=msgspec.Raw(b'{"vendor":\t1}'))


def test_the_handler_gets_the_body_as_sent_and_its_raw_answer_is_written_as_is() -> None:
    provider = _Recording()

    def handlers(_: Provider, metrics: Metrics) -> ChatAPI:
        return ChatAPI(provider, metrics)

    sent = b'{"model": "echo", "messages": [{"role": "user", "content": "x"}], "top_k": 3}'
    streamed = sent.replace(b'"top_k"', b'"stream": true, "top_k"')
    with TestClient(create_app(Settings(), handlers=handlers)) as client:
        headers = {"Content-Type": "application/json"}
        whole = client.post("/v1/chat/completions", content=sent, headers=headers)
        stream = client.post("/v1/chat/completions", content=streamed, headers=headers)

    assert provider.raw == [sent, streamed]
    assert whole.content == b'{"relayed": true, "vendor": [1]}'
    assert stream.text == 'data: {"vendor":\t1}\n\ndata: [DONE]\n\n'


def test_fields_the_contract_does_not_name_still_count_against_the_body_limit() -> None:
    body = {**BODY, "vendor_padding": "x" * 2048}
    with TestClient(create_app(Settings(max_body_bytes=1024))) as client:
        refused = client.post("/v1/chat/completions", json=body)
        accepted = client.post("/v1/chat/completions", json={**BODY, "top_k": 3})
    assert refused.status_code == 413
    assert refused.json()["error"]["type"] == "invalid_request_error"
    assert accepted.status_code == 200
