"""scripts/probe at a small size, under each server: every probe's verdict is ok."""

from __future__ import annotations

import subprocess

import pytest

from scripts.lib.probe import SMALL, run, table
from tests.conftest import ROOT, SERVERS, ServerFactory


@pytest.mark.parametrize("server", SERVERS)
def test_every_hostile_probe_gets_the_right_answer(server: str) -> None:
    rows = run(server, SMALL)
    assert [row.probe for row in rows if row.ok is not True] == [], table(rows)
    assert any(row.probe.startswith("SIGTERM") for row in rows)


def test_scripts_probe_prints_its_table_for_a_running_server(
    server_factory: ServerFactory,
) -> None:
    live = server_factory({"STREAMSPEC_CLIENT_TIMEOUT": "1"}, server="uvicorn")
    result = subprocess.run(
        [
            str(ROOT / "scripts/probe"),
            "--small",
            "--url",
            live.url,
            "--log",
            str(live.log_path),
            "--client-timeout",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [cell.strip() for cell in lines[1].split("|")[1:4]] == ["probe", "status", "verdict"]
    assert any("smuggling" in line and "| ok" in line for line in lines)
    assert any("bare LF" in line and "refused" in line for line in lines)  # named by /health
    # Without keys or the process, the probes that need them say so instead of passing.
    assert any("| skipped: needs API keys on" in line for line in lines)
