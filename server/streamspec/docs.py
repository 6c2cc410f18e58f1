"""The contract as served documents, and an interactive docs page that works offline."""

from __future__ import annotations

import hashlib
import html
from typing import Any

import msgspec
import yaml
from litestar import Request, Response
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import File

from streamspec.head import get_and_head
from streamspec.pages import (
    ASSET_HEADERS,
    ASSETS_ROOT,
    asset,
    assets_missing,
    built_version,
)
from streamspec.pages import page as html_page

__all__ = ["ASSETS_DIR", "docs_route_handlers"]

# Built by scripts/lib/assets.sh from the npm package pinned in server/web, never committed.
ASSETS_DIR = ASSETS_ROOT / "swagger-ui"
_VENDORED_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
_INIT_SCRIPT_NAME = "streamspec-docs.js"

# Served as a file rather than inlined, so the page's CSP can forbid inline scripts.
# validatorUrl: null stops Swagger UI from sending the document to validator.swagger.io.
_INIT_SCRIPT = b"""\
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: new URL(root.dataset.specUrl, document.baseURI).href,
    domNode: root,
    deepLinking: true,
    displayOperationId: true,
    validatorUrl: null,
  });
})();
"""
_INIT_SCRIPT_VERSION = hashlib.sha256(_INIT_SCRIPT).hexdigest()[:16]

_PAGE_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{assets}swagger-ui.css?v={version}">
<link rel="icon" type="image/png" href="{assets}favicon-32x32.png?v={version}">
</head>
<body>
<div id="swagger-ui" data-spec-url="{root}openapi.yaml"></div>
<script src="{assets}swagger-ui-bundle.js?v={version}"></script>
<script src="{assets}{init_name}?v={init_version}"></script>
</body>
</html>
"""


def docs_route_handlers(spec_yaml: bytes) -> list[HTTPRouteHandler]:
    """Route handlers serving ``spec_yaml`` as /openapi.yaml and /openapi.json, and /docs."""
    document: dict[str, Any] = yaml.safe_load(spec_yaml)
    spec_json = msgspec.json.encode(document)
    title = html.escape(f"{document.get('info', {}).get('title', 'API')} API docs")

    @get_and_head("/openapi.yaml")
    def openapi_yaml() -> Response[bytes]:
        return Response(spec_yaml, media_type="application/yaml")

    @get_and_head("/openapi.json")
    def openapi_json() -> Response[bytes]:
        return Response(spec_json, media_type="application/json")

    @get_and_head("/docs")
    def docs_page(request: Request[Any, Any, Any]) -> Response[str]:
        version = built_version(ASSETS_DIR)
        if version is None:
            return assets_missing("the API docs assets are", ASSETS_DIR)
        # Relative links keep the page working behind a proxy that mounts the app under a prefix.
        # Litestar also routes "/docs/" here, with the slash left only in raw_path; from there
        # the links are one level deeper.
        root = "../" if request.scope.get("raw_path", b"").endswith(b"/") else ""
        page = _PAGE_TEMPLATE.format(
            title=title,
            root=root,
            assets=f"{root}docs/assets/",
            version=version,
            init_name=_INIT_SCRIPT_NAME,
            init_version=_INIT_SCRIPT_VERSION,
        )
        return html_page(page)

    # Every asset URL carries a version query, so a rebuild is never hidden by the year-long cache.
    @get_and_head("/docs/assets/{name:str}")
    def docs_asset(name: FromPath[str]) -> Response[bytes] | File:
        if name == _INIT_SCRIPT_NAME:
            return Response(_INIT_SCRIPT, media_type="text/javascript", headers=ASSET_HEADERS)
        return asset(ASSETS_DIR, name, _VENDORED_ASSETS)

    return [openapi_yaml, openapi_json, docs_page, docs_asset]
