from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# As in tests/docs: nothing lets Chromium reach beyond this machine on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


# Module scope: sync Playwright keeps an event loop running in this thread while it is open,
# which would stop later async tests from starting their own.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("browser tests need Debian's chromium: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
