from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.browser import browser  # noqa: F401 (a fixture)
from tests.conftest import ROOT


@pytest.fixture(scope="session")
def chat_bundle() -> Path:
    """The page's bundle, rebuilt by ensure_assets when the SDK or the page changed."""
    result = subprocess.run(
        [
            "bash",
            "-c",
            "source scripts/lib/env.sh && source scripts/lib/assets.sh && ensure_assets",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return ROOT / "server" / "streamspec" / "_assets" / "chat"
