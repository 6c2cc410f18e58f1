"""scripts/bench: Streamspec against its peers, side by side, on this machine.

Each server is started pinned to CPU 1 and loaded by wrk pinned to CPU 0 (one thread, 64
connections). "ours" is started by scripts/serve with its production defaults, with API
keys and rate limiting switched on. See docs/benchmarks.md for the method.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvloop

from bench.gateways import GATEWAYS, Gateway, gateway
from bench.loadgen import StreamStats, http_request, percentile, run_streams

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
LOGS = BENCH / ".logs"
BENCH_PYTHON = BENCH / ".venv" / "bin" / "python"
WRK_CHAT = BENCH / "wrk" / "chat.lua"
WRK_STREAM = BENCH / "wrk" / "stream.lua"
WRK_V1_CHAT = BENCH / "wrk" / "v1_chat.lua"
WRK_V1_STREAM = BENCH / "wrk" / "v1_stream.lua"
V1_PATH = "/v1/chat/completions"

API_KEY = "bench-key"
AUTH = {"authorization": f"Bearer {API_KEY}"}
LOAD_CPU, SERVER_CPU = "0", "1"
CONNECTIONS = 64
ECHO_SERVERS = ("ours", "fastapi", "hono", "litestar-bare")
SERVERS = ECHO_SERVERS + GATEWAYS  # what --servers chooses from: echo rows and relay peers
SECTIONS = ("echo", "relay", "ttft", "peers", "paced", "workers")
# Production defaults plus what a deployment switches on: keys, and a limit so high that
# it never refuses but is still counted on every request.
OURS_ENV = {
    "STREAMSPEC_API_KEYS": API_KEY,
    "STREAMSPEC_RATE_LIMIT": "100000000/second",
    "STREAMSPEC_MAX_STREAMS_PER_KEY": "0",
}
PACED_DELAY_MS = 20
PACED_WORDS = 64
STALL_S = 0.040
TTFT_PACING_MS = 10
TTFT_PACING = f"paced-{TTFT_PACING_MS}"  # the fast upstream's model: a piece every 10 ms
UPSTREAM_PIECES = "".join([f"word{index} " for index in range(49)] + ["word49"])
# The first content token of an OpenAI-shaped stream, however a gateway re-encodes the chunk
# around it (the upstream's pieces are all `word<n>`; a role-only first chunk does not count).
V1_TOKEN = b'"content":"word'
STREAMS_GRACE_S = 60.0
PEER_WRK_TIMEOUT_S = 30  # a slow peer's answers are counted, not cut at wrk's default 2 s


def _lua_body(path: Path) -> bytes:
    matched = re.search(r"^wrk\.body = '(.*)'$", path.read_text(), re.MULTILINE)
    if not matched:
        raise SystemExit(f"no `wrk.body = '...'` line in {path}")
    return matched[1].encode()


CHAT_BODY = _lua_body(WRK_CHAT)
STREAM_BODY = _lua_body(WRK_STREAM)
V1_CHAT_BODY = _lua_body(WRK_V1_CHAT)
V1_STREAM_BODY = _lua_body(WRK_V1_STREAM)


class BenchError(Exception):
    """A server or tool misbehaved; the run stops with this message."""


# ---------------------------------------------------------------- progress


class Progress:
    """One line per step; on a terminal the current line shows its elapsed time as it runs."""

    def __init__(self, steps: int) -> None:
        self._steps = steps
        self._step = 0
        self._started = time.monotonic()
        self._step_started = self._started
        self._label = ""
        self._tty = sys.stdout.isatty()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def begin(self, label: str) -> None:
        self._step += 1
        self._label = label
        self._step_started = time.monotonic()
        if self._tty:
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._stop.clear()
            self._thread.start()
        else:
            print(f"{self._prefix()} {label} ...", flush=True)

    def skip(self, steps: int) -> None:
        """Steps that a failed row will not run."""
        self._step += steps

    def note(self, text: str) -> None:
        with self._lock:
            self._clear()
            print(f"    {text}", flush=True)

    def done(self, summary: str) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            self._clear()
            elapsed = time.monotonic() - self._step_started
            print(f"{self._prefix()} {self._label}: {summary} ({elapsed:.1f}s)", flush=True)

    def _prefix(self) -> str:
        total = time.monotonic() - self._started
        return f"[{total:5.0f}s {self._step:2d}/{self._steps}]"

    def _clear(self) -> None:
        if self._tty:
            print("\r\033[K", end="")

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            with self._lock:
                elapsed = time.monotonic() - self._step_started
                print(f"\r\033[K{self._prefix()} {self._label} ... {elapsed:.1f}s", end="")
                sys.stdout.flush()


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STREAMSPEC_", "OPENAI_"))}
    return {**env, **(extra or {})}


@dataclass
class Running:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    health: str = "/health"

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


class Processes:
    """Every process the run starts, each in its own process group, all ended at exit."""

    def __init__(self) -> None:
        self._running: list[Running] = []

    def start(
        self,
        name: str,
        command: Callable[[int], list[str]],
        cpus: str,
        env: dict[str, str] | None = None,
        cwd: Path = ROOT,
        health: str = "/health",
    ) -> Running:
        port = free_port()
        LOGS.mkdir(exist_ok=True)
        log = LOGS / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["taskset", "-c", cpus, *command(port)],
                cwd=cwd,
                env=env or clean_env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        running = Running(name, port, process, log, health)
        self._running.append(running)
        try:
            wait_healthy(running)
        except BaseException:
            self.stop(running)
            raise
        return running

    def stop(self, running: Running) -> None:
        if running in self._running:
            self._running.remove(running)
        _end_group(running.process)

    def stop_all(self) -> None:
        while self._running:
            self.stop(self._running[-1])


def _end_group(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; make sure none of its workers outlive it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


def wait_healthy(running: Running, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise BenchError(
                f"{running.name} exited with {running.process.returncode} before answering "
                f"{running.health}; its log ({running.log}):\n{running.log_tail()}"
            )
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _, _ = http_call(running.port, "GET", running.health, timeout=1.0)
            if status == 200:
                return
        time.sleep(0.05)
    raise BenchError(
        f"{running.name} did not answer {running.health} in {timeout:.0f}s: {running.log}"
    )


def http_call(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        all_headers = {"content-type": "application/json", **AUTH, **(headers or {})}
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def tree_pids(pid: int) -> list[int]:
    """A process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += children.get(current, [])
    return pids


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time these processes have used so far."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_idle_fraction(seconds: float = 1.0) -> float:
    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return fields[3] + fields[4], sum(fields)

    idle0, total0 = sample()
    time.sleep(seconds)
    idle1, total1 = sample()
    return (idle1 - idle0) / max(total1 - total0, 1)


