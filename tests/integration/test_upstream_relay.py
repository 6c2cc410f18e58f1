"""The server relaying to the fake OpenAI-compatible upstream, both as real processes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from streamspec_client import BadRequestError, Client, NotFoundError
from tests.conftest import (
    SERVERS,
    LiveServer,
    ServerFactory,
    Upstream,
    free_port,
    start_server,
    start_upstream,
)
from tests.integration.sse import stream_events

PLANTED_KEY = "sk-planted-upstream-secret-5e1f"
PROMPT = "relay  me, exactly"


def _body(model: str = "m-good") -> dict[str, object]:
    return {"model": model, "messages": [{"role": "user", "content": PROMPT}]}


@pytest.fixture(scope="module", params=SERVERS)
def relay(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, upstream: Upstream
) -> Iterator[LiveServer]:
    live = start_server(
        tmp_path_factory.mktemp("relay"),
        {
            "OPENAI_BASE_URL": upstream.base_url,
            "OPENAI_API_KEY": PLANTED_KEY,
            "STREAMSPEC_UPSTREAM_TIMEOUT": "1",
            "STREAMSPEC_UPSTREAM_IDLE_TIMEOUT": "1",
            "STREAMSPEC_LOG_LEVEL": "DEBUG",
        },
        server=request.param,
    )
    yield live
    live.stop()
    log = live.log()
    assert "Traceback" not in log
    assert PLANTED_KEY not in log


def test_chat_relays_the_upstream_reply_exactly(relay: LiveServer, upstream: Upstream) -> None:
    response = httpx.post(relay.url + "/api/chat", json=_body(), headers={"X-Request-ID": "rid-7"})
    assert response.status_code == 200
    assert response.json()["message"]["content"] == "fake reply to: " + PROMPT
    assert response.json()["model"] == "m-good"
    stats = upstream.stats()
    assert stats["authorizations"][-1] == f"Bearer {PLANTED_KEY}"  # type: ignore[index]
    # The DEBUG log's line for the upstream call carries the request's id.
    upstream_lines = [line for line in relay.log().splitlines() if "chat/completions" in line]
    assert any("[rid-7]" in line for line in upstream_lines)


def test_stream_relays_the_upstream_pieces_exactly(relay: LiveServer) -> None:
    response, events = stream_events(relay.url + "/api/chat/stream", _body())
    assert response.status_code == 200
    assert [e.event for e in events][-1] == "done"
    assert "".join(e.json()["content"] for e in events[:-1]) == "fake reply to: " + PROMPT
    assert events[-1].json()["usage"] == {
        "prompt_tokens": 3,
        "completion_tokens": 5,
        "total_tokens": 8,
    }


def test_default_model_is_used_when_the_request_names_none(
    server_factory: ServerFactory, upstream: Upstream
) -> None:
    live = server_factory(
        {"OPENAI_BASE_URL": upstream.base_url, "STREAMSPEC_DEFAULT_MODEL": "m-configured"}
    )
    response = httpx.post(live.url + "/api/chat", json={"messages": _body()["messages"]})
    assert response.json()["model"] == "m-configured"


@pytest.mark.parametrize(
    ("model", "status"),
    [
        ("fault-401", 502),
        ("fault-403", 502),
        ("fault-500", 502),
        ("fault-503", 502),
        ("fault-redirect", 502),
        ("fault-garbled", 502),
        ("fault-bad-http", 502),
        ("fault-429", 429),
    ],
)
@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
def test_upstream_failures_are_gateway_problems_without_the_key(
    relay: LiveServer, path: str, model: str, status: int
) -> None:
    response = httpx.post(relay.url + path, json=_body(model))
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status
    assert PLANTED_KEY not in response.text
    assert PLANTED_KEY not in str(response.headers)
    if status == 429:
        assert response.headers["retry-after"] == "7"


@pytest.mark.parametrize(
    ("model", "status", "message"),
    [
        ("missing-model", 404, "The model `missing-model` does not exist or you do not have"),
        ("invalid-model", 400, "Invalid model name passed in model=invalid-model."),
        ("fault-404", 404, "fake 404"),
        ("fault-422", 422, "fake 422"),
    ],
)
@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
def test_upstream_client_errors_are_the_matching_problem_with_the_providers_message(
    relay: LiveServer, upstream: Upstream, path: str, model: str, status: int, message: str
) -> None:
    requests_before = upstream.stats()["requests"]
    response = httpx.post(relay.url + path, json=_body(model))
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["detail"].startswith(message)
    assert PLANTED_KEY not in response.text
    assert upstream.stats()["requests"] == requests_before + 1  # type: ignore[operator]
    assert any(
        "the provider refused the request" in line and message in line
        for line in relay.log().splitlines()
    )


@pytest.mark.parametrize("model", ["missing-model", "invalid-model"])
def test_the_python_sdk_does_not_retry_an_upstream_client_error(
    relay: LiveServer, upstream: Upstream, model: str
) -> None:
    requests_before = upstream.stats()["requests"]
    with (
        Client(relay.url, max_retries=2) as client,
        pytest.raises((NotFoundError, BadRequestError)) as caught,
    ):
        client.create_chat(messages=[{"role": "user", "content": PROMPT}], model=model)
    assert caught.value.status_code == (404 if model == "missing-model" else 400)
    assert upstream.stats()["requests"] == requests_before + 1  # type: ignore[operator]


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
def test_a_stalled_upstream_is_a_504_once_the_timeout_passes(relay: LiveServer, path: str) -> None:
    started = time.monotonic()
    response = httpx.post(relay.url + path, json=_body("fault-stall"), timeout=10)
    elapsed = time.monotonic() - started
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert 0.9 <= elapsed < 5


@pytest.mark.parametrize(
    ("model", "suffix"),
    [("fault-noise", ""), ("fault-u2028", " line\u2028separated\u2029paragraph")],
)
def test_odd_but_valid_upstream_streams_relay_exactly(
    relay: LiveServer, model: str, suffix: str
) -> None:
    _, events = stream_events(relay.url + "/api/chat/stream", _body(model))
    assert [e.event for e in events][-1] == "done"
    text = "".join(e.json()["content"] for e in events[:-1])
    assert text == "fake reply to: " + PROMPT + suffix


@pytest.mark.parametrize(
    ("model", "detail"),
    [
        ("fault-bad-utf8", "not valid UTF-8"),
        ("fault-reset", "failed mid-answer"),
        ("fault-malformed", "malformed"),
        ("fault-stall-mid", "in time"),
        ("fault-no-done", "before finishing"),
    ],
)
def test_a_fault_after_the_first_token_ends_the_stream_with_an_error_event(
    relay: LiveServer, model: str, detail: str
) -> None:
    response, events = stream_events(relay.url + "/api/chat/stream", _body(model))
    assert response.status_code == 200
    names = [e.event for e in events]
    assert names == ["delta"] * (len(names) - 1) + ["error"]
    assert len(names) >= 2
    problem = events[-1].json()
    assert problem["status"] in (502, 504)
    assert detail in problem["detail"]
    assert problem["instance"] == "urn:streamspec:request:" + response.headers["x-request-id"]
    assert PLANTED_KEY not in str(events)
    # The server is unharmed: the next request succeeds.
    assert httpx.post(relay.url + "/api/chat", json=_body()).status_code == 200


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
def test_an_unreachable_provider_is_a_502_not_a_timeout(
    server_factory: ServerFactory, path: str
) -> None:
    closed_port = free_port()
    live = server_factory({"OPENAI_BASE_URL": f"http://127.0.0.1:{closed_port}/v1"})
    response = httpx.post(live.url + path, json=_body(), timeout=10)
    assert response.status_code == 502
    assert "could not be reached" in response.json()["detail"]


def test_cookies_the_provider_sets_are_not_sent_back(tmp_path: Path, upstream: Upstream) -> None:
    # By host name: cookie jars refuse cookies for bare IP addresses, which would hide a jar.
    live = start_server(
        tmp_path, {"OPENAI_BASE_URL": upstream.base_url.replace("127.0.0.1", "localhost")}
    )
    try:
        for _ in range(2):
            assert httpx.post(live.url + "/api/chat", json=_body()).status_code == 200
    finally:
        live.stop()
    cookies = upstream.stats()["cookies"]
    assert isinstance(cookies, list)
    assert cookies[-2:] == ["", ""]


def test_models_are_the_upstream_list_kept_for_a_while(tmp_path: Path) -> None:
    fake = start_upstream()
    try:
        live = start_server(tmp_path, {"OPENAI_BASE_URL": fake.base_url})
        try:
            first = httpx.get(live.url + "/api/models")
            second = httpx.get(live.url + "/api/models/fake-large")
            missing = httpx.get(live.url + "/api/models/echo")
        finally:
            live.stop()
        assert first.status_code == 200
        assert [m["id"] for m in first.json()["models"]] == ["fake-small", "fake-large"]
        assert second.json() == {"id": "fake-large", "owned_by": "fake"}
        assert missing.status_code == 404
        assert fake.stats()["model_listings"] == 1
    finally:
        fake.stop()


def test_an_upstream_that_cannot_list_models_is_a_gateway_problem(tmp_path: Path) -> None:
    live = start_server(tmp_path, {"OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1"})
    try:
        refused = httpx.get(live.url + "/api/models")
    finally:
        live.stop()

    assert refused.status_code == 502
    assert refused.headers["content-type"] == "application/problem+json"
