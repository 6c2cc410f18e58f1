"""The relay peers of scripts/bench: the gateways users would pick instead of ours.

Each one is run as its users deploy it, in its own environment under bench/peers/, and
configured to relay to the same fast upstream as ours (bench/fast_upstream.py), on its
OpenAI-compatible surface: `POST /v1/chat/completions` with the models `fast` and `paced-10`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEERS = BENCH / "peers"
GATEWAYS = ("litellm", "portkey")

LITELLM_DIR = PEERS / "litellm"
LITELLM = LITELLM_DIR / ".venv" / "bin" / "litellm"
# LiteLLM refuses a master key that does not start with `sk-`.
LITELLM_MASTER_KEY = "sk-bench-key"
PORTKEY_DIR = PEERS / "portkey"
PORTKEY = PORTKEY_DIR / "node_modules" / "@portkey-ai" / "gateway" / "build" / "start-server.js"


@dataclass(frozen=True)
class Gateway:
    name: str
    label: str
    """The row's name in the report."""
    command: Callable[[int], list[str]]
    """The command line for a port."""
    env: dict[str, str]
    """What the process needs in its environment, on top of the harness's own."""
    headers: dict[str, str]
    """What every request through it carries: its key, or where to relay to."""
    health: str
    """A path that answers 200 once it is up."""
    cwd: Path
    installed: Path
    """A file that exists once scripts/bench has installed it."""


def litellm_version() -> str:
    pins = (ROOT / "requirements" / "bench-litellm.txt").read_text()
    matched = re.search(r"^litellm==(\S+)$", pins, re.MULTILINE)
    return matched[1] if matched else "?"


def portkey_version() -> str:
    package = json.loads((PORTKEY_DIR / "package.json").read_text())
    return str(package["dependencies"]["@portkey-ai/gateway"])


def gateway(name: str, upstream_port: int) -> Gateway:
    upstream = f"http://127.0.0.1:{upstream_port}/v1"
    if name == "litellm":
        return Gateway(
            name="litellm",
            label=f"LiteLLM proxy {litellm_version()}, 1 worker, no DB",
            command=lambda port: [
                str(LITELLM),
                "--config",
                str(LITELLM_DIR / "config.yaml"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--num_workers",
                "1",
            ],
            env={
                "BENCH_UPSTREAM_URL": upstream,
                "BENCH_LITELLM_MASTER_KEY": LITELLM_MASTER_KEY,
                # Its price list from the package, not fetched from the network at start-up.
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            },
            headers={"authorization": f"Bearer {LITELLM_MASTER_KEY}"},
            health="/health/liveliness",
            cwd=LITELLM_DIR,
            installed=LITELLM,
        )
    if name == "portkey":
        # Portkey's open-source gateway has no keys of its own: each request names the
        # provider and, for a self-hosted OpenAI-compatible one, its address (the loopback
        # address is on its default list of trusted custom hosts).
        return Gateway(
            name="portkey",
            label=f"Portkey gateway {portkey_version()} on Node",
            command=lambda port: ["node", str(PORTKEY), f"--port={port}", "--headless"],
            env={"NODE_ENV": "production"},
            headers={
                "authorization": "Bearer upstream-key",
                "x-portkey-provider": "openai",
                "x-portkey-custom-host": upstream,
            },
            health="/",
            cwd=PORTKEY_DIR,
            installed=PORTKEY,
        )
    raise ValueError(f"no gateway {name!r}; choose from {', '.join(GATEWAYS)}")