# ---------------------------------------------------------------- the servers


def command_for(name: str, workers: int = 1) -> Callable[[int], list[str]]:
    def ours(port: int) -> list[str]:
        return [str(ROOT / "scripts" / "serve"), "--port", str(port), "--workers", str(workers)]

    def fastapi(port: int) -> list[str]:
        return [
            str(BENCH_PYTHON), "-m", "uvicorn", "fastapi_app:app",
            "--app-dir", str(BENCH / "peers"), "--loop", "uvloop", "--http", "httptools",
            "--host", "127.0.0.1", "--port", str(port), "--backlog", "8192", "--no-access-log",
        ]  # fmt: skip

    def hono(port: int) -> list[str]:
        return ["node", str(BENCH / "peers" / "hono" / "index.mjs"), "--port", str(port)]

    def litestar_bare(port: int) -> list[str]:
        return [
            sys.executable, "-m", "granian", "--interface", "asgi", "--loop", "uvloop",
            "--working-dir", str(BENCH / "peers"), "--host", "127.0.0.1", "--port", str(port),
            "--backlog", "8192", "--no-access-log", "litestar_bare:app",
        ]  # fmt: skip

    def upstream(port: int) -> list[str]:
        return [sys.executable, str(BENCH / "fast_upstream.py"), "--port", str(port)]

    commands = {
        "ours": ours,
        "fastapi": fastapi,
        "hono": hono,
        "litestar-bare": litestar_bare,
        "upstream": upstream,
    }
    return commands[name]


def check_echo(server: Running, reply: str | None = None) -> None:
    """The server answers the three endpoints as the echo contract says, before it is timed."""
    name = server.name
    status, _, body = http_call(server.port, "GET", "/health")
    if status != 200 or json.loads(body).get("status") != "ok":
        raise BenchError(f"{name}: GET /health answered {status} {body[:200]!r}")
    expected_chat = reply or json.loads(CHAT_BODY)["messages"][-1]["content"]
    status, _, body = http_call(server.port, "POST", "/api/chat", CHAT_BODY)
    answer = json.loads(body) if status == 200 else {}
    if answer.get("message", {}).get("content") != expected_chat:
        raise BenchError(f"{name}: POST /api/chat answered {status} {body[:300]!r}")
    status, headers, body = http_call(server.port, "POST", "/api/chat/stream", STREAM_BODY)
    deltas = re.findall(rb"^event: delta\ndata: (.*)$", body, re.MULTILINE)
    dones = re.findall(rb"^event: done\ndata: ", body, re.MULTILINE)
    text = "".join(json.loads(delta)["content"] for delta in deltas)
    expected_stream = reply or json.loads(STREAM_BODY)["messages"][-1]["content"]
    if (
        status != 200
        or not headers.get("content-type", "").startswith("text/event-stream")
        or len(deltas) != 50
        or len(dones) != 1
        or text != expected_stream
    ):
        raise BenchError(
            f"{name}: POST /api/chat/stream answered {status} with {len(deltas)} deltas and "
            f"{len(dones)} done events (want 50 and 1): {body[:300]!r}"
        )
    status, _, body = http_call(server.port, "POST", "/api/chat", b'{"messages":[]}')
    if status not in (400, 422):
        raise BenchError(f"{name}: an empty `messages` got {status}, not 400/422: {body[:200]!r}")


def v1_chat_problem(port: int, reply: str, headers: dict[str, str] | None = None) -> str | None:
    """What is wrong with a relayed `POST /v1/chat/completions` answer, or None."""
    status, _, body = http_call(port, "POST", V1_PATH, V1_CHAT_BODY, headers)
    with contextlib.suppress(ValueError, AttributeError, IndexError, TypeError):
        if status == 200 and json.loads(body)["choices"][0]["message"]["content"] == reply:
            return None
    return f"POST {V1_PATH} answered {status} {body[:300]!r}"


def v1_stream_problem(
    port: int, reply: str, headers: dict[str, str] | None = None, body: bytes = V1_STREAM_BODY
) -> str | None:
    """What is wrong with a relayed stream: it must carry the upstream's 50 pieces and [DONE]."""
    status, _, answer = http_call(port, "POST", V1_PATH, body, headers)
    text, chunks = "", 0
    with contextlib.suppress(ValueError, AttributeError, IndexError, TypeError, KeyError):
        for data in re.findall(rb"^data: ?(\{.*)$", answer, re.MULTILINE):
            chunk = json.loads(data)
            chunks += 1
            if chunk["choices"]:
                text += chunk["choices"][0]["delta"].get("content") or ""
    if status == 200 and text == reply and answer.endswith(b"data: [DONE]\n\n"):
        return None
    return f"streamed POST {V1_PATH} answered {status} with {chunks} chunks: {answer[:300]!r}"


