"""Soak: hundreds of concurrent streams for minutes through the real server and a faulty upstream.

Run by scripts/soak. Every stream's outcome is classified; an outcome is
"injected" when the request asked the fake upstream for that fault and the
server answered as the contract says it must. Anything else is an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.conftest import start_server, start_upstream  # noqa: E402

# model -> what the server must answer: a status, or the last stream event's name.
FAULTS = {
    "fault-slow": "done",
    "m-fast": "done",
    "fault-reset": "error",
    "fault-malformed": "error",
    "fault-bad-utf8": "error",
    "fault-500": 502,
    "fault-429": 429,
}
WEIGHTS = [40, 30, 6, 6, 6, 6, 6]


def rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants."""
    total = 0
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1])
    return total + sum(rss_kib(int(child)) for child in children)


async def one_stream(client: httpx.AsyncClient, outcomes: Counter[str], prompt: str) -> None:
    model = random.choices(list(FAULTS), WEIGHTS)[0]  # noqa: S311 (a load mix, not a secret)
    expected = FAULTS[model]
    body = {"model": model, "messages": [{"role": "user", "content": prompt}]}
    try:
        async with client.stream("POST", "/api/chat/stream", json=body) as response:
            if response.status_code != 200:
                await response.aread()
                ok = response.status_code == expected
                outcomes[f"{'injected' if ok else 'ERROR'} {model} -> {response.status_code}"] += 1
                return
            last = ""
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    last = line[7:]
            ok = last == expected
            verdict = ("injected" if expected == "error" else "ok") if ok else "ERROR"
            outcomes[f"{verdict} {model} -> {last or 'truncated'}"] += 1
    except httpx.HTTPError as exc:
        outcomes[f"ERROR {model} -> {type(exc).__name__}"] += 1


@dataclass
class SoakResult:
    outcomes: Counter[str]
    rss_idle_kib: int
    rss_start_kib: int  # after the first 10 s under load: pools and buffers have grown by then
    rss_end_kib: int


async def soak(url: str, streams: int, seconds: float, server_pid: int) -> SoakResult:
    prompt = " ".join(f"w{i}" for i in range(12))
    outcomes: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=streams, max_keepalive_connections=streams)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        await one_stream(client, outcomes, prompt)
        rss_idle = rss_kib(server_pid)
        rss_start = rss_idle

        async def worker() -> None:
            while time.monotonic() < deadline:
                await one_stream(client, outcomes, prompt)

        async def progress() -> None:
            nonlocal rss_start
            while time.monotonic() < deadline:
                await asyncio.sleep(10)
                if rss_start == rss_idle:
                    rss_start = rss_kib(server_pid)
                done = sum(outcomes.values())
                errors = sum(n for k, n in outcomes.items() if k.startswith("ERROR"))
                print(f"  {int(seconds - (deadline - time.monotonic()))} s: {done} streams,"
                      f" {errors} errors, server RSS {rss_kib(server_pid) / 1024:.1f} MiB",
                      flush=True)  # fmt: skip

        await asyncio.gather(progress(), *(worker() for _ in range(streams)))
    return SoakResult(outcomes, rss_idle, rss_start, rss_kib(server_pid))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=300, help="concurrent streams")
    parser.add_argument("--seconds", type=float, default=180, help="how long to hold them")
    parser.add_argument("--server", default="granian", choices=["granian", "uvicorn", "hypercorn"])
    args = parser.parse_args()

    upstream = start_upstream()
    env = {
        "OPENAI_BASE_URL": upstream.base_url,
        "STREAMSPEC_UPSTREAM_IDLE_TIMEOUT": "5",
        "STREAMSPEC_MAX_STREAMS_PER_KEY": str(args.streams * 2),
        "STREAMSPEC_LOG_LEVEL": "WARNING",
    }
    logs = ROOT / "bench" / ".logs"
    logs.mkdir(parents=True, exist_ok=True)
    try:
        live = start_server(logs, env, args.server)
    except BaseException:
        upstream.stop()
        raise
    try:
        faults = ", ".join(model for model, answer in FAULTS.items() if answer != "done")
        print(f"soak: {args.streams} concurrent streams for {args.seconds:.0f} s on {args.server}")
        print(f"faults injected upstream: {faults}")
        print(f"server log: {live.log_path}")
        result = asyncio.run(soak(live.url, args.streams, args.seconds, live.process.pid))
        time.sleep(1)
        pool = upstream.open_connections()
    finally:
        live.stop()
        upstream.stop()
    outcomes = result.outcomes
    errors = sum(n for k, n in outcomes.items() if k.startswith("ERROR"))
    injected = sum(n for k, n in outcomes.items() if k.startswith("injected"))
    print("\noutcomes:")
    for key, count in sorted(outcomes.items()):
        print(f"  {count:>7}  {key}")
    rss_idle = result.rss_idle_kib / 1024
    rss_start, rss_end = result.rss_start_kib / 1024, result.rss_end_kib / 1024
    print(json.dumps({
        "streams_total": sum(outcomes.values()),
        "injected_faults_answered_per_contract": injected,
        "errors_not_injected": errors,
        "server_rss_mib_idle": round(rss_idle, 1),
        "server_rss_mib_start": round(rss_start, 1),
        "server_rss_mib_end": round(rss_end, 1),
        "upstream_connections_open_at_end": pool,
    }, indent=2))  # fmt: skip
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
