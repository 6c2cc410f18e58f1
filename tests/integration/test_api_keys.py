"""API keys, enforced by the server as a real process."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import LiveServer, ServerFactory
from tests.integration.sse import stream_events

BODY = {"messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from tests.conftest import start_server

    live = start_server(tmp_path_factory.mktemp("keys"), {"STREAMSPEC_API_KEYS": "a, b"})
    yield live
    live.stop()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer c"},
        {"Authorization": "Basic YTpi"},
        {"Authorization": "Bearer"},
    ],
)
@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
def test_a_missing_or_wrong_key_gets_a_401_problem(
    guarded: LiveServer, path: str, headers: dict[str, str]
) -> None:
    response = httpx.post(guarded.url + path, json=BODY, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_a_listed_key_is_let_in(guarded: LiveServer) -> None:
    headers = {"Authorization": "Bearer b"}
    assert httpx.post(guarded.url + "/api/chat", json=BODY, headers=headers).status_code == 200
    response, events = stream_events(guarded.url + "/api/chat/stream", BODY, headers)
    assert response.status_code == 200
    assert events[-1].event == "done"


@pytest.mark.parametrize("path", ["/health", "/docs", "/openapi.yaml", "/openapi.json"])
def test_health_and_docs_stay_open(guarded: LiveServer, path: str) -> None:
    assert httpx.get(guarded.url + path).status_code == 200


def test_keys_are_not_required_when_none_are_configured(server_factory: ServerFactory) -> None:
    live = server_factory()
    assert httpx.post(live.url + "/api/chat", json=BODY).status_code == 200