def check_v1_relay(server: Running, reply: str) -> None:
    """The OpenAI-compatible surface relays the upstream's answer and its 50 chunks."""
    for problem in (v1_chat_problem(server.port, reply), v1_stream_problem(server.port, reply)):
        if problem:
            raise BenchError(f"{server.name}: {problem}")


def short_failure(problem: str, server: Running, log_from: int) -> str:
    """A failed row's reason in a few words: the status and message it answered, and the first
    error its log printed while answering."""
    status = re.search(r"answered (\d+)", problem)
    message = re.search(r'"message": ?"([^"]{1,60})', problem)
    reason = " ".join(
        part for part in (status[1] if status else "", message[1] if message else "") if part
    )
    with contextlib.suppress(OSError):
        with server.log.open("rb") as log:
            log.seek(log_from)
            written = log.read().decode(errors="replace")
        if error := re.search(r"\b([A-Z]\w*(?:Error|Exception)): ?([^\n]{0,60})", written):
            reason += f" ({error[1]}: {error[2].strip()} in its log)"
    return reason.strip() or problem[:80]


def log_size(server: Running) -> int:
    with contextlib.suppress(OSError):
        return server.log.stat().st_size
    return 0


# ---------------------------------------------------------------- wrk


@dataclass
class WrkResult:
    rate: float
    latency: str
    bad: int
    output: str
    requests: int = 0


def run_wrk(
    progress: Progress,
    port: int,
    path: str,
    lua: Path,
    duration: float,
    cpus: str = LOAD_CPU,
    headers: dict[str, str] | None = None,
    timeout_s: float | None = None,
    allow_empty: bool = False,
) -> WrkResult:
    """One wrk run. `allow_empty`: a run that completed nothing is a result (a slow peer's),
    not an error."""
    flags = [f"--timeout={timeout_s:g}s"] if timeout_s else []
    for name, value in (headers or AUTH).items():
        flags += ["-H", f"{name}: {value}"]
    command = [
        "taskset", "-c", cpus, "wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration:g}s",
        "-s", str(lua), *flags, f"http://127.0.0.1:{port}{path}",
    ]  # fmt: skip
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + (timeout_s or 0) + 60,
        check=False,
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if completed.returncode != 0 or not rate or (float(rate[1]) == 0 and not allow_empty):
        raise BenchError(f"wrk failed or completed nothing ({completed.returncode}):\n{output}")
    latency = re.search(r"Latency\s+(\S+)", output)
    bad = sum(
        int(n)
        for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output)
        + re.findall(r"(?:connect|read|write|timeout) (\d+)", output)
    )
    requests = re.search(r"(\d+) requests in", output)
    result = WrkResult(
        float(rate[1]),
        latency[1] if latency else "?",
        bad,
        output,
        int(requests[1]) if requests else 0,
    )
    if bad:
        progress.note(f"wrk saw {bad} errors or non-2xx answers:\n{output}")
    return result


# ---------------------------------------------------------------- the run


