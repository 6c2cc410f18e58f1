"""The clients read STREAMSPEC_BASE_URL and STREAMSPEC_API_KEY when they are not passed."""

from __future__ import annotations

import httpx
import pytest

from streamspec_client import AsyncClient, Client

HEALTH = {"status": "ok", "version": "0.1.0", "server": "granian", "python": "3.11.7"}


def recording_transport(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=HEALTH)

    return httpx.MockTransport(handler)


@pytest.fixture(autouse=True)
def no_streamspec_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STREAMSPEC_BASE_URL", raising=False)
    monkeypatch.delenv("STREAMSPEC_API_KEY", raising=False)


def test_client_reads_base_url_and_api_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STREAMSPEC_BASE_URL", "http://from-env.test:9000")
    monkeypatch.setenv("STREAMSPEC_API_KEY", "key-from-env")
    seen: list[httpx.Request] = []
    with httpx.Client(transport=recording_transport(seen)) as http, Client(http_client=http) as c:
        c.get_health()

    assert str(seen[0].url) == "http://from-env.test:9000/health"
    assert seen[0].headers["authorization"] == "Bearer key-from-env"


async def test_async_client_reads_base_url_and_api_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STREAMSPEC_BASE_URL", "http://from-env.test:9000")
    monkeypatch.setenv("STREAMSPEC_API_KEY", "key-from-env")
    seen: list[httpx.Request] = []
    async with (
        httpx.AsyncClient(transport=recording_transport(seen)) as http,
        AsyncClient(http_client=http) as client,
    ):
        await client.get_health()

    assert str(seen[0].url) == "http://from-env.test:9000/health"
    assert seen[0].headers["authorization"] == "Bearer key-from-env"


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMSPEC_BASE_URL", "http://from-env.test:9000")
    monkeypatch.setenv("STREAMSPEC_API_KEY", "key-from-env")
    seen: list[httpx.Request] = []
    with (
        httpx.Client(transport=recording_transport(seen)) as http,
        Client("http://passed.test", api_key="key-passed", http_client=http) as client,
    ):
        client.get_health()

    assert str(seen[0].url) == "http://passed.test/health"
    assert seen[0].headers["authorization"] == "Bearer key-passed"


def test_no_api_key_anywhere_sends_no_authorization_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STREAMSPEC_API_KEY", "")
    seen: list[httpx.Request] = []
    with (
        httpx.Client(transport=recording_transport(seen)) as http,
        Client("http://passed.test", http_client=http) as client,
    ):
        client.get_health()

    assert "authorization" not in seen[0].headers


@pytest.mark.parametrize("value", [None, ""])
def test_missing_base_url_names_the_variable_to_set(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is not None:
        monkeypatch.setenv("STREAMSPEC_BASE_URL", value)
    with pytest.raises(ValueError, match="STREAMSPEC_BASE_URL"):
        Client()
    with pytest.raises(ValueError, match="STREAMSPEC_BASE_URL"):
        AsyncClient()
