"""Real processes for integration tests: the server and the fake upstream on free loopback ports."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
# Variables that would point a test's server somewhere other than where the test says.
_SERVER_ENV_PREFIXES = ("STREAMSPEC_", "OPENAI_", "PROMETHEUS_")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    server: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_until_up(url: str, process: subprocess.Popen[bytes], log_path: Path | None = None) -> None:
    def log() -> str:
        return log_path.read_text() if log_path else ""

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log()}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"server did not come up:\n{log()}")


def start_server(
    tmp_dir: Path, env: Mapping[str, str] | None = None, server: str = "granian", workers: int = 1
) -> LiveServer:
    port = free_port()
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith(_SERVER_ENV_PREFIXES)}
    log_path = tmp_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamspec", "--server", server, "--port", str(port)]
            + (["--workers", str(workers)] if workers != 1 else []),
            env={**clean_env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    live = LiveServer(
        url=f"http://127.0.0.1:{port}", process=process, log_path=log_path, server=server
    )
    try:
        wait_until_up(live.url, process, log_path)
    except BaseException:
        live.stop()
        raise
    return live


class ServerFactory(Protocol):
    def __call__(
        self, env: Mapping[str, str] | None = None, server: str = "granian", workers: int = 1
    ) -> LiveServer: ...


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[ServerFactory]:
    started: list[LiveServer] = []

    def start(
        env: Mapping[str, str] | None = None, server: str = "granian", workers: int = 1
    ) -> LiveServer:
        live = start_server(tmp_path, env, server, workers)
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()


SERVERS = ("granian", "uvicorn", "hypercorn")


@pytest.fixture(scope="session")
def echo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server with no configuration at all, shared by the tests that only read from it."""
    live = start_server(tmp_path_factory.mktemp("echo"))
    yield live
    live.stop()


@pytest.fixture(scope="module", params=SERVERS)
def any_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The unconfigured server under each supported ASGI server in turn."""
    live = start_server(tmp_path_factory.mktemp(request.param), server=request.param)
    yield live
    live.stop()


@dataclass
class Upstream:
    base_url: str
    process: subprocess.Popen[str]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def open_connections(self) -> int:
        count = self.stats()["open_connections"]
        assert isinstance(count, int)
        return count

    def stats(self) -> dict[str, object]:
        root = self.base_url.removesuffix("/v1")
        stats: dict[str, object] = httpx.get(root + "/_stats", timeout=5).json()
        return stats


def start_upstream() -> Upstream:
    """The fake OpenAI-compatible provider, as a real process."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.upstream", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    port = process.stdout.readline().split()[-1]
    return Upstream(base_url=f"http://127.0.0.1:{port}/v1", process=process)


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    """One fake provider shared by tests that only look at answers, not connections."""
    fake = start_upstream()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free port, with nothing persisted."""
    if shutil.which("redis-server") is None:
        pytest.fail("these tests need redis-server (scripts/test installs it with apt-get)")
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path_factory.mktemp("redis"))],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)