@dataclass
class Results:
    chat: dict[str, float] = field(default_factory=dict)
    """Per server, the median of its rounds."""
    stream: dict[str, float] = field(default_factory=dict)
    chat_rounds: dict[str, list[float]] = field(default_factory=dict)
    stream_rounds: dict[str, list[float]] = field(default_factory=dict)
    relay_stream: float | None = None
    relay_chat: float | None = None
    relay_v1_stream: float | None = None
    relay_v1_chat: float | None = None
    ttft: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per label (upstream, ours, ours-v1, a gateway): p50_ms, p99_ms, streams."""
    peers: dict[str, dict[str, float | str]] = field(default_factory=dict)
    """Per gateway, its `chat`, `stream` and `ttft` rows: a rate, or why the row failed."""
    paced: dict[str, Any] = field(default_factory=dict)
    workers: dict[int, float] = field(default_factory=dict)
    client_lag_ms: dict[str, float] = field(default_factory=dict)
    errors: int = 0


@dataclass
class Options:
    duration: float
    rounds: int
    warmup: float
    paced_streams: int
    workers: int
    servers: tuple[str, ...]
    sections: tuple[str, ...]
    json: Path | None = None

    @property
    def echo_servers(self) -> tuple[str, ...]:
        return tuple(name for name in self.servers if name in ECHO_SERVERS)

    @property
    def gateways(self) -> tuple[str, ...]:
        if "peers" not in self.sections:
            return ()
        return tuple(name for name in self.servers if name in GATEWAYS)


class Bench:
    def __init__(self, options: Options, processes: Processes, progress: Progress) -> None:
        self.o = options
        self.processes = processes
        self.progress = progress
        self.results = Results()

    def timed_wrk(
        self, label: str, server: Running, path: str, lua: Path, cpus: str, warm: bool = True
    ) -> float:
        return self.wrk_result(label, server, path, lua, cpus, warm).rate

    def wrk_result(
        self,
        label: str,
        server: Running,
        path: str,
        lua: Path,
        cpus: str = LOAD_CPU,
        warm: bool = True,
        headers: dict[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> WrkResult:
        # A peer (timeout_s set) may complete nothing in a short run: that is its result.
        def wrk(duration: float) -> WrkResult:
            return run_wrk(
                self.progress,
                server.port,
                path,
                lua,
                duration,
                cpus,
                headers,
                timeout_s,
                allow_empty=timeout_s is not None,
            )

        if self.o.warmup and warm:
            self.progress.begin(f"{label}: warm-up")
            wrk(self.o.warmup)
            self.progress.done("done")
        self.progress.begin(f"{label}: wrk -t1 -c{CONNECTIONS} -d{self.o.duration:g}s")
        result = wrk(self.o.duration)
        self.results.errors += result.bad
        self.progress.done(f"{result.rate:,.0f}/s, mean latency {result.latency}")
        return result

    def start(
        self,
        name: str,
        *,
        label: str | None = None,
        workers: int = 1,
        cpus: str = SERVER_CPU,
        env: dict[str, str] | None = None,
    ) -> Running:
        self.progress.begin(f"{label or name}: start on CPU {cpus} and check the answers")
        server = self.processes.start(label or name, command_for(name, workers), cpus, env)
        return server

    def echo(self) -> None:
        """Every server measured in turn, round after round, and each one's median kept: the
        peers are compared under the same drift of this shared machine, not minutes apart."""
        servers: dict[str, Running] = {}
        try:
            for name in self.o.echo_servers:
                env = clean_env(OURS_ENV) if name == "ours" else None
                server = servers[name] = self.start(name, env=env)
                check_echo(server)
                self.progress.done(f"port {server.port}, answers as the echo contract says")
            for round_index in range(self.o.rounds):
                for name, server in servers.items():
                    label = f"{name} (round {round_index + 1}/{self.o.rounds})"
                    first = round_index == 0
                    self.results.chat_rounds.setdefault(name, []).append(
                        self.timed_wrk(
                            f"{label}: echo chat", server, "/api/chat", WRK_CHAT, LOAD_CPU, first
                        )
                    )
                    self.results.stream_rounds.setdefault(name, []).append(
                        self.timed_wrk(
                            f"{label}: echo stream (50 deltas)",
                            server,
                            "/api/chat/stream",
                            WRK_STREAM,
                            LOAD_CPU,
                            first,
                        )
                    )
        finally:
            for server in servers.values():
                self.processes.stop(server)
        for name, rates in self.results.chat_rounds.items():
            self.results.chat[name] = statistics.median(rates)
        for name, rates in self.results.stream_rounds.items():
            self.results.stream[name] = statistics.median(rates)

    def relay_and_ttft(self) -> None:
        """Ours and each gateway in turn, all relaying the same fast upstream."""
        self.progress.begin("fast upstream: start on CPU 0")
        upstream = self.processes.start("upstream", command_for("upstream"), LOAD_CPU)
        self.progress.done(f"port {upstream.port}")
        try:
            if {"ttft", "peers"} & set(self.o.sections):
                self.ttft_run("upstream", upstream, V1_PATH, {}, V1_TOKEN)
            if "ttft" in self.o.sections:
                self.ttft_floor()
            if {"relay", "ttft"} & set(self.o.sections):
                self.relay_ours(upstream)
            for name in self.o.gateways:
                self.relay_peer(gateway(name, upstream.port))
        finally:
            self.processes.stop(upstream)

    def ttft_floor(self) -> None:
        """Ours answering the same paced streams itself: what any stream's first token costs
        the server, with no upstream to wait for, so that the relay's own share of the
        gateway's added TTFT can be read off the rows below it."""
        env = clean_env({**OURS_ENV, "STREAMSPEC_ECHO_DELAY_MS": str(TTFT_PACING_MS)})
        server = self.start("ours", label="ours-echo", env=env)
        try:
            check_echo(server)
            self.progress.done(f"port {server.port}, echo pieces {TTFT_PACING_MS} ms apart")
            self.ttft_run("ours-echo", server, "/api/chat/stream", AUTH, b"event: delta")
        finally:
            self.processes.stop(server)

    def relay_ours(self, upstream: Running) -> None:
        env = clean_env({**OURS_ENV, "OPENAI_BASE_URL": f"http://127.0.0.1:{upstream.port}/v1"})
        server = self.start("ours", label="ours-relay", env=env)
        try:
            check_echo(server, reply=UPSTREAM_PIECES)
            check_v1_relay(server, reply=UPSTREAM_PIECES)
            self.progress.done(f"port {server.port}, relays the upstream's 50 pieces")
            if "relay" in self.o.sections:
                self.results.relay_stream = self.timed_wrk(
                    "ours: relay stream", server, "/api/chat/stream", WRK_STREAM, LOAD_CPU
                )
                self.results.relay_chat = self.timed_wrk(
                    "ours: relay chat", server, "/api/chat", WRK_CHAT, LOAD_CPU
                )
                self.results.relay_v1_stream = self.timed_wrk(
                    "ours: relay /v1 stream", server, V1_PATH, WRK_V1_STREAM, LOAD_CPU
                )
                self.results.relay_v1_chat = self.timed_wrk(
                    "ours: relay /v1 chat", server, V1_PATH, WRK_V1_CHAT, LOAD_CPU
                )
            if "ttft" in self.o.sections:
                self.ttft_run("ours", server, "/api/chat/stream", AUTH, b"event: delta")
                self.ttft_run("ours-v1", server, V1_PATH, AUTH, V1_TOKEN)
        finally:
            self.processes.stop(server)

    def relay_peer(self, peer: Gateway) -> None:
        """A gateway's chat, stream and TTFT rows. Each answer is checked before it is timed,
        so that a gateway answering errors fast is not counted as fast; a row that fails is
        recorded with its reason and the run goes on."""
        rows = self.results.peers.setdefault(peer.name, {})
        warm = 2 if self.o.warmup else 1
        self.progress.begin(f"{peer.name}: start on CPU {SERVER_CPU} and check the answers")
        if not peer.installed.exists():
            for row in ("chat", "stream", "ttft"):
                rows[row] = f"failed: not installed ({peer.installed.relative_to(ROOT)})"
            self.progress.done(f"skipped, {rows['chat']}: scripts/bench installs it")
            self.progress.skip(2 * warm + 1)
            return
        server = self.processes.start(
            peer.name, peer.command, SERVER_CPU, clean_env(peer.env), peer.cwd, peer.health
        )
        try:
            paced = json.dumps(
                {**json.loads(V1_STREAM_BODY), "model": TTFT_PACING}, separators=(",", ":")
            ).encode()
            checks: dict[str, Callable[[], str | None]] = {
                "chat": lambda: v1_chat_problem(server.port, UPSTREAM_PIECES, peer.headers),
                "stream": lambda: v1_stream_problem(server.port, UPSTREAM_PIECES, peer.headers),
                "ttft": lambda: v1_stream_problem(
                    server.port, UPSTREAM_PIECES, peer.headers, paced
                ),
            }
            for row, check in checks.items():
                log_from = log_size(server)
                if problem := check():
                    rows[row] = f"failed: {short_failure(problem, server, log_from)}"
                    self.progress.note(f"{peer.name} {row}: {problem}")
            failed = [row for row in checks if row in rows]
            self.progress.done(
                f"port {server.port}, "
                + (f"fails its {', '.join(failed)} check" if failed else "relays the 50 pieces")
            )
            lua = {"chat": WRK_V1_CHAT, "stream": WRK_V1_STREAM}
            for row in ("stream", "chat"):
                if row in rows:
                    self.progress.skip(warm)
                    continue
                result = self.wrk_result(
                    f"{peer.name}: relay /v1 {row}", server, V1_PATH, lua[row],
                    headers=peer.headers, timeout_s=PEER_WRK_TIMEOUT_S,
                )  # fmt: skip
                answered = result.requests + result.bad
                if not result.requests:
                    rows[row] = f"failed: none completed in {self.o.duration:g} s"
                elif result.bad * 100 > answered:
                    rows[row] = f"failed: {result.bad} of {answered} answers were errors"
                else:
                    rows[row] = result.rate
            if "ttft" in rows:
                self.progress.skip(1)
            elif failure := self.ttft_run(peer.name, server, V1_PATH, peer.headers, V1_TOKEN):
                rows["ttft"] = f"failed: {failure}"
            else:
                rows["ttft"] = self.results.ttft[peer.name]["p50_ms"]
        finally:
            self.processes.stop(server)

    def ttft_run(
        self, label: str, server: Running, path: str, headers: dict[str, str], marker: bytes
    ) -> str | None:
        """Time to first token through `server`: 64 concurrent streams of the paced model.
        Returns why it failed (no content arrived), or None."""
        messages = json.loads(STREAM_BODY)["messages"]
        body: dict[str, object] = {"model": TTFT_PACING, "messages": messages}
        if path == V1_PATH:
            body["stream"] = True
        request = http_request(path, json.dumps(body).encode(), headers)
        self.progress.begin(
            f"time to first token, {label}: {CONNECTIONS} concurrent streams for "
            f"{self.o.duration:g}s (upstream paces pieces 10 ms apart)"
        )
        pids = tree_pids(server.process.pid)
        cpu_before, wall_before = cpu_seconds(pids), time.monotonic()
        try:
            stats = self.stream_load(
                f"ttft-{label}", server.port, request, marker, CONNECTIONS, 0.5
            )
        except TimeoutError:
            self.progress.done("failed: streams still open long after the measurement")
            return "streams did not finish"
        self.results.errors += len(stats.errors)
        if not stats.ttft:
            reason = stats.errors[0] if stats.errors else "no content arrived"
            self.progress.done(f"failed: {reason}")
            return reason
        summary = {
            "p50_ms": percentile(stats.ttft, 0.50) * 1000,
            "p99_ms": percentile(stats.ttft, 0.99) * 1000,
            "streams": stats.completed,
            # How busy the streams keep the server: a first token also waits for the
            # other streams' events that are being sent when its request comes in.
            "server_cpu": (cpu_seconds(pids) - cpu_before) / (time.monotonic() - wall_before),
        }
        self.results.ttft[label] = summary
        self.progress.done(
            f"{stats.completed} streams, p50 {summary['p50_ms']:.2f} ms, "
            f"p99 {summary['p99_ms']:.2f} ms, server CPU {summary['server_cpu']:.0%}"
            f"{_errors(stats)}"
        )
        return None

    def stream_load(
        self,
        label: str,
        port: int,
        request: bytes,
        marker: bytes,
        connections: int,
        stagger: float,
        on_tick: Callable[[StreamStats], None] | None = None,
    ) -> StreamStats:
        async def main() -> tuple[StreamStats, float]:
            lag = 0.0

            async def watch_lag() -> None:
                nonlocal lag
                while True:
                    started = time.perf_counter()
                    await asyncio.sleep(0.005)
                    lag = max(lag, time.perf_counter() - started - 0.005)

            watcher = asyncio.ensure_future(watch_lag())
            try:
                # Every client ends the stream it is in; a server that never ends one must
                # not hang the run.
                stats = await asyncio.wait_for(
                    run_streams(
                        port,
                        request,
                        marker,
                        connections=connections,
                        duration=self.o.duration,
                        stagger=stagger,
                        stall_s=STALL_S,
                        on_tick=on_tick,
                    ),
                    self.o.duration + stagger + STREAMS_GRACE_S,
                )
            finally:
                watcher.cancel()
            return stats, lag

        stats, lag = uvloop.run(main())
        self.results.client_lag_ms[label] = round(lag * 1000, 1)
        if lag > STALL_S / 2:
            self.progress.note(
                f"the load client itself lagged {lag * 1000:.0f} ms at worst: stalls and "
                "latencies include its own delay"
            )
        return stats

    def paced(self) -> None:
        streams = self.o.paced_streams
        env = clean_env({**OURS_ENV, "STREAMSPEC_ECHO_DELAY_MS": str(PACED_DELAY_MS)})
        server = self.start("ours", label="ours-paced", env=env)
        self.progress.done(f"port {server.port}, echo pieces {PACED_DELAY_MS} ms apart")
        try:
            prompt = " ".join(f"word{index}" for index in range(PACED_WORDS))
            body = json.dumps({"messages": [{"role": "user", "content": prompt}]}).encode()
            request = http_request("/api/chat/stream", body, AUTH)
            pids = tree_pids(server.process.pid)
            before = rss_kib(pids)
            samples: list[tuple[int, int]] = []
            stream_s = (PACED_WORDS - 1) * PACED_DELAY_MS / 1000

            def sample(stats: StreamStats) -> None:
                if stats.open_streams >= 0.95 * streams:
                    samples.append((rss_kib(pids), stats.open_streams))

            self.progress.begin(
                f"ours: {streams:,} concurrent paced streams ({PACED_WORDS} deltas "
                f"{PACED_DELAY_MS} ms apart), {self.o.duration:g}s"
            )
            cpu_before, wall_before, client_before = (
                cpu_seconds(pids),
                time.monotonic(),
                time.process_time(),
            )
            stats = self.stream_load(
                "paced", server.port, request, b"event: ", streams, stream_s, sample
            )
            wall = time.monotonic() - wall_before
            server_cpu = (cpu_seconds(pids) - cpu_before) / wall
            client_cpu = (time.process_time() - client_before) / wall
            self.results.errors += len(stats.errors)
            rss_during = statistics.median(rss for rss, _ in samples) if samples else before
            open_during = statistics.median(n for _, n in samples) if samples else 0
            per_stream = (rss_during - before) / open_during if open_during else float("nan")
            short = sum(1 for events in stats.events if events != PACED_WORDS + 1)
            self.results.paced.update(
                streams=streams,
                completed=stats.completed,
                incomplete=short,
                stalls=stats.stalls,
                max_gap_ms=max(stats.max_gaps, default=0.0) * 1000,
                ttft_p50_ms=percentile(stats.ttft, 0.50) * 1000,
                ttft_p99_ms=percentile(stats.ttft, 0.99) * 1000,
                rss_before_mib=before / 1024,
                rss_during_mib=rss_during / 1024,
                open_during=open_during,
                kib_per_stream=per_stream,
                errors=len(stats.errors),
                server_cpu=server_cpu,
                client_cpu=client_cpu,
            )
            paced = self.results.paced
            self.progress.done(
                f"{stats.completed:,} streams, {stats.stalls} stalls, max gap "
                f"{paced['max_gap_ms']:.0f} ms, TTFT p99 {paced['ttft_p99_ms']:.1f} ms, "
                f"{per_stream:.1f} KiB/stream, server CPU {server_cpu:.0%}, load client CPU "
                f"{client_cpu:.0%}{_errors(stats)}"
            )
        finally:
            self.processes.stop(server)

    def workers(self) -> None:
        cpus = ",".join(str(cpu) for cpu in sorted(ALL_CPUS))
        for count in sorted({1, self.o.workers}):
            label = f"ours-{count}w"
            server = self.start(
                "ours", label=label, workers=count, cpus=cpus, env=clean_env(OURS_ENV)
            )
            self.progress.done(f"port {server.port}")
            try:
                self.results.workers[count] = self.timed_wrk(
                    f"ours --workers {count} (server and wrk on CPUs {cpus}): echo chat",
                    server, "/api/chat", WRK_CHAT, cpus,
                )  # fmt: skip
            finally:
                self.processes.stop(server)

    def run(self) -> Results:
        if "echo" in self.o.sections:
            self.echo()
        if {"relay", "ttft"} & set(self.o.sections) or self.o.gateways:
            self.relay_and_ttft()
        if "paced" in self.o.sections:
            self.paced()
        if "workers" in self.o.sections:
            self.workers()
        return self.results


