from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "clients" / "typescript"


def run_in_package(
    args: list[str], env: Mapping[str, str] | None = None, timeout: float = 120, cwd: Path = PACKAGE
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("STREAMSPEC_", "OPENAI_"))}
    return subprocess.run(
        args,
        cwd=cwd,
        env={**clean, "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def typescript_package() -> Path:
    """clients/typescript with its pinned node_modules (npm ci only when the lock changed)."""
    result = subprocess.run(
        [
            "bash",
            "-c",
            'source scripts/lib/env.sh && ensure_node_env "$1"',
            "-",
            "clients/typescript",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return PACKAGE
