"""Hostile requests against each supported server: each gets the right status, no traceback
is logged, and the server stays quick afterwards."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from tests.conftest import SERVERS, LiveServer, ServerFactory, Upstream
from tests.integration.raw_http import exchange, port_of, post

BODY = b'{"messages":[{"role":"user","content":"hi"}]}'
NOT_UTF8 = b'{"messages":[{"role":"user","content":"\xff"}]}'
KEY = {"Authorization": "Bearer right-key"}
HEALTH = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def health_seconds(live: LiveServer) -> float:
    """The quickest of three /health requests, each on a new connection, timed from a bare
    socket (httpx builds an SSL context per call, tens of ms on a busy machine)."""
    timings = []
    for _ in range(3):
        started = time.monotonic()
        result = exchange(port_of(live.url), HEALTH, until_answers=1, read_seconds=5)
        assert [answer.status for answer in result.answers] == [200]
        timings.append(time.monotonic() - started)
    return min(timings)


def assert_healthy(live: LiveServer, since: int = 0) -> None:
    """No traceback or error was logged after `since` (a length of the log), and /health
    answers within 50 ms."""
    assert health_seconds(live) < 0.05
    log = live.log()[since:]
    assert "Traceback" not in log
    assert " ERROR " not in log


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
@pytest.mark.parametrize(
    "body",
    [NOT_UTF8, b'{"max_tokens": 2.0,' + NOT_UTF8[1:], b'{"max_tokens": 2.0 "messages": []}'],
    ids=["not-utf8", "not-utf8-after-a-whole-float", "malformed-after-a-whole-float"],
)
def test_invalid_utf8_or_json_after_a_whole_float_is_a_400_problem(
    any_server: LiveServer, path: str, body: bytes
) -> None:
    since = len(any_server.log())
    reply = httpx.post(
        any_server.url + path, content=body, headers={"content-type": "application/json"}
    )
    assert reply.status_code == 400
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["type"] == "urn:streamspec:problem:invalid-json"
    assert_healthy(any_server, since)


@pytest.mark.parametrize("server", SERVERS)
def test_invalid_utf8_is_a_400_problem_when_relaying_too(
    server_factory: ServerFactory, upstream: Upstream, server: str
) -> None:
    live = server_factory({"OPENAI_BASE_URL": upstream.base_url}, server=server)
    for path in ("/api/chat", "/api/chat/stream"):
        reply = httpx.post(
            live.url + path, content=NOT_UTF8, headers={"content-type": "application/json"}
        )
        assert reply.status_code == 400
    assert_healthy(live)


def test_content_length_with_transfer_encoding_never_runs_the_hidden_request(
    any_server: LiveServer,
) -> None:
    since = len(any_server.log())
    hidden = post("/api/chat", BODY)
    smuggling = (
        b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"content-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n" + hidden
    )
    result = exchange(port_of(any_server.url), smuggling, read_seconds=3)
    assert [answer.status for answer in result.answers] == [400]
    assert result.closed
    assert_healthy(any_server, since)


@pytest.mark.parametrize(
    "head",
    [
        b"GET /health HTTP/1.1\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET /health HTTP/1.1\r\nHost: a\r\ncontent-length: 0\r\ncontent-length: 2\r\n\r\nab",
    ],
    ids=["no-host", "two-hosts", "two-lengths"],
)
def test_a_request_without_exactly_one_host_or_length_is_a_400(
    any_server: LiveServer, head: bytes
) -> None:
    since = len(any_server.log())
    result = exchange(port_of(any_server.url), head)
    assert [answer.status for answer in result.answers] == [400]
    assert_healthy(any_server, since)


def test_a_malformed_chunk_size_is_a_400(any_server: LiveServer) -> None:
    since = len(any_server.log())
    chunked = (
        b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        b"transfer-encoding: chunked\r\n\r\nzz\r\n" + BODY + b"\r\n0\r\n\r\n"
    )
    result = exchange(port_of(any_server.url), chunked)
    assert [answer.status for answer in result.answers] == [400]
    if any_server.server != "hypercorn":  # hypercorn answers this one itself, with no body
        assert result.answers[0].headers["content-type"] == "application/problem+json"
    assert "client left" not in any_server.log()[since:]
    assert_healthy(any_server, since)


def test_a_request_head_over_the_limit_is_a_431(any_server: LiveServer) -> None:
    since = len(any_server.log())
    huge = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
    result = exchange(port_of(any_server.url), huge)
    assert [answer.status for answer in result.answers] == [431]
    assert_healthy(any_server, since)


def test_an_unfinished_head_over_the_limit_is_cut_off(any_server: LiveServer) -> None:
    since = len(any_server.log())
    unfinished = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (4 << 20)
    result = exchange(port_of(any_server.url), unfinished, read_seconds=5)
    assert result.closed
    assert [answer.status for answer in result.answers] in ([431], [])
    assert_healthy(any_server, since)


GET_ROUTES = [
    "/health",
    "/docs",
    "/openapi.yaml",
    "/openapi.json",
    "/",
    "/docs/assets/swagger-ui.css",
    "/docs/assets/streamspec-docs.js",
    "/chat/assets/chat.js",
]


@pytest.mark.parametrize("path", GET_ROUTES)
def test_head_answers_every_get_route_with_its_headers_and_no_body(
    any_server: LiveServer, path: str
) -> None:
    got = httpx.get(any_server.url + path)
    assert got.status_code == 200
    # The HEAD, then a GET on the same connection: a body sent after the HEAD would
    # be read as the start of the second answer.
    head = f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    then = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    result = exchange(port_of(any_server.url), head, then=then, until_answers=2, head_only=True)
    statuses = [answer.status for answer in result.answers]
    assert statuses[:1] == [200]
    answer = result.answers[0]
    assert answer.headers["content-type"] == got.headers["content-type"]
    assert answer.headers.get("content-length", str(len(got.content))) == str(len(got.content))
    second = result.early.partition(b"\r\n\r\n")[2]
    assert second == b"", "a body followed the HEAD answer"


def test_head_on_a_post_operation_is_a_405_naming_post(any_server: LiveServer) -> None:
    reply = httpx.head(any_server.url + "/api/chat")
    assert reply.status_code == 405
    assert reply.headers["allow"] == "POST"


def test_a_body_declared_in_another_charset_is_a_415(any_server: LiveServer) -> None:
    for charset, status in (("latin-1", 415), ("utf-16", 415), ("UTF-8", 200), ('"utf-8"', 200)):
        reply = httpx.post(
            any_server.url + "/api/chat",
            content=BODY,
            headers={"content-type": f"application/json; charset={charset}"},
        )
        assert reply.status_code == status, charset


def test_a_compressed_body_is_a_415_naming_identity(any_server: LiveServer) -> None:
    reply = httpx.post(
        any_server.url + "/api/chat",
        content=BODY,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert reply.status_code == 415
    assert reply.headers["accept-encoding"] == "identity"
    assert reply.headers["content-type"] == "application/problem+json"


def test_a_duplicate_json_key_is_read_as_its_last_value(any_server: LiveServer) -> None:
    body = (
        b'{"messages":[{"role":"user","content":"first"}],'
        b'"messages":[{"role":"user","content":"last"}]}'
    )
    reply = httpx.post(
        any_server.url + "/api/chat", content=body, headers={"content-type": "application/json"}
    )
    assert reply.status_code == 200
    assert reply.json()["message"]["content"] == "last"


# Which server accepts a bare LF as a line end (RFC 9112 allows either); see the README.
BARE_LF_ACCEPTED = {"granian": True, "uvicorn": False, "hypercorn": True}


def test_bare_lf_line_ends_are_treated_as_the_readme_says(any_server: LiveServer) -> None:
    since = len(any_server.log())
    result = exchange(port_of(any_server.url), b"GET /health HTTP/1.1\nHost: 127.0.0.1\n\n")
    expected = 200 if BARE_LF_ACCEPTED[any_server.server] else 400
    assert [answer.status for answer in result.answers] == [expected]
    assert_healthy(any_server, since)


@pytest.mark.parametrize("server", SERVERS)
def test_a_refusal_reads_the_body_first_and_keeps_the_connection(
    server_factory: ServerFactory, server: str
) -> None:
    live = server_factory({"STREAMSPEC_API_KEYS": "right-key"}, server=server)
    head = post("/api/chat", BODY)[: -len(BODY)]
    then = BODY + b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    result = exchange(port_of(live.url), head, then=then, until_answers=2)
    assert result.early == b"", "the 401 went out before the body was read"
    assert [answer.status for answer in result.answers] == [401, 200]
    assert result.answers[0].headers.get("connection") != "close"


@pytest.mark.parametrize("server", SERVERS)
def test_wrong_keys_from_one_address_get_429_once_its_budget_is_spent(
    server_factory: ServerFactory, server: str
) -> None:
    live = server_factory(
        {"STREAMSPEC_API_KEYS": "right-key", "STREAMSPEC_RATE_LIMIT": "1000/minute"},
        server=server,
    )
    statuses = []
    with httpx.Client(base_url=live.url) as client:
        for attempt in range(300):
            # A new X-Forwarded-For each time: from an untrusted peer it buys nothing.
            headers = {
                "Authorization": f"Bearer guess-{attempt}",
                "X-Forwarded-For": f"198.51.100.{attempt % 250}",
            }
            reply = client.post("/api/chat", json=json.loads(BODY), headers=headers)
            statuses.append(reply.status_code)
        assert statuses[:20] == [401] * 20
        assert statuses[20:] == [429] * 280
        # The right key is refused too while the address is blocked: otherwise the
        # difference between 429 and 200 would still tell a guess that hit.
        right = client.post("/api/chat", json=json.loads(BODY), headers=KEY)
        assert right.status_code == 429
        assert 1 <= int(right.headers["retry-after"]) <= 60
        assert right.json()["type"] == "urn:streamspec:problem:rate-limited"
    assert_healthy(live)


@pytest.mark.parametrize("server", SERVERS)
def test_vary_origin_is_on_every_answer_while_cors_is_on(
    server_factory: ServerFactory, server: str
) -> None:
    live = server_factory({"STREAMSPEC_CORS_ORIGINS": "https://app.example"}, server=server)
    for origin in ("https://app.example", "https://evil.example", None):
        headers = {"Origin": origin} if origin else {}
        for reply in (
            httpx.post(live.url + "/api/chat", headers=headers, json=json.loads(BODY)),
            httpx.get(live.url + "/health", headers=headers),
            httpx.get(live.url + "/docs", headers=headers),
        ):
            assert "origin" in reply.headers.get("vary", "").lower(), (origin, reply.url)
        if origin == "https://evil.example":
            assert "access-control-allow-origin" not in reply.headers


@pytest.mark.parametrize("server", SERVERS)
def test_a_head_sent_a_line_at_a_time_is_cut_off(
    server_factory: ServerFactory, server: str
) -> None:
    live = server_factory({"STREAMSPEC_CLIENT_TIMEOUT": "1"}, server=server)
    with socket.create_connection(("127.0.0.1", port_of(live.url)), timeout=1) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        answer, closed = b"", False
        while not closed and time.monotonic() - started < 15:
            try:
                sock.sendall(b"X-Slow: yes\r\n")
                sock.settimeout(0.3)
                chunk = sock.recv(65536)
                answer += chunk
                closed = not chunk
            except TimeoutError:
                continue
            except OSError:
                closed = True
        took = time.monotonic() - started
    assert closed
    # granian and uvicorn stop at the client timeout; hypercorn at its own 5 s keep-alive limit.
    assert took < (7 if server == "hypercorn" else 3)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408")
    assert_healthy(live)