def _errors(stats: StreamStats) -> str:
    if not stats.errors:
        return ""
    return f"; {len(stats.errors)} errors, first: {stats.errors[0]}"


def count_steps(o: Options) -> int:
    warm = 2 if o.warmup else 1
    steps = 0
    if "echo" in o.sections:
        steps += len(o.echo_servers) * (1 + 2 * warm + 2 * (o.rounds - 1))
    ours_relay = bool({"relay", "ttft"} & set(o.sections))
    if ours_relay or o.gateways:
        steps += 1  # the upstream
        steps += 1 if "ttft" in o.sections or o.gateways else 0
        steps += 2 if "ttft" in o.sections else 0  # ours answering the paced streams itself
    if ours_relay:
        steps += 1 + (4 * warm if "relay" in o.sections else 0)
        steps += 2 if "ttft" in o.sections else 0
    steps += len(o.gateways) * (1 + 2 * warm + 1)
    if "paced" in o.sections:
        steps += 2
    if "workers" in o.sections:
        steps += len({1, o.workers}) * (1 + warm)
    return steps


# ---------------------------------------------------------------- report


@dataclass
class Goal:
    name: str
    value: float | None
    goal: str
    passed: bool | None
    unit: str = "x"
    failure: str | None = None
    """Why the value could not be measured: a peer's row failed."""


