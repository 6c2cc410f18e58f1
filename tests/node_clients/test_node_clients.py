"""The official openai npm SDK and the Vercel AI SDK (`streamText`) against the live /v1.

Their versions are pinned in this folder's package.json; scripts/test installs them.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clients.typescript.conftest import run_in_package
from tests.conftest import ROOT, LiveServer, start_server

PACKAGE = ROOT / "tests" / "node_clients"
KEY = "key-alpha"


@pytest.fixture(scope="module")
def node_clients() -> Path:
    result = subprocess.run(
        ["bash", "-c", 'source scripts/lib/env.sh && ensure_node_env "$1"', "-",
         "tests/node_clients"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return PACKAGE


@pytest.fixture(scope="module")
def echo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(tmp_path_factory.mktemp("node-echo"), {"STREAMSPEC_API_KEYS": KEY})
    yield live
    live.stop()


def test_the_openai_npm_sdk_and_the_ai_sdk_work_against_the_gateway(
    node_clients: Path, echo: LiveServer
) -> None:
    result = run_in_package(
        ["npm", "test"],
        env={"STREAMSPEC_URL": echo.url, "STREAMSPEC_API_KEY": KEY},
        cwd=node_clients,
    )
    output = f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.returncode == 0, output
    summary = dict(re.findall(r"^# (pass|fail|skipped|cancelled) (\d+)$", result.stdout, re.M))
    assert summary == {"pass": "6", "fail": "0", "skipped": "0", "cancelled": "0"}, output
