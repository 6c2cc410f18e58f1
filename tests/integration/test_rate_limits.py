"""Per-caller rate limits on the real server, in memory and shared through a real Redis."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.conftest import SERVERS, ServerFactory

BODY = {"messages": [{"role": "user", "content": "hi"}]}


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_key_gets_its_budget_then_a_429_while_other_keys_pass(
    server_factory: ServerFactory,
) -> None:
    live = server_factory(
        {"STREAMSPEC_API_KEYS": "key-alpha,key-beta", "STREAMSPEC_RATE_LIMIT": "5/minute"}
    )
    for spent in range(1, 6):
        response = httpx.post(live.url + "/api/chat", json=BODY, headers=_auth("key-alpha"))
        assert response.status_code == 200
        assert response.headers["ratelimit-limit"] == "5"
        assert response.headers["ratelimit-remaining"] == str(5 - spent)
        assert 1 <= int(response.headers["ratelimit-reset"]) <= 60

    for path in ("/api/chat", "/api/chat/stream"):
        refused = httpx.post(live.url + path, json=BODY, headers=_auth("key-alpha"))
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert refused.headers["ratelimit-remaining"] == "0"
        assert refused.json()["type"] == "urn:streamspec:problem:rate-limited"

    assert httpx.post(live.url + "/api/chat", json=BODY, headers=_auth("key-beta")).is_success
    assert httpx.get(live.url + "/health").is_success


def test_streams_spend_the_same_budget_as_chats(server_factory: ServerFactory) -> None:
    live = server_factory({"STREAMSPEC_RATE_LIMIT": "2/minute"})
    assert httpx.post(live.url + "/api/chat/stream", json=BODY).status_code == 200
    assert httpx.post(live.url + "/api/chat", json=BODY).status_code == 200
    assert httpx.post(live.url + "/api/chat/stream", json=BODY).status_code == 429


@pytest.mark.parametrize("server", SERVERS)
def test_forwarded_for_is_believed_only_from_trusted_proxies(
    server_factory: ServerFactory, server: str
) -> None:
    trusting = server_factory(
        {"STREAMSPEC_RATE_LIMIT": "1/minute", "STREAMSPEC_TRUSTED_PROXIES": "127.0.0.0/8"},
        server=server,
    )
    for client in ("203.0.113.1", "203.0.113.2"):
        headers = {"X-Forwarded-For": f"{client}, 127.0.0.1"}
        assert httpx.post(trusting.url + "/api/chat", json=BODY, headers=headers).is_success
    headers = {"X-Forwarded-For": "203.0.113.1"}
    assert httpx.post(trusting.url + "/api/chat", json=BODY, headers=headers).status_code == 429

    # uvicorn believes X-Forwarded-For from loopback unless told not to.
    distrusting = server_factory({"STREAMSPEC_RATE_LIMIT": "1/minute"}, server=server)
    headers = {"X-Forwarded-For": "203.0.113.1"}
    assert httpx.post(distrusting.url + "/api/chat", json=BODY, headers=headers).is_success
    headers = {"X-Forwarded-For": "203.0.113.2"}
    assert httpx.post(distrusting.url + "/api/chat", json=BODY, headers=headers).status_code == 429


@pytest.mark.parametrize("rate", ["5", "5/fortnight", "0/minute"])
def test_a_malformed_rate_stops_the_server_from_starting(
    server_factory: ServerFactory, rate: str
) -> None:
    with pytest.raises(RuntimeError, match="rate"):
        server_factory({"STREAMSPEC_RATE_LIMIT": rate})


def test_replicas_sharing_redis_admit_exactly_the_budget(
    server_factory: ServerFactory, redis_url: str
) -> None:
    env = {
        "STREAMSPEC_API_KEYS": "key-alpha",
        "STREAMSPEC_RATE_LIMIT": "10/minute",
        "STREAMSPEC_REDIS_URL": redis_url,
    }
    replicas = [server_factory(env), server_factory(env)]

    async def burst() -> list[int]:
        async with httpx.AsyncClient(headers=_auth("key-alpha"), timeout=10) as client:
            responses = await asyncio.gather(
                *(client.post(replicas[i % 2].url + "/api/chat", json=BODY) for i in range(40))
            )
        return [response.status_code for response in responses]

    statuses = asyncio.run(burst())
    assert statuses.count(200) == 10
    assert statuses.count(429) == 30