def goals(r: Results, o: Options) -> list[Goal]:
    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    def check(value: float | None, ok: Callable[[float], bool]) -> bool | None:
        return None if value is None else ok(value)

    out = []
    v = ratio(r.chat.get("ours"), r.chat.get("fastapi"))
    out.append(Goal("echo chat, ours / FastAPI", v, ">= 2.0x", check(v, lambda x: x >= 2.0)))
    v = ratio(r.chat.get("ours"), r.chat.get("litestar-bare"))
    out.append(Goal("echo chat, ours / bare Litestar", v, ">= 0.9x", check(v, lambda x: x >= 0.9)))
    v = ratio(r.stream.get("ours"), r.stream.get("hono"))
    out.append(Goal("echo stream, ours / Hono", v, ">= 1.0x", check(v, lambda x: x >= 1.0)))
    v = ratio(r.relay_stream, r.stream.get("ours"))
    out.append(Goal("relay streams / our echo streams", v, ">= 0.6x", check(v, lambda x: x >= 0.6)))
    peer_goals = (
        ("chat", "chats", "portkey", "Portkey", 3.0),
        ("chat", "chats", "litellm", "LiteLLM", 20.0),
        ("stream", "streams", "litellm", "LiteLLM", 20.0),
    )
    for row, rows, peer, peer_label, least in peer_goals:
        if peer not in r.peers:
            continue
        theirs = r.peers[peer].get(row)
        surfaces = (
            ("/api", r.relay_chat if row == "chat" else r.relay_stream),
            ("/v1", r.relay_v1_chat if row == "chat" else r.relay_v1_stream),
        )
        for surface, ours_rate in surfaces:
            name = f"relay {rows} {surface}, ours / {peer_label}"
            if isinstance(theirs, str):
                out.append(Goal(name, None, f">= {least:g}x", None, failure=theirs))
            else:
                v = ratio(ours_rate, theirs)
                out.append(Goal(name, v, f">= {least:g}x", check(v, least.__le__)))
    upstream = r.ttft.get("upstream")
    for label, surface in (("ours", "/api"), ("ours-v1", "/v1")):
        ours = r.ttft.get(label)
        if label == "ours-v1" and not ours:
            continue
        for q, limit in (("p50", 1.0), ("p99", 5.0)):
            v = ours[f"{q}_ms"] - upstream[f"{q}_ms"] if ours and upstream else None
            out.append(
                Goal(
                    f"TTFT added by the gateway, {surface}, {q}",
                    v,
                    f"< {limit:g} ms",
                    check(v, limit.__gt__),
                    " ms",
                )
            )
    p = r.paced
    stalls = float(p["stalls"]) if "stalls" in p else None
    clean = "stalls" in p and p["errors"] == 0 and p["incomplete"] == 0
    out.append(
        Goal(
            f"stalls (gap > {STALL_S * 1000:.0f} ms), {o.paced_streams:,} paced streams",
            stalls,
            "= 0",
            None if stalls is None else (stalls == 0 and clean),
            "",
        )
    )
    if len(r.workers) > 1:
        top = max(r.workers)
        v = ratio(r.workers[top], r.workers.get(1))
        out.append(
            Goal(
                f"echo chat, --workers {top} / --workers 1",
                v,
                ">= 1.3x",
                check(v, lambda x: x >= 1.3),
            )
        )
    return out


