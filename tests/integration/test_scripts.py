"""The README's run command, as an operator types it."""

from __future__ import annotations

import os
import subprocess

import httpx

from tests.conftest import ROOT, free_port, wait_until_up


def test_scripts_serve_answers_health_on_the_port_it_is_given() -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STREAMSPEC_", "OPENAI_"))}
    process = subprocess.Popen(
        [str(ROOT / "scripts/serve"), "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, process)
        health = httpx.get(url + "/health").json()
        assert health["status"] == "ok"
        assert health["server"] == "granian"
    finally:
        process.terminate()
        process.wait(timeout=15)
