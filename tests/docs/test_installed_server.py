"""`pip install` of a wheel built from a clean checkout gives a server whose pages work."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import ROOT, free_port, wait_until_up
from tests.docs.test_docs_page import _spec_operations
from tests.packaging import build_wheel, clean_checkout, fresh_venv, pip_install, run

pytestmark = pytest.mark.browser

TREE_ASSETS = ROOT / "server" / "streamspec" / "_assets"


@pytest.fixture(scope="module")
def tree_assets() -> Path:
    """The work tree's own build of the assets, as the scripts make it."""
    run(
        [
            "bash",
            "-c",
            "source scripts/lib/env.sh && source scripts/lib/assets.sh && ensure_assets",
        ],
        ROOT,
    )
    return TREE_ASSETS


@pytest.fixture(scope="module")
def installed_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the server's wheel (built from a clean checkout) and its deps."""
    work = tmp_path_factory.mktemp("server-wheel")
    checkout = clean_checkout(work / "checkout")
    assert not (checkout / "server" / "streamspec" / "_assets").exists()
    wheel = build_wheel(checkout, work / "dist")
    python = fresh_venv(work / "venv")
    pip_install(python, wheel)
    return python


@pytest.fixture(scope="module")
def installed_server(
    installed_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`python -m streamspec` from that venv, run outside the work tree, with no configuration."""
    cwd = tmp_path_factory.mktemp("elsewhere")
    port = free_port()
    log_path = cwd / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [installed_python, "-m", "streamspec", "--port", str(port)],
            cwd=cwd,
            env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log_path)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_installed_package_is_the_wheel_not_the_work_tree(installed_python: Path) -> None:
    where = run(
        [installed_python, "-c", "import streamspec; print(streamspec.__file__)"], Path("/")
    )
    assert not where.startswith(str(ROOT)), where


def test_installed_docs_page_renders_every_operation_in_chromium(
    browser: Browser, installed_server: str
) -> None:
    context = browser.new_context(base_url=installed_server)
    page = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(installed_server) else foreign.append(request.url)
        ),
    )
    try:
        page.goto("/docs")
        expect(page.locator(".opblock")).to_have_count(len(_spec_operations()))
    finally:
        context.close()
    assert errors == []
    assert foreign == []


def test_installed_chat_page_loads_its_bundle_in_chromium(
    browser: Browser, installed_server: str
) -> None:
    context = browser.new_context(base_url=installed_server)
    page = context.new_page()
    try:
        page.goto("/")
        expect(page.locator("#status")).to_have_attribute("data-state", "idle")
    finally:
        context.close()


def test_wheel_serves_the_same_asset_bytes_as_the_tree_builds(
    installed_server: str, tree_assets: Path
) -> None:
    # Two builds from the same npm pins, one in a clean checkout, must agree byte for byte.
    for path, built in [
        ("/docs/assets/swagger-ui-bundle.js", tree_assets / "swagger-ui" / "swagger-ui-bundle.js"),
        ("/chat/assets/chat.js", tree_assets / "chat" / "chat.js"),
    ]:
        served = httpx.get(installed_server + path)
        assert served.status_code == 200, path
        assert served.content == built.read_bytes(), path