def report(r: Results, o: Options) -> str:
    lines = [
        "",
        f"Results: wrk -t1 -c{CONNECTIONS} -d{o.duration:g}s, server on CPU 1, wrk on CPU 0",
        "",
    ]
    if r.chat or r.stream or r.relay_chat is not None or r.peers:
        lines.append(f"| {'server':<41} | {'echo chat, req/s':>16} | {'echo SSE streams/s':>18} |")
        lines.append(f"|{'-' * 43}|{'-' * 17}:|{'-' * 19}:|")
        labels = {
            "ours": "ours (scripts/serve, auth + rate limit)",
            "fastapi": "FastAPI on uvicorn, uvloop + httptools",
            "hono": "Hono on Node",
            "litestar-bare": "bare Litestar + msgspec, granian + uvloop",
        }
        for name in (n for n in o.echo_servers if n in r.chat or n in r.stream):
            chat, stream = r.chat.get(name), r.stream.get(name)
            lines.append(f"| {labels[name]:<41} | {_num(chat):>16} | {_num(stream):>18} |")
    if r.relay_stream is not None:
        lines.append(
            f"| {'ours relaying the fast upstream':<41} | {_num(r.relay_chat):>16} | "
            f"{_num(r.relay_stream):>18} |"
        )
    if r.relay_v1_stream is not None:
        lines.append(
            f"| {'ours relaying it on /v1 (OpenAI surface)':<41} | {_num(r.relay_v1_chat):>16} | "
            f"{_num(r.relay_v1_stream):>18} |"
        )
    for name, rows in r.peers.items():
        label = gateway(name, 0).label
        lines.append(
            f"| {label:<41} | {_cell(rows.get('chat')):>16} | {_cell(rows.get('stream')):>18} |"
        )
    lines.append("")
    if r.chat_rounds:
        lines.append(
            f"Echo rows: the median of {o.rounds} round(s), the servers taking turns; "
            "each round's chat req/s and streams/s:"
        )
        for name in r.chat_rounds:
            chats = ", ".join(_num(rate) for rate in r.chat_rounds[name])
            streams = ", ".join(_num(rate) for rate in r.stream_rounds.get(name, []))
            lines.append(f"  {name:<14} chat {chats}; streams {streams}")
        lines.append("")
    if r.ttft or r.peers:
        lines.append(
            f"Time to first token, {CONNECTIONS} concurrent streams (upstream paces 10 ms); "
            "added = minus the upstream's own:"
        )
        upstream = r.ttft.get("upstream")
        for label, t in r.ttft.items():
            added = ""
            if upstream and label != "upstream":
                added = (
                    f"   added p50 {t['p50_ms'] - upstream['p50_ms']:8.2f} ms, "
                    f"p99 {t['p99_ms'] - upstream['p99_ms']:8.2f} ms"
                )
            lines.append(
                f"  {label:<9} p50 {t['p50_ms']:8.2f} ms   p99 {t['p99_ms']:8.2f} ms   "
                f"({t['streams']:5.0f} streams, CPU {t['server_cpu']:4.0%}){added}"
            )
        for name, rows in r.peers.items():
            if isinstance(rows.get("ttft"), str):
                lines.append(f"  {name:<9} {rows['ttft']}")
    p = r.paced
    if "stalls" in p:
        lines.append(
            f"Paced: {p['streams']:,} concurrent streams of {PACED_WORDS} deltas "
            f"{PACED_DELAY_MS} ms apart, one worker:"
        )
        lines.append(
            f"  {p['completed']:,} streams completed ({p['incomplete']} short, "
            f"{p['errors']} errors), {p['stalls']} stalls, longest gap {p['max_gap_ms']:.0f} ms"
        )
        lines.append(
            f"  TTFT p50 {p['ttft_p50_ms']:.2f} ms, p99 {p['ttft_p99_ms']:.2f} ms (added: "
            "the echo provider itself has none)"
        )
        lines.append(
            f"  RSS {p['rss_before_mib']:.1f} MiB idle -> {p['rss_during_mib']:.1f} MiB with "
            f"{p['open_during']:.0f} open: {p['kib_per_stream']:.1f} KiB per open stream"
        )
        lines.append(
            f"  CPU: server {p['server_cpu']:.0%} of its core, load client "
            f"{p['client_cpu']:.0%} (worst client lag {r.client_lag_ms.get('paced', 0):.0f} ms)"
        )
    if r.workers:
        text = ", ".join(
            f"{n} worker{'s' * (n > 1)} {rate:,.0f} req/s" for n, rate in r.workers.items()
        )
        lines.append(
            f"Workers (server and wrk share CPUs {','.join(map(str, sorted(ALL_CPUS)))}): {text}"
        )
    lines += [
        "",
        f"| {'ratio':<48} | {'measured':>10} | {'goal':>8} | result |",
        f"|{'-' * 50}|{'-' * 11}:|{'-' * 10}|--------|",
    ]
    for g in goals(r, o):
        digits = 0 if g.unit == "" else 2
        value = "n/a" if g.value is None else f"{g.value:,.{digits}f}{g.unit}"
        value = g.failure or value
        verdict = {True: "PASS", False: "FAIL", None: "n/a"}[g.passed]
        lines.append(f"| {g.name:<48} | {value:>10} | {g.goal:>8} | {verdict:<6} |")
    if r.errors:
        lines.append(f"\n{r.errors} errors or non-2xx answers during the run: see the notes above.")
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _cell(value: float | str | None) -> str:
    """A peer's rate, or why its row failed."""
    return value if isinstance(value, str) else _num(value)


