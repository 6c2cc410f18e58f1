"""Probe: hostile requests against a server, each judged; prints probe | status | verdict.

Run by scripts/probe. Without --url it starts the fake upstream and the server itself
(`--server`), configured so every probe applies (API keys, a per-key rate limit, CORS,
a stream cap, a short client timeout), watches the server's memory, descriptors and log,
and ends with a SIGTERM probe on a second server. With --url it probes that server; the
probes that need the process (memory, log, SIGTERM) are then skipped unless --pid and
--log say where it is. `--small` runs every probe at a size the test suite can afford.

The wrong-key probe spends this address's budget for failed keys: the server refuses
127.0.0.1 for up to a minute afterwards, so it runs last.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scripts.lib.soak import rss_kib  # noqa: E402
from tests.conftest import LiveServer, Upstream, start_server, start_upstream  # noqa: E402
from tests.integration.raw_http import Exchange, exchange, port_of, post  # noqa: E402
from tests.integration.sse import read_events, sse_lines  # noqa: E402

KEY = "probe-key"
ALLOWED_ORIGIN = "https://app.example"
STREAM_CAP = 25
AUTH_FAILURE_BUDGET = 20
BODY = b'{"messages":[{"role":"user","content":"probe"}]}'
HEALTH = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@dataclass(frozen=True)
class Size:
    big_header: int
    unfinished_heads: int
    unfinished_head_bytes: int
    slowloris: int
    slowloris_wait_closed: bool
    wrong_keys: int
    abandoned_streams: int
    shutdown_waiting: int
    shutdown_grace: float
    client_timeout: float


FULL = Size(
    big_header=32 << 20,
    unfinished_heads=20,
    unfinished_head_bytes=16 << 20,
    slowloris=500,
    slowloris_wait_closed=True,
    wrong_keys=300,
    abandoned_streams=200,
    shutdown_waiting=50,
    shutdown_grace=8.0,
    client_timeout=5.0,
)
SMALL = Size(
    big_header=1 << 20,
    unfinished_heads=3,
    unfinished_head_bytes=2 << 20,
    slowloris=20,
    slowloris_wait_closed=False,
    wrong_keys=40,
    abandoned_streams=20,
    shutdown_waiting=3,
    shutdown_grace=1.5,
    client_timeout=1.0,
)


@dataclass
class Row:
    probe: str
    status: str
    ok: bool | None  # None: skipped
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.ok is None:
            return "skipped" + (f": {self.note}" if self.note else "")
        return ("ok" if self.ok else "FAIL") + (f": {self.note}" if self.note else "")


@dataclass
class Target:
    url: str
    key: str | None
    pid: int | None
    log: Path | None
    server: str
    upstream: Upstream | None = None
    client_timeout: float | None = None  # the server's STREAMSPEC_CLIENT_TIMEOUT, if known

    @property
    def port(self) -> int:
        return port_of(self.url)

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def auth_line(self) -> str:
        return f"authorization: Bearer {self.key}\r\n" if self.key else ""

    def rss_mib(self) -> float | None:
        return rss_kib(self.pid) / 1024 if self.pid else None

    def open_fds(self) -> int | None:
        if not self.pid:
            return None
        total = 0
        for pid in [self.pid, *_children(self.pid)]:
            with contextlib.suppress(OSError):  # a worker that has just exited
                total += len(os.listdir(f"/proc/{pid}/fd"))
        return total

    def settled_fds(self, baseline: int | None, seconds: float = 5) -> int | None:
        """Open descriptors once they are back to `baseline` (plus a few), or after `seconds`:
        servers close abandoned sockets on their own schedule."""
        deadline = time.monotonic() + seconds
        while True:
            now = self.open_fds()
            if now is None or baseline is None or now <= baseline + 5:
                return now
            if time.monotonic() > deadline:
                return now
            time.sleep(0.2)

    def log_text(self) -> str | None:
        return self.log.read_text(errors="replace") if self.log else None


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            direct = [int(child) for child in children.read().split()]
    except OSError:
        return []
    return [grand for child in direct for grand in [child, *_children(child)]]


def statuses(result: Exchange) -> str:
    shown = ", ".join(str(answer.status) for answer in result.answers) or "no answer"
    return shown + (", closed" if result.closed else "")


def health_ms(target: Target) -> float:
    """The quickest of three /health requests on new connections, in milliseconds."""
    timings = []
    for _ in range(3):
        started = time.monotonic()
        result = exchange(target.port, HEALTH, until_answers=1, read_seconds=5)
        if [answer.status for answer in result.answers] != [200]:
            return float("inf")
        timings.append((time.monotonic() - started) * 1000)
    return min(timings)


def json_post(target: Target, path: str, body: bytes, headers: str = "", **kw: str) -> bytes:
    return post(path, body, headers=target.auth_line() + headers, **kw)


# --- the probes: each returns its row -------------------------------------------------


def probe_invalid_utf8(target: Target) -> list[Row]:
    rows = []
    for path in ("/api/chat", "/api/chat/stream"):
        body = b'{"messages":[{"role":"user","content":"\xff"}]}'
        result = exchange(target.port, json_post(target, path, body), until_answers=1)
        answer = result.answers[0] if result.answers else None
        ok = answer is not None and answer.status == 400 and _is_problem(answer.headers)
        rows.append(Row(f"invalid UTF-8 in a string, {path}", statuses(result), ok))
    return rows


def probe_smuggling(target: Target) -> list[Row]:
    hidden = json_post(target, "/api/chat", BODY)
    smuggling = (
        b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        + target.auth_line().encode()
        + b"content-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"
        + hidden
    )
    result = exchange(target.port, smuggling, read_seconds=3)
    ok = [answer.status for answer in result.answers] == [400] and result.closed
    note = "" if ok else "a second answer means the hidden request ran"
    return [Row("Content-Length + Transfer-Encoding (smuggling)", statuses(result), ok, note)]


def probe_big_header(target: Target, size: Size) -> list[Row]:
    before = target.rss_mib()
    head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * size.big_header
    result = exchange(target.port, head + b"\r\n\r\n", read_seconds=5)
    ok = [answer.status for answer in result.answers] in ([431], []) and result.closed
    rows = [Row(f"{size.big_header >> 20} MiB header", statuses(result), ok)]

    async def unfinished() -> list[bool]:
        async def one() -> bool:
            reader, writer = await asyncio.open_connection("127.0.0.1", target.port)
            writer.write(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
            piece = b"a" * 65536
            cut = False
            try:
                for _ in range(size.unfinished_head_bytes // len(piece)):
                    writer.write(piece)
                    await asyncio.wait_for(writer.drain(), 10)
            except (OSError, TimeoutError):
                cut = True
            if not cut:  # all sent: the server must close it anyway
                try:
                    cut = await asyncio.wait_for(reader.read(), 10) is not None
                except (OSError, TimeoutError):
                    cut = True
            writer.close()
            return cut

        return await asyncio.gather(*(one() for _ in range(size.unfinished_heads)))

    cut = asyncio.run(unfinished())
    during = health_ms(target)
    after = target.rss_mib()
    grew = f", RSS {before:.0f} -> {after:.0f} MiB" if before and after else ""
    ok = all(cut) and during < 50 and (not before or not after or after - before < 64)
    status = f"{sum(cut)}/{len(cut)} cut off, /health {during:.1f} ms{grew}"
    rows.append(
        Row(
            f"{size.unfinished_heads} unfinished {size.unfinished_head_bytes >> 20} MiB heads",
            status,
            ok,
        )
    )
    return rows


GET_ROUTES = [
    "/health",
    "/docs",
    "/openapi.yaml",
    "/openapi.json",
    "/",
    "/docs/assets/swagger-ui.css",
    "/chat/assets/chat.js",
]


def probe_head(target: Target) -> list[Row]:
    rows = []
    for path in GET_ROUTES:
        length = len(httpx.get(target.url + path).content)
        head = f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        result = exchange(target.port, head, then=HEALTH, until_answers=2, head_only=True)
        first = result.answers[0] if result.answers else None
        ok = (
            first is not None
            and first.status == 200
            and first.headers.get("content-length", str(length)) == str(length)
            and result.early.partition(b"\r\n\r\n")[2] == b""
        )
        rows.append(Row(f"HEAD {path}", statuses(result), ok))
    return rows


def probe_malformed_chunk(target: Target) -> list[Row]:
    chunked = (
        b"POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        + target.auth_line().encode()
        + b"transfer-encoding: chunked\r\n\r\nzz\r\n"
        + BODY
        + b"\r\n0\r\n\r\n"
    )
    result = exchange(target.port, chunked)
    ok = [answer.status for answer in result.answers] == [400]
    note = ""
    if ok and not _is_problem(result.answers[0].headers):
        note = "the server's own 400, without a problem body"
    return [Row("malformed chunk size", statuses(result), ok, note)]


def probe_hosts(target: Target) -> list[Row]:
    rows = []
    for name, head in (
        ("no Host", b"GET /health HTTP/1.1\r\n\r\n"),
        ("two Hosts", b"GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
    ):
        result = exchange(target.port, head)
        rows.append(Row(name, statuses(result), [a.status for a in result.answers] == [400]))
    return rows


def probe_bodies(target: Target) -> list[Row]:
    rows = []
    duplicate = b'{"messages":[{"role":"user","content":"first"}],' + BODY[1:]
    cases: list[tuple[str, bytes, dict[str, str], int]] = [
        ("duplicate JSON key (last wins)", duplicate, {}, 200),
        ("charset=latin-1", BODY, {"content_type": "application/json; charset=latin-1"}, 415),
        ("Content-Encoding: gzip", BODY, {"headers": "content-encoding: gzip\r\n"}, 415),
        ("nested 10,000 deep", b'{"messages":' + b"[" * 10000 + b"]" * 10000 + b"}", {}, 422),
        ("array of 100,000", b'{"messages":[' + b"1," * 99999 + b"1]}", {}, 422),
        (
            "string of 2 MiB",
            b'{"messages":[{"role":"user","content":"' + b"x" * (2 << 20) + b'"}]}',
            {},
            413,
        ),
    ]
    for name, body, options, expected in cases:
        started = time.monotonic()
        result = exchange(
            target.port, json_post(target, "/api/chat", body, **options), until_answers=1
        )
        took = (time.monotonic() - started) * 1000
        answer = result.answers[0] if result.answers else None
        ok = answer is not None and answer.status == expected and took < 1000
        note = f"{took:.0f} ms"
        if ok and name.startswith("duplicate"):
            reply = json.loads(answer.body)["message"]["content"]  # type: ignore[union-attr]
            ok = reply.endswith("probe") and "first" not in reply
        if ok and name.startswith("Content-Encoding"):
            ok = answer.headers.get("accept-encoding") == "identity"  # type: ignore[union-attr]
        rows.append(Row(name, statuses(result), ok, note))
    return rows


def probe_cors(target: Target) -> list[Row]:
    rows = []
    # Litestar's CORS layer names the allowed methods to any origin; without it, CORS is off.
    seen = httpx.get(target.url + "/health", headers={"Origin": "https://evil.example"})
    if "access-control-allow-methods" not in seen.headers:
        return [Row("CORS", "-", None, "CORS is off (STREAMSPEC_CORS_ORIGINS)")]
    for origin in ("https://evil.example", None):
        headers = {**target.auth(), **({"Origin": origin} if origin else {})}
        reply = httpx.post(
            target.url + "/api/chat",
            content=BODY,
            headers={**headers, "content-type": "application/json"},
        )
        vary = "origin" in reply.headers.get("vary", "").lower()
        reflected = "access-control-allow-origin" in reply.headers
        ok = vary and not reflected
        name = f"CORS, {'a disallowed' if origin else 'no'} origin: Vary, no reflection"
        rows.append(Row(name, str(reply.status_code), ok))
    return rows


def probe_bare_lf(target: Target) -> list[Row]:
    result = exchange(target.port, b"GET /health HTTP/1.1\nHost: 127.0.0.1\n\n")
    found = [answer.status for answer in result.answers]
    expected = {"granian": [200], "uvicorn": [400], "hypercorn": [200]}.get(target.server)
    ok = None if expected is None else found == expected
    return [
        Row(
            "bare LF line ends (see README)",
            statuses(result),
            ok,
            "accepted" if found == [200] else "refused",
        )
    ]


def probe_early_refusal(target: Target) -> list[Row]:
    if not target.key:
        return [Row("refusal before the body arrives", "-", None, "needs API keys on")]
    head = post("/api/chat", BODY, headers="authorization: Bearer wrong\r\n")[: -len(BODY)]
    result = exchange(target.port, head, then=BODY + HEALTH, until_answers=2)
    ok = (
        result.early == b""
        and [answer.status for answer in result.answers] == [401, 200]
        and result.answers[0].headers.get("connection") != "close"
    )
    return [Row("401 waits for the body, keeps the connection", statuses(result), ok)]


def probe_request_ids(target: Target) -> list[Row]:
    reply = httpx.get(target.url + "/health", headers={"X-Request-ID": "bad id <script>"})
    minted = reply.headers.get("x-request-id", "")
    ok = minted.isalnum() and len(minted) == 32
    return [Row("X-Request-ID is sanitised", f"{reply.status_code}, {minted[:12]}...", ok)]


def probe_traversal(target: Target) -> list[Row]:
    rows = []
    for path in (
        "/docs/assets/..%2F..%2Fapp.py",
        "/chat/assets/%2e%2e%2fpages.py",
        "/docs/assets/../../settings.py",
    ):
        result = exchange(target.port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        found = [answer.status for answer in result.answers]
        rows.append(Row(f"traversal {path}", statuses(result), found in ([404], [400])))
    return rows


def probe_slow(target: Target, size: Size) -> list[Row]:
    rows = []
    # A slow body: declared, half sent, never finished.
    started = time.monotonic()
    head = json_post(target, "/api/chat", BODY)[: -len(BODY) // 2]
    wait = target.client_timeout or size.client_timeout
    result = exchange(target.port, head, read_seconds=wait + 10, until_answers=1)
    took = time.monotonic() - started
    ok = [answer.status for answer in result.answers] == [408]
    rows.append(Row("slow body", statuses(result) + f" after {took:.1f} s", ok))

    fds_before = target.open_fds()
    rss_before = target.rss_mib()

    async def slowloris() -> tuple[int, float, float]:
        connections = []
        for _ in range(size.slowloris):
            try:
                connections.append(await asyncio.open_connection("127.0.0.1", target.port))
            except OSError:
                break
        for _, writer in connections:
            writer.write(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        # Each connection read to its end, whatever the server sends before closing it.
        ends = [asyncio.ensure_future(reader.read()) for reader, _ in connections]
        loop = asyncio.get_running_loop()
        worst = await loop.run_in_executor(None, health_ms, target)
        deadline = time.monotonic() + (40 if size.slowloris_wait_closed else 2)
        closed_at = float("inf")
        began = time.monotonic()
        while time.monotonic() < deadline:
            for _, writer in connections:
                if not writer.is_closing():
                    writer.write(b"X-a: b\r\n")
            await asyncio.sleep(1)
            worst = max(worst, await loop.run_in_executor(None, health_ms, target))
            if all(end.done() for end in ends):
                closed_at = time.monotonic() - began
                break
        for end in ends:
            end.cancel()
        for _, writer in connections:
            writer.close()
        return len(connections), worst, closed_at

    opened, worst, closed_at = asyncio.run(slowloris())
    fds_after = target.settled_fds(fds_before)
    rss_after = target.rss_mib()
    status = f"{opened} open, /health worst {worst:.1f} ms"
    ok = opened == size.slowloris and worst < 50
    if size.slowloris_wait_closed:
        status += f", closed after {closed_at:.0f} s"
        ok = ok and closed_at < 40
    if fds_before is not None and fds_after is not None:
        status += f", fds {fds_before} -> {fds_after}"
        ok = ok and fds_after <= fds_before + 5
    if rss_before and rss_after:
        status += f", RSS {rss_before:.0f} -> {rss_after:.0f} MiB"
    rows.append(Row(f"slowloris x{size.slowloris}", status, ok))
    return rows


def probe_streams(target: Target, size: Size) -> list[Row]:
    rows = []
    if target.key and target.upstream is not None:
        held: list[httpx.Response] = []
        client = httpx.Client(base_url=target.url, headers=target.auth(), timeout=10)
        body = {"model": "fault-stall-mid", "messages": [{"role": "user", "content": "a b c"}]}
        try:
            for _ in range(STREAM_CAP):
                reply = client.send(
                    client.build_request("POST", "/api/chat/stream", json=body), stream=True
                )
                held.append(reply)
            refused = client.post("/api/chat/stream", json=body)
            ok = all(r.status_code == 200 for r in held) and refused.status_code == 429
            rows.append(
                Row(
                    f"stream cap ({STREAM_CAP} per key)",
                    f"{len(held)}x200, then {refused.status_code}",
                    ok,
                )
            )
        finally:
            for reply in held:
                reply.close()
            client.close()
    else:
        rows.append(Row("stream cap", "-", None, "needs API keys and the fake upstream"))

    time.sleep(0.5)
    rss_before = target.rss_mib()
    fds_before = target.open_fds()
    upstream_before = target.upstream.open_connections() if target.upstream else None

    async def abandon() -> int:
        body = BODY.replace(b'"probe"', b'"' + b"word " * 200 + b'"')
        if target.upstream is not None:
            body = body.replace(b'{"messages"', b'{"model":"fault-slow","messages"')

        async def one() -> bool:
            reader, writer = await asyncio.open_connection("127.0.0.1", target.port)
            writer.write(json_post(target, "/api/chat/stream", body))
            got = await asyncio.wait_for(reader.read(4096), 10)
            writer.transport.abort()
            return got.startswith(b"HTTP/1.1 200")

        # In batches of the stream cap: each batch's slots are freed as its clients leave.
        results = []
        for start in range(0, size.abandoned_streams, STREAM_CAP):
            batch = min(STREAM_CAP, size.abandoned_streams - start)
            results += await asyncio.gather(*(one() for _ in range(batch)))
            await asyncio.sleep(0.5)
        return sum(results)

    started = asyncio.run(abandon())
    fds_after = target.settled_fds(fds_before)
    time.sleep(1)
    rss_after = target.rss_mib()
    upstream_after = target.upstream.open_connections() if target.upstream else None
    status = f"{started}/{size.abandoned_streams} started"
    ok = started == size.abandoned_streams
    if fds_before is not None and fds_after is not None:
        status += f", fds {fds_before} -> {fds_after}"
        ok = ok and fds_after <= fds_before + 5
    if rss_before and rss_after:
        status += f", RSS {rss_before:.0f} -> {rss_after:.0f} MiB"
        ok = ok and rss_after - rss_before < 32
    if upstream_before is not None and upstream_after is not None:
        status += f", upstream connections {upstream_before} -> {upstream_after}"
    rows.append(Row(f"{size.abandoned_streams} abandoned streams", status, ok))
    return rows


def probe_wrong_keys(target: Target, size: Size) -> list[Row]:
    if not target.key:
        return [Row("wrong keys", "-", None, "needs API keys on")]
    answers: Counter[int] = Counter()
    switched_after = None
    wrong_details: set[str] = set()
    started = time.monotonic()
    with httpx.Client(base_url=target.url, timeout=10) as client:
        for attempt in range(size.wrong_keys):
            headers = {
                "Authorization": f"Bearer guess-{attempt}",
                "X-Forwarded-For": f"198.51.100.{attempt % 250}",
                "content-type": "application/json",
            }
            if attempt == 1:
                del headers["Authorization"]
            reply = client.post("/api/chat", content=BODY, headers=headers)
            answers[reply.status_code] += 1
            if reply.status_code == 401 and attempt != 1:
                wrong_details.add(reply.json()["detail"])
            if reply.status_code == 429 and switched_after is None:
                switched_after = attempt
        right = client.post(
            "/api/chat", content=BODY, headers={**target.auth(), "content-type": "application/json"}
        )
    took = time.monotonic() - started
    status = ", ".join(f"{count}x{code}" for code, count in sorted(answers.items()))
    ok = (
        set(answers) <= {401, 429}
        and switched_after is not None
        and switched_after <= AUTH_FAILURE_BUDGET
        and right.status_code == 429
    )
    rows = [
        Row(
            f"{size.wrong_keys} wrong keys, spoofed X-Forwarded-For",
            status + f" in {took:.1f} s",
            ok,
            f"then the right key: {right.status_code}",
        )
    ]
    # Every wrong key gets the same words, which never repeat the key.
    same = len(wrong_details) == 1 and not any("guess-" in detail for detail in wrong_details)
    rows.append(Row("a 401 tells nothing about the keys", f"{len(wrong_details)} detail(s)", same))
    return rows


def probe_shutdown(server: str, size: Size, tmp: Path, upstream: Upstream) -> list[Row]:
    grace = size.shutdown_grace
    live = start_server(
        tmp,
        {
            "OPENAI_BASE_URL": upstream.base_url,
            "STREAMSPEC_UPSTREAM_TIMEOUT": "60",
            "STREAMSPEC_SHUTDOWN_GRACE_SECONDS": str(grace),
        },
        server=server,
    )
    outcomes: list[str] = []
    client = httpx.Client(timeout=90, limits=httpx.Limits(max_connections=None))

    def wait(path: str, model: str) -> None:
        body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
        try:
            with client.stream("POST", live.url + path, json=body) as reply:
                content = reply.read()
            if reply.status_code == 200:
                last = list(read_events(sse_lines(iter([content]))))[-1]
                outcomes.append(f"{last.event}:{last.json().get('status')}")
            else:
                outcomes.append(f"{reply.status_code}:{reply.headers.get('content-type')}")
        except httpx.HTTPError as exc:
            outcomes.append(type(exc).__name__)

    jobs = [("/api/chat", "fault-stall")] * size.shutdown_waiting
    jobs += [("/api/chat/stream", "fault-stall")] * size.shutdown_waiting
    jobs += [("/api/chat/stream", "fault-stall-mid")] * size.shutdown_waiting
    threads = [threading.Thread(target=wait, args=job) for job in jobs]
    asked_before = _upstream_requests(upstream)
    for thread in threads:
        thread.start()
    # SIGTERM only once every request waits on the upstream (or has started streaming).
    deadline = time.monotonic() + 30
    while _upstream_requests(upstream) - asked_before < len(jobs) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    live.process.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    try:
        live.process.wait(timeout=grace + 30)
    finally:
        exited = time.monotonic() - sent
        live.stop()
    for thread in threads:
        thread.join(10)
    client.close()
    counts = Counter(outcomes)
    expected = {
        "503:application/problem+json": 2 * size.shutdown_waiting,
        "error:503": size.shutdown_waiting,
    }
    ok = exited < grace + 1 and counts == expected and "Traceback" not in live.log()
    status = f"exit {exited:.1f} s (grace {grace:g}), " + ", ".join(
        f"{count}x{outcome}" for outcome, count in sorted(counts.items())
    )
    return [Row(f"SIGTERM, {len(jobs)} requests on a stalled upstream", status, ok)]


def _upstream_requests(upstream: Upstream) -> int:
    count = upstream.stats()["requests"]
    assert isinstance(count, int)
    return count


def _is_problem(headers: dict[str, str]) -> bool:
    return headers.get("content-type") == "application/problem+json"


def probe_log(target: Target) -> list[Row]:
    log = target.log_text()
    if log is None:
        return [Row("no traceback or ERROR logged", "-", None, "give --log")]
    found = log.count("Traceback") + log.count(" ERROR ")
    return [Row("no traceback or ERROR logged", f"{found} found", found == 0)]


def probe_target(target: Target, size: Size) -> list[Row]:
    probes: list[Callable[[], list[Row]]] = [
        lambda: probe_invalid_utf8(target),
        lambda: probe_smuggling(target),
        lambda: probe_malformed_chunk(target),
        lambda: probe_hosts(target),
        lambda: probe_head(target),
        lambda: probe_bodies(target),
        lambda: probe_cors(target),
        lambda: probe_bare_lf(target),
        lambda: probe_request_ids(target),
        lambda: probe_traversal(target),
        lambda: probe_early_refusal(target),
        lambda: probe_big_header(target, size),
        lambda: probe_slow(target, size),
        lambda: probe_streams(target, size),
        lambda: probe_wrong_keys(target, size),  # last: it blocks this address for a while
    ]
    rows: list[Row] = []
    for probe in probes:
        try:
            rows += probe()
        except Exception as exc:  # a probe that crashes is a finding, not the end of the run
            rows.append(
                Row(getattr(probe, "__name__", "probe"), type(exc).__name__, False, str(exc)[:80])
            )
    after = health_ms(target)
    rows.append(Row("/health afterwards", f"{after:.1f} ms", after < 50))
    rows += probe_log(target)
    return rows


def run(
    server: str = "granian",
    size: Size = FULL,
    url: str | None = None,
    key: str | None = None,
    pid: int | None = None,
    log: Path | None = None,
    client_timeout: float | None = None,
) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="streamspec-probe-") as tmp_dir:
        tmp = Path(tmp_dir)
        if url is not None:
            server = httpx.get(url + "/health").json()["server"]
            return probe_target(Target(url, key, pid, log, server, None, client_timeout), size)
        upstream = start_upstream()
        live: LiveServer | None = None
        try:
            live = start_server(
                tmp,
                {
                    "OPENAI_BASE_URL": upstream.base_url,
                    "STREAMSPEC_API_KEYS": KEY,
                    "STREAMSPEC_RATE_LIMIT": "100000/minute",
                    "STREAMSPEC_AUTH_FAILURE_LIMIT": f"{AUTH_FAILURE_BUDGET}/minute",
                    "STREAMSPEC_CORS_ORIGINS": ALLOWED_ORIGIN,
                    "STREAMSPEC_MAX_STREAMS_PER_KEY": str(STREAM_CAP),
                    "STREAMSPEC_CLIENT_TIMEOUT": str(size.client_timeout),
                    "STREAMSPEC_UPSTREAM_IDLE_TIMEOUT": "60",
                },
                server=server,
            )
            target = Target(
                live.url,
                KEY,
                live.process.pid,
                live.log_path,
                server,
                upstream,
                size.client_timeout,
            )
            rows = probe_target(target, size)
            live.stop()
            live = None
            rows += probe_shutdown(server, size, tmp, upstream)
            return rows
        finally:
            if live is not None:
                live.stop()
            upstream.stop()


def table(rows: list[Row]) -> str:
    width = [max(len(getattr(row, column)) for row in rows) for column in ("probe", "status")]
    lines = [f"| {'probe':<{width[0]}} | {'status':<{width[1]}} | verdict |"]
    lines.append(f"|{'-' * (width[0] + 2)}|{'-' * (width[1] + 2)}|---------|")
    lines += [f"| {r.probe:<{width[0]}} | {r.status:<{width[1]}} | {r.verdict} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/probe", description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=("granian", "uvicorn", "hypercorn"), default="granian")
    parser.add_argument("--small", action="store_true", help="the size the test suite runs")
    parser.add_argument("--url", help="probe this running server instead of starting one")
    parser.add_argument("--key", help="an API key the server at --url accepts")
    parser.add_argument("--pid", type=int, help="the pid of the server at --url (memory, fds)")
    parser.add_argument("--log", type=Path, help="the log of the server at --url")
    parser.add_argument(
        "--client-timeout", type=float, default=30.0, help="the --url server's client timeout"
    )
    args = parser.parse_args(argv)
    size = SMALL if args.small else FULL
    rows = run(args.server, size, args.url, args.key, args.pid, args.log, args.client_timeout)
    print(f"server: {args.server if args.url is None else args.url}")
    print(table(rows))
    return 0 if all(row.ok is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
