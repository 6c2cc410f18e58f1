from __future__ import annotations

from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from streamspec import chat_page


def _client() -> TestClient[Litestar]:
    return TestClient(Litestar(route_handlers=chat_page.chat_page_route_handlers()))


def test_page_answers_503_naming_the_build_script_when_the_bundle_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(chat_page, "CHAT_ASSETS_DIR", tmp_path / "never-built")
    with _client() as client:
        page = client.get("/")
        asset = client.get("/chat/assets/chat.js")

    assert page.status_code == 503
    assert "scripts/serve" in page.text
    assert asset.status_code == 404


def test_page_loads_only_its_own_versioned_assets_under_a_strict_csp(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "chat.js").write_text("export {};\n")
    (tmp_path / "fingerprint").write_text("0123456789abcdef0123\n")
    monkeypatch.setattr(chat_page, "CHAT_ASSETS_DIR", tmp_path)
    with _client() as client:
        page = client.get("/")
        script = client.get("/chat/assets/chat.js?v=0123456789abcdef")
        not_served = client.get("/chat/assets/fingerprint")

    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp
    assert "connect-src 'self'" in csp
    assert '<script type="module" src="chat/assets/chat.js?v=0123456789abcdef">' in page.text
    assert "http" not in page.text
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert script.headers["x-content-type-options"] == "nosniff"
    assert not_served.status_code == 404
