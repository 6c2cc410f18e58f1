"""Capacity: how many idle open streams one worker holds, what each costs, and whether
/health stays quick meanwhile. Run by scripts/capacity; tests run it small."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scripts.lib.soak import rss_kib  # noqa: E402
from tests.conftest import start_server  # noqa: E402

REQUEST = (
    b"POST /api/chat/stream HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
    b'content-length: %d\r\n\r\n{"messages": [{"role": "user", "content": "first then silence"}]}'
)


@dataclass
class Capacity:
    server: str
    streams_requested: int
    streams_open: int
    rss_mib_before: float
    rss_mib_holding: float
    kib_per_stream: float
    health_p50_ms: float
    health_max_ms: float


async def open_idle_stream(port: int) -> asyncio.StreamWriter | None:
    body = REQUEST.split(b"\r\n\r\n", 1)[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(REQUEST % len(body))
    await writer.drain()
    try:
        head = await asyncio.wait_for(reader.readuntil(b"event: delta"), 30)
    except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        writer.close()
        return None
    return writer if head.startswith(b"HTTP/1.1 200") else None


async def measure(port: int, streams: int, server_pid: int) -> tuple[int, float, list[float]]:
    opened: list[asyncio.StreamWriter] = []
    for start in range(0, streams, 500):  # in waves, as a listen backlog would see them
        batch = await asyncio.gather(
            *(open_idle_stream(port) for _ in range(min(500, streams - start))),
            return_exceptions=True,
        )
        opened += [w for w in batch if isinstance(w, asyncio.StreamWriter)]
    await asyncio.sleep(1)
    holding = rss_kib(server_pid) / 1024
    timings = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(50):
            started = time.perf_counter()
            (await client.get("/health")).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.02)
    for writer in opened:
        writer.close()
    return len(opened), holding, timings


def run(streams: int, server: str) -> Capacity:
    env = {
        "STREAMSPEC_ECHO_DELAY_MS": "600000",
        "STREAMSPEC_MAX_STREAMS_PER_KEY": "0",
        "STREAMSPEC_LOG_LEVEL": "WARNING",
    }
    with tempfile.TemporaryDirectory() as logs:
        live = start_server(Path(logs), env, server)
        try:
            httpx.get(live.url + "/health")
            before = rss_kib(live.process.pid) / 1024
            port = int(live.url.rsplit(":", 1)[1])
            opened, holding, timings = asyncio.run(measure(port, streams, live.process.pid))
        finally:
            live.stop()
    return Capacity(
        server=server,
        streams_requested=streams,
        streams_open=opened,
        rss_mib_before=round(before, 1),
        rss_mib_holding=round(holding, 1),
        kib_per_stream=round((holding - before) * 1024 / max(opened, 1), 1),
        health_p50_ms=round(statistics.median(timings), 2),
        health_max_ms=round(max(timings), 2),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=5000)
    parser.add_argument("--server", default="granian", choices=["granian", "uvicorn", "hypercorn"])
    args = parser.parse_args()
    print(json.dumps(asdict(run(args.streams, args.server)), indent=2))


if __name__ == "__main__":
    main()
