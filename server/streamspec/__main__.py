"""`python -m streamspec`: run the server under granian (default), uvicorn or hypercorn.

Each server is exec'd with its own command line, so signals reach it directly
and it owns its workers; all three load the same factory. Before that, this sets up
what the workers must share: the directory of prometheus-client's multiprocess mode
(several workers), and the servers' own log lines as JSON (`STREAMSPEC_LOG_FORMAT=json`).
Each server's own limit on a graceful shutdown is set one second past the app's grace
period (`STREAMSPEC_SHUTDOWN_GRACE_SECONDS`): the app answers every open request when its
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
import tempfile
from collections.abc import MutableMapping, Sequence
from pathlib import Path

from streamspec.settings import Settings, SettingsError

FACTORY = "streamspec.app:app_from_env"
# A logging dictConfig that sends the servers' own lines through `streamspec.logs`.
SERVER_LOG_CONFIG = Path(__file__).with_name("log_config.json")
# uvicorn's httptools protocol with a cap on the request head (see uvicorn_http.py).
UVICORN_HTTP = "streamspec.uvicorn_http:HeadLimitedHttpToolsProtocol"
SERVERS = ("granian", "uvicorn", "hypercorn")
# Thousands of mostly idle streams per worker are normal for a chat gateway; granian's
# default backpressure (backlog / workers = 1,024) refuses connections well before that.
BACKLOG = "8192"
MAX_CONCURRENT_PER_WORKER = "10000"
# What --reload watches: the package's code, and the contract and assets generated into it.
RELOAD_DIR = str(Path(__file__).resolve().parent)


def server_command(
    server: str,
    host: str,
    port: int,
    workers: int,
    loop: str = "uvloop",
    reload: bool = False,
    log_config: Path | None = None,
    grace_seconds: float = 8.0,
    head_timeout_seconds: float = 30.0,
) -> list[str]:
    """The server's command line; `log_config` is a logging dictConfig file for its own lines."""
    python = [sys.executable, "-m"]
    backstop = str(math.ceil(grace_seconds) + 1)
    # granian's limit is 1 ms to 60 s: a slow client holds a connection at most this long.
    head_timeout_ms = str(min(60_000, max(1, round(head_timeout_seconds * 1000))))
    if server == "granian":
        # A module that fails to import while being edited must not stop the reloader.
        watch = ["--reload", "--reload-paths", RELOAD_DIR, "--reload-ignore-worker-failure"]
        logs = ["--log-config", str(log_config)] if log_config else []
        return [
            *python, "granian", "--interface", "asgi", "--factory", "--loop", loop,
            "--host", host, "--port", str(port), "--workers", str(workers),
            "--backlog", BACKLOG, "--backpressure", MAX_CONCURRENT_PER_WORKER,
            "--workers-kill-timeout", backstop, "--http1-header-read-timeout", head_timeout_ms,
            "--no-access-log", *(watch if reload else []), *logs, FACTORY,
        ]  # fmt: skip
    if server == "uvicorn":
        watch = ["--reload", "--reload-dir", RELOAD_DIR]
        logs = ["--log-config", str(log_config)] if log_config else []
        return [
            *python, "uvicorn", "--factory", "--loop", loop, "--http", UVICORN_HTTP,
            "--host", host, "--port", str(port), "--workers", str(workers),
            "--backlog", BACKLOG, "--no-access-log", "--timeout-graceful-shutdown", backstop,
            # uvicorn believes X-Forwarded-For from 127.0.0.1 by default; the app decides whom
            # to believe (STREAMSPEC_TRUSTED_PROXIES), else a spoofed header buys budget.
            "--no-proxy-headers", *(watch if reload else []), *logs, FACTORY,
        ]  # fmt: skip
    if server == "hypercorn":
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        # --workers 0 serves from this process, so SIGTERM reaches the app (see shutdown.py);
        # with workers, hypercorn's parent relays shutdown through an event instead.
        # hypercorn reloads only from a parent process, and watches the modules it has loaded.
        hypercorn_workers = "0" if workers == 1 and not reload else str(workers)
        logs = ["--log-config", f"json:{log_config}"] if log_config else []
        return [
            *python, "hypercorn", "--worker-class", loop, "--bind", bind,
            "--workers", hypercorn_workers, "--backlog", BACKLOG, "--graceful-timeout", backstop,
            *(["--reload"] if reload else []), *logs, f"{FACTORY}()",
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
    parser.add_argument(
        "--reload",
        action="store_true",
        help="restart on changes under the package's folder, for development",
    )
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:  # an operator's mistake: say which, without a traceback
        parser.exit(2, f"streamspec: {exc}\n")
    if args.workers > 1:
        share_metrics_between_workers(os.environ)
    log_config = SERVER_LOG_CONFIG if settings.log_format == "json" else None
    command = server_command(
        args.server,
        args.host,
        args.port,
        args.workers,
        args.loop,
        args.reload,
        log_config,
        settings.shutdown_grace_seconds,
        settings.client_timeout,
    )
    raise_open_file_limit()
    os.execv(command[0], command)


def share_metrics_between_workers(environ: MutableMapping[str, str]) -> Path:
    """Point prometheus-client's multiprocess mode at an empty directory for this run.

    A directory named in `PROMETHEUS_MULTIPROC_DIR` is emptied of the last run's files,
    as prometheus-client asks; unset, a fresh one is made.
    """
    named = environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if not named:
        directory = Path(tempfile.mkdtemp(prefix="streamspec-metrics-"))
        environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
        return directory
    directory = Path(named)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    return directory


def raise_open_file_limit() -> None:
    """Each stream holds a client socket and maybe an upstream one: allow as many as permitted."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


if __name__ == "__main__":
    main()
