"""The server's log lines on the real server: JSON or text, an access line per request,
upstream failures with their cause, and never a key."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import httpx
import pytest

from tests.conftest import SERVERS, ServerFactory, Upstream, free_port

KEYS = ("key-alpha-0123456789", "key-beta-0123456789")
UPSTREAM_KEY = "sk-upstream-0123456789"
BODY = {"messages": [{"role": "user", "content": "hello there"}]}


def _caller(key: str) -> str:
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:32]


@pytest.mark.parametrize("server", SERVERS)
def test_json_logs_are_one_object_per_line_with_the_request_id_and_no_key(
    server_factory: ServerFactory, upstream: Upstream, server: str
) -> None:
    live = server_factory(
        {
            "STREAMSPEC_LOG_FORMAT": "json",
            "STREAMSPEC_ACCESS_LOG": "true",
            "STREAMSPEC_API_KEYS": ",".join(KEYS),
            "OPENAI_BASE_URL": upstream.base_url,
            "OPENAI_API_KEY": UPSTREAM_KEY,
        },
        server=server,
    )
    auth = {"Authorization": f"Bearer {KEYS[0]}"}

    def call(request_id: str, path: str, **kwargs: Any) -> int:
        headers = {"X-Request-ID": request_id, **kwargs.pop("headers", auth)}
        response = httpx.post(live.url + path, headers=headers, **kwargs)
        return response.status_code

    assert call("log-chat", "/api/chat", json=BODY) == 200
    assert call("log-stream", "/api/chat/stream", json=BODY) == 200
    assert call("log-upstream-500", "/api/chat", json={**BODY, "model": "fault-500"}) == 502
    assert call("log-invalid", "/api/chat", json={"messages": 1}) == 422
    wrong = {"Authorization": "Bearer key-wrong-0123456789"}
    assert call("log-wrong-key", "/api/chat", json=BODY, headers=wrong) == 401
    assert httpx.get(live.url + "/nowhere", headers={"X-Request-ID": "log-404"}).status_code == 404
    live.stop()  # and with it the shutdown lines

    lines = [line for line in live.log().splitlines() if line.strip()]
    records = []
    for line in lines:
        record = json.loads(line)  # every line, the servers' own included
        assert isinstance(record, dict)
        assert record["request_id"]
        for secret in (*KEYS, UPSTREAM_KEY, "key-wrong-0123456789"):
            assert secret not in line
        records.append(record)
    access = {r["request_id"]: r for r in records if r["logger"] == "streamspec.access"}
    for request_id, path, status, caller in (
        ("log-chat", "/api/chat", 200, _caller(KEYS[0])),
        ("log-stream", "/api/chat/stream", 200, _caller(KEYS[0])),
        ("log-upstream-500", "/api/chat", 502, _caller(KEYS[0])),
        ("log-invalid", "/api/chat", 422, _caller(KEYS[0])),
        ("log-wrong-key", "/api/chat", 401, "-"),
        ("log-404", "/nowhere", 404, "-"),
    ):
        logged = access[request_id]
        assert (logged["path"], logged["status"], logged["caller"]) == (path, status, caller)
        assert logged["method"] == ("GET" if status == 404 else "POST")
        assert 0 <= logged["duration_ms"] < 10_000
    failure = next(r for r in records if r["logger"] == "streamspec.providers.openai")
    assert failure["level"] == "WARNING"
    assert failure["request_id"] == "log-upstream-500"
    assert "HTTP status 500" in failure["message"]


def test_text_logs_give_an_access_line_per_request(server_factory: ServerFactory) -> None:
    live = server_factory({"STREAMSPEC_ACCESS_LOG": "true"})
    headers = {"X-Request-ID": "text-chat"}
    assert httpx.post(live.url + "/api/chat", json=BODY, headers=headers).status_code == 200
    live.stop()  # the line is written after the answer: stopping waits for it
    line = next(line for line in live.log().splitlines() if "[text-chat]" in line)
    expected = r" INFO \[text-chat\] streamspec\.access: POST /api/chat 200 \d+\.\dms caller=addr:"
    assert re.search(expected + r"127\.0\.0\.1$", line), line


def test_access_log_is_off_by_default(server_factory: ServerFactory) -> None:
    live = server_factory()
    headers = {"X-Request-ID": "quiet-chat"}
    assert httpx.post(live.url + "/api/chat", json=BODY, headers=headers).status_code == 200
    live.stop()
    assert "quiet-chat" not in live.log()


def test_an_unreachable_upstream_is_logged_with_its_cause(server_factory: ServerFactory) -> None:
    closed_port = free_port()
    live = server_factory({"OPENAI_BASE_URL": f"http://127.0.0.1:{closed_port}/v1"})
    headers = {"X-Request-ID": "unreachable"}
    assert httpx.post(live.url + "/api/chat", json=BODY, headers=headers).status_code == 502
    line = next(
        line
        for line in live.log().splitlines()
        if "[unreachable]" in line and "streamspec.providers.openai" in line
    )
    assert "upstream request failed (unavailable, answered as 502)" in line
    assert "could not be reached" in line
    # The cause names what the transport saw, down to the refused connection.
    assert re.search(r"Cause: \w+(Error|Timeout): .*Connect", line), line
