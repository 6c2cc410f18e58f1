from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from streamspec import docs


def test_docs_page_answers_503_naming_the_build_script_when_assets_are_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(docs, "ASSETS_DIR", tmp_path / "never-built")
    app = Litestar(route_handlers=docs.docs_route_handlers(b"openapi: 3.2.0\n"))
    with TestClient(app) as client:
        page = client.get("/docs")
        asset = client.get("/docs/assets/swagger-ui-bundle.js")
        spec = client.get("/openapi.yaml")

    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/plain")
    assert "scripts/serve" in page.text
    assert asset.status_code == 404
    assert spec.content == b"openapi: 3.2.0\n"