# ---------------------------------------------------------------- main

ALL_CPUS: set[int] = set()


def parse_args() -> Options:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument(
        "--rounds", type=int, default=3, help="echo measurements per server (median kept)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 3 s each, 200 paced streams"
    )
    parser.add_argument("--workers", type=int, default=2, help="compare --workers 1 with N")
    parser.add_argument("--paced-streams", type=int, default=None, help="default 1000 (200 quick)")
    parser.add_argument(
        "--servers",
        default=",".join(SERVERS),
        help="the echo rows' servers and the relay peers (with --only ...,peers)",
    )
    # For scripts/bench: which peers' environments this run needs, one a line.
    parser.add_argument("--needed-peers", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"some of {','.join(SECTIONS)}")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    servers = tuple(s for s in args.servers.split(",") if s)
    sections = tuple(s for s in args.only.split(",") if s)
    for value, allowed in ((servers, SERVERS), (sections, SECTIONS)):
        if unknown := set(value) - set(allowed):
            parser.error(f"unknown {', '.join(sorted(unknown))}; choose from {', '.join(allowed)}")
    duration = 3.0 if args.quick and args.duration == 10.0 else args.duration
    options = Options(
        duration=duration,
        rounds=1 if args.quick and args.rounds == 3 else max(1, args.rounds),
        warmup=1.0 if args.quick else 2.0,
        paced_streams=args.paced_streams or (200 if args.quick else 1000),
        workers=args.workers,
        servers=servers,
        sections=sections,
        json=args.json,
    )
    if args.needed_peers:
        print("\n".join(options.gateways))
        sys.exit(0)
    return options


def preflight(o: Options) -> None:
    global ALL_CPUS
    ALL_CPUS = set(os.sched_getaffinity(0))
    if not {0, 1} <= ALL_CPUS:
        raise BenchError(
            f"needs CPUs 0 and 1 (server and load generator); this run has {sorted(ALL_CPUS)}"
        )
    node = bool({"hono", "portkey"} & set(o.echo_servers + o.gateways))
    for tool in ("wrk", "taskset") + (("node",) if node else ()):
        if not shutil.which(tool):
            raise BenchError(f"{tool} is not on PATH (scripts/bench installs what it can)")
    if "fastapi" in o.echo_servers and not BENCH_PYTHON.exists():
        raise BenchError(f"{BENCH_PYTHON} is missing: run scripts/bench, which builds it")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < o.paced_streams + 100:
        raise BenchError(f"the open-file limit ({soft}) is below {o.paced_streams} paced streams")
    # The load client shares CPU 0 with wrk; only the servers run on CPU 1.
    os.sched_setaffinity(0, {int(LOAD_CPU)})


@contextlib.contextmanager
def ended_on_signals(processes: Processes) -> Iterator[None]:
    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        processes.stop_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main() -> int:
    options = parse_args()
    processes = Processes()
    try:
        preflight(options)
        idle = cpu_idle_fraction()
        print(
            f"scripts/bench: {', '.join(options.sections)}; {options.duration:g}s per measurement"
            f"{'; quick' if options.duration < 10 else ''}. CPUs idle before the run: {idle:.0%}"
        )
        if idle < 0.85:
            print(
                "warning: something else is using this machine's CPUs; the numbers will be low "
                "and uneven"
            )
        progress = Progress(count_steps(options))
        with ended_on_signals(processes):
            results = Bench(options, processes, progress).run()
    except BenchError as exc:
        print(f"\nscripts/bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nscripts/bench: interrupted; servers stopped", file=sys.stderr)
        return 130
    finally:
        processes.stop_all()
    print(report(results, options))
    if options.json:
        options.json.write_text(json.dumps(results.__dict__, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
