"""The unconfigured server under granian, uvicorn and hypercorn: echo provider and errors."""

from __future__ import annotations

import platform
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.integration.sse import stream_events

PROMPT = "hello  there, world"
BODY = {"messages": [{"role": "user", "content": PROMPT}]}


def test_health_names_version_server_and_python(any_server: LiveServer) -> None:
    response = httpx.get(any_server.url + "/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "version": "0.1.0",
        "server": any_server.server,
        "python": platform.python_version(),
    }


def test_chat_echoes_the_last_user_message_verbatim(any_server: LiveServer) -> None:
    response = httpx.post(any_server.url + "/api/chat", json=BODY)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    reply = response.json()
    assert reply["message"] == {"role": "assistant", "content": PROMPT}
    assert reply["model"] == "echo"
    assert reply["finish_reason"] == "stop"


def test_stream_deltas_concatenate_to_the_message_then_one_done(any_server: LiveServer) -> None:
    response, events = stream_events(any_server.url + "/api/chat/stream", BODY)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    names = [event.event for event in events]
    assert names == ["delta"] * (len(names) - 1) + ["done"]
    assert len(names) > 2
    assert "".join(event.json()["content"] for event in events[:-1]) == PROMPT
    assert events[-1].json()["finish_reason"] == "stop"


@pytest.mark.parametrize(
    ("body", "status", "location"),
    [
        ({"messages": []}, 422, "$.messages"),
        ({"messages": [{"role": "robot", "content": "x"}]}, 422, "$.messages[0].role"),
        ({"messages": [{"role": "user", "content": 5}]}, 422, "$.messages[0].content"),
        ({"messages": [{"role": "user", "content": ""}]}, 422, "$.messages[0].content"),
        ({**BODY, "surprise": True}, 422, "$.surprise"),
        ({**BODY, "temperature": 2.5}, 422, "$.temperature"),
        ({**BODY, "max_tokens": 0}, 422, "$.max_tokens"),
        ({}, 422, "$.messages"),
    ],
)
@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
def test_invalid_bodies_get_a_problem_naming_the_field(
    any_server: LiveServer, path: str, body: dict[str, Any], status: int, location: str
) -> None:
    response = httpx.post(any_server.url + path, json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert [error["location"] for error in problem["errors"]] == [location]


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
def test_truncated_json_is_a_400_problem(any_server: LiveServer, path: str) -> None:
    response = httpx.post(
        any_server.url + path,
        content=b'{"messages": [{"role": "user", "con',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Bad Request"


def test_a_body_that_is_not_json_is_a_415_problem(any_server: LiveServer) -> None:
    response = httpx.post(any_server.url + "/api/chat", content=b"hello")
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"


def test_a_body_over_the_cap_is_a_413_problem(any_server: LiveServer) -> None:
    content = b'{"messages": [{"role": "user", "content": "' + b"x" * (3 * 1024 * 1024) + b'"}]}'
    response = httpx.post(
        any_server.url + "/api/chat",
        content=content,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413


def test_unknown_paths_and_methods_are_problems(any_server: LiveServer) -> None:
    missing = httpx.get(any_server.url + "/nowhere")
    assert (missing.status_code, missing.headers["content-type"]) == (
        404,
        "application/problem+json",
    )
    wrong_method = httpx.get(any_server.url + "/api/chat")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["content-type"] == "application/problem+json"


def test_a_sane_request_id_is_echoed_and_names_the_problem(any_server: LiveServer) -> None:
    response = httpx.post(
        any_server.url + "/api/chat", json={"messages": []}, headers={"X-Request-ID": "trace-42"}
    )
    assert response.headers["x-request-id"] == "trace-42"
    assert response.json()["instance"] == "urn:streamspec:request:trace-42"


@pytest.mark.parametrize("incoming", ["x" * 129, "two words", "<script>", "a/b"])
def test_an_insane_request_id_is_replaced_by_a_minted_one(
    any_server: LiveServer, incoming: str
) -> None:
    response = httpx.get(any_server.url + "/health", headers={"X-Request-ID": incoming})
    minted = response.headers["x-request-id"]
    assert minted != incoming
    assert len(minted) == 32


def test_a_whole_number_written_as_a_float_is_an_integer(any_server: LiveServer) -> None:
    # JSON Schema's `integer` admits 2.0; a fractional value is still refused.
    whole = httpx.post(any_server.url + "/api/chat", json={**BODY, "max_tokens": 2.0})
    assert whole.status_code == 200
    fractional = httpx.post(any_server.url + "/api/chat", json={**BODY, "max_tokens": 2.5})
    assert fractional.status_code == 422
    assert fractional.json()["errors"][0]["location"] == "$.max_tokens"


def test_the_echo_provider_lists_its_one_model(any_server: LiveServer) -> None:
    listed = httpx.get(any_server.url + "/api/models")

    assert listed.status_code == 200
    assert listed.json() == {"models": [{"id": "echo", "owned_by": "streamspec"}]}
    one = httpx.get(any_server.url + "/api/models/echo")
    assert (one.status_code, one.json()) == (200, {"id": "echo", "owned_by": "streamspec"})


def test_an_unknown_model_is_a_404_problem(any_server: LiveServer) -> None:
    missing = httpx.get(any_server.url + "/api/models/nope")

    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "nope" in missing.json()["detail"]


def test_a_model_id_over_the_contract_bound_is_a_422_naming_the_path_parameter(
    any_server: LiveServer,
) -> None:
    refused = httpx.get(any_server.url + "/api/models/" + "m" * 201)

    assert refused.status_code == 422
    assert [e["location"] for e in refused.json()["errors"]] == ["path.model_id"]


def test_head_on_a_get_route_has_the_get_headers_and_no_body(any_server: LiveServer) -> None:
    head = httpx.head(any_server.url + "/api/models")

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == "application/json"
