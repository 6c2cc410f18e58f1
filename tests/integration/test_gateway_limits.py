"""CORS, keepalive comments and the cap on open streams, on the real server."""

from __future__ import annotations

import socket
import threading
import time

import httpx

from tests.conftest import ServerFactory, Upstream
from tests.integration.sse import stream_events

BODY = {"messages": [{"role": "user", "content": "one two three four five six"}]}
ALLOWED = "https://app.example"


def test_cors_preflight_allows_only_the_listed_origin(server_factory: ServerFactory) -> None:
    live = server_factory({"STREAMSPEC_CORS_ORIGINS": ALLOWED})
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    allowed = httpx.options(live.url + "/api/chat", headers={"Origin": ALLOWED, **preflight})
    assert allowed.status_code in (200, 204)
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    allow_headers = allowed.headers["access-control-allow-headers"].lower()
    assert "authorization" in allow_headers
    assert "content-type" in allow_headers

    refused = httpx.options(
        live.url + "/api/chat", headers={"Origin": "https://evil.example", **preflight}
    )
    assert "access-control-allow-origin" not in refused.headers


def test_cors_exposes_request_id_and_rate_limit_headers(server_factory: ServerFactory) -> None:
    live = server_factory({"STREAMSPEC_CORS_ORIGINS": ALLOWED, "STREAMSPEC_RATE_LIMIT": "9/minute"})
    response = httpx.post(live.url + "/api/chat", json=BODY, headers={"Origin": ALLOWED})
    assert response.headers["access-control-allow-origin"] == ALLOWED
    exposed = response.headers["access-control-expose-headers"].lower()
    for header in ("x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining"):
        assert header in exposed
    other = httpx.post(
        live.url + "/api/chat", json=BODY, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers


def test_an_idle_stream_gets_keepalive_comments(
    server_factory: ServerFactory, upstream: Upstream
) -> None:
    live = server_factory(
        {
            "OPENAI_BASE_URL": upstream.base_url,
            "STREAMSPEC_KEEPALIVE_SECONDS": "0.2",
            "STREAMSPEC_UPSTREAM_IDLE_TIMEOUT": "1.5",
        }
    )
    body = {**BODY, "model": "fault-stall-mid"}
    with httpx.stream("POST", live.url + "/api/chat/stream", json=body, timeout=10) as response:
        lines = list(response.iter_lines())
    assert lines.count(": keepalive") >= 4
    assert "event: error" in lines


def test_one_stream_too_many_per_caller_is_a_429(server_factory: ServerFactory) -> None:
    live = server_factory(
        {
            "STREAMSPEC_API_KEYS": "k1,k2",
            "STREAMSPEC_MAX_STREAMS_PER_KEY": "1",
            "STREAMSPEC_ECHO_DELAY_MS": "300",
        }
    )
    first_open = threading.Event()

    def hold_a_stream() -> None:
        with httpx.stream(
            "POST", live.url + "/api/chat/stream", json=BODY, headers={"Authorization": "Bearer k1"}
        ) as response:
            for _ in response.iter_lines():
                first_open.set()

    holder = threading.Thread(target=hold_a_stream)
    holder.start()
    assert first_open.wait(5)
    refused = httpx.post(
        live.url + "/api/chat/stream", json=BODY, headers={"Authorization": "Bearer k1"}
    )
    assert refused.status_code == 429
    assert refused.json()["type"] == "urn:streamspec:problem:too-many-streams"
    other_key, _ = stream_events(
        live.url + "/api/chat/stream", BODY, {"Authorization": "Bearer k2"}
    )
    assert other_key.status_code == 200
    holder.join(10)
    time.sleep(0.1)
    again, _ = stream_events(live.url + "/api/chat/stream", BODY, {"Authorization": "Bearer k1"})
    assert again.status_code == 200


def test_a_v1_stream_counts_against_the_stream_cap_and_its_json_answer_does_not(
    server_factory: ServerFactory,
) -> None:
    live = server_factory(
        {
            "STREAMSPEC_API_KEYS": "k1",
            "STREAMSPEC_MAX_STREAMS_PER_KEY": "1",
            "STREAMSPEC_ECHO_DELAY_MS": "300",
        }
    )
    url, auth = live.url + "/v1/chat/completions", {"Authorization": "Bearer k1"}
    body = {**BODY, "model": "echo"}
    with httpx.stream("POST", url, json={**body, "stream": True}, headers=auth) as held:
        lines = held.iter_lines()  # kept: a dropped iterator closes the response
        next(lines)
        refused = httpx.post(url, json={**body, "stream": True}, headers=auth)
        whole = httpx.post(url, json=body, headers=auth)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    assert refused.headers["retry-after"] == "1"
    assert whole.status_code == 200


def test_a_client_that_sends_its_body_too_slowly_gets_a_408(server_factory: ServerFactory) -> None:
    live = server_factory({"STREAMSPEC_CLIENT_TIMEOUT": "1"})
    port = int(live.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/chat HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            b'content-length: 100\r\n\r\n{"messages": '
        )
        started = time.monotonic()
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"application/problem+json" in answer
    assert 0.9 < time.monotonic() - started < 5
