"""`python -m streamspec`: run the server under granian (default), uvicorn or hypercorn.

Each server is exec'd with its own command line, so signals reach it directly
and it owns its workers; all three load the same factory. Each server's own limit
on a graceful shutdown is set one second past the app's grace period
(`STREAMSPEC_SHUTDOWN_GRACE_SECONDS`): the app answers every open request when its
grace ends, and the server's limit is only the backstop. A request head must arrive
within `STREAMSPEC_CLIENT_TIMEOUT`, as its body must.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import resource
import sys
from collections.abc import Sequence

from streamspec.settings import Settings

FACTORY = "streamspec.app:app_from_env"
# uvicorn's httptools protocol with a cap on the request head (see uvicorn_http.py).
UVICORN_HTTP = "streamspec.uvicorn_http:HeadLimitedHttpToolsProtocol"
SERVERS = ("granian", "uvicorn", "hypercorn")
# Thousands of mostly idle streams per worker are normal for a chat gateway; granian's
# default backpressure (backlog / workers = 1,024) refuses connections well before that.
BACKLOG = "8192"
MAX_CONCURRENT_PER_WORKER = "10000"


def server_command(
    server: str,
    host: str,
    port: int,
    workers: int,
    loop: str = "uvloop",
    grace_seconds: float = 8.0,
    head_timeout_seconds: float = 30.0,
) -> list[str]:
    python = [sys.executable, "-m"]
    backstop = str(math.ceil(grace_seconds) + 1)
    # granian's limit is 1 ms to 60 s: a slow client holds a connection at most this long.
    head_timeout_ms = str(min(60_000, max(1, round(head_timeout_seconds * 1000))))
    if server == "granian":
        return [
            *python, "granian", "--interface", "asgi", "--factory", "--loop", loop,
            "--host", host, "--port", str(port), "--workers", str(workers),
            "--backlog", BACKLOG, "--backpressure", MAX_CONCURRENT_PER_WORKER,
            "--workers-kill-timeout", backstop, "--http1-header-read-timeout", head_timeout_ms,
            "--no-access-log", FACTORY,
        ]  # fmt: skip
    if server == "uvicorn":
        return [
            *python, "uvicorn", "--factory", "--loop", loop, "--http", UVICORN_HTTP,
            "--host", host, "--port", str(port), "--workers", str(workers),
            "--backlog", BACKLOG, "--no-access-log", "--timeout-graceful-shutdown", backstop,
            # uvicorn believes X-Forwarded-For from 127.0.0.1 by default; the app decides whom
            # to believe (STREAMSPEC_TRUSTED_PROXIES), else a spoofed header buys budget.
            "--no-proxy-headers", FACTORY,
        ]  # fmt: skip
    if server == "hypercorn":
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        # --workers 0 serves from this process, so SIGTERM reaches the app (see shutdown.py);
        # with workers, hypercorn's parent relays shutdown through an event instead.
        hypercorn_workers = "0" if workers == 1 else str(workers)
        return [
            *python, "hypercorn", "--worker-class", loop, "--bind", bind,
            "--workers", hypercorn_workers, "--backlog", BACKLOG, "--graceful-timeout", backstop,
            f"{FACTORY}()",
        ]  # fmt: skip
    raise ValueError(f"unknown server {server!r}; choose one of {', '.join(SERVERS)}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="streamspec", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--server", choices=SERVERS, default=os.environ.get("STREAMSPEC_SERVER", "granian")
    )
    parser.add_argument(
        "--loop",
        choices=("uvloop", "asyncio"),
        default=os.environ.get("STREAMSPEC_LOOP", "uvloop"),
        help="the event loop; uvloop measured nearly twice as fast here",
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    command = server_command(
        args.server,
        args.host,
        args.port,
        args.workers,
        args.loop,
        settings.shutdown_grace_seconds,
        settings.client_timeout,
    )
    raise_open_file_limit()
    os.execv(command[0], command)


def raise_open_file_limit() -> None:
    """Each stream holds a client socket and maybe an upstream one: allow as many as permitted."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


if __name__ == "__main__":
    main()
