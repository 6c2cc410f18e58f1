"""A small chat page at `/`, built on the TypeScript SDK and served with no outside requests."""

from __future__ import annotations

from pathlib import Path

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import File

__all__ = ["CHAT_ASSETS_DIR", "chat_page_route_handlers"]

# Bundled by scripts/lib/assets.sh (esbuild, pinned in server/web) from server/web/chat and
# clients/typescript/src; never committed.
CHAT_ASSETS_DIR = Path(__file__).parent / "_assets" / "chat"
# Written last by the build, so its presence means the bundle is complete; it also busts caches.
_FINGERPRINT = "fingerprint"
_ASSETS = {
    "chat.js": "text/javascript",
    "chat.css": "text/css",
    "LICENSES.txt": "text/plain",
}

_PAGE_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        # The favicon is an empty data: URL, so the browser asks the server for no /favicon.ico.
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_IMMUTABLE = "public, max-age=31536000, immutable"

_PAGE_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Streamspec chat</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="chat/assets/chat.css?v={version}">
<script type="module" src="chat/assets/chat.js?v={version}"></script>
</head>
<body>
<main>
<h1>Streamspec chat</h1>
<nav><a href="docs">API docs</a></nav>
<form id="chat-form">
<label for="prompt">Message</label>
<textarea id="prompt" name="prompt" required></textarea>
<label for="api-key">API key (when the server asks for one)</label>
<input id="api-key" name="api-key" type="password" autocomplete="off">
<div class="buttons">
<button id="send" type="submit">Send</button>
<button id="stop" type="button" disabled>Stop</button>
</div>
</form>
<output id="reply" for="prompt" aria-live="polite"></output>
<p id="status" role="status" data-state="loading">Loading…</p>
</main>
</body>
</html>
"""

_ASSETS_MISSING = """\
503 Service Unavailable: the chat page is not built.

Run scripts/serve, which bundles it into server/streamspec/_assets/chat/
(or run: source scripts/lib/env.sh scripts/lib/assets.sh && ensure_assets).
"""


def chat_page_route_handlers() -> list[HTTPRouteHandler]:
    """Route handlers serving the chat page at `/` and its bundle under /chat/assets/."""

    @get("/", include_in_schema=False, sync_to_thread=False)
    def chat_page() -> Response[str]:
        try:
            version = (CHAT_ASSETS_DIR / _FINGERPRINT).read_text().strip()[:16]
        except FileNotFoundError:
            return Response(_ASSETS_MISSING, status_code=503, media_type="text/plain")
        return Response(
            _PAGE_TEMPLATE.format(version=version),
            media_type="text/html",
            headers={"Content-Security-Policy": _PAGE_CSP, "Cache-Control": "no-cache"},
        )

    # Every asset URL carries a version query, so a rebuild is never hidden by the year-long cache.
    @get("/chat/assets/{name:str}", include_in_schema=False, sync_to_thread=False)
    def chat_asset(name: FromPath[str]) -> File:
        media_type = _ASSETS.get(name)
        path = CHAT_ASSETS_DIR / name
        if media_type is None or not path.is_file():
            raise NotFoundException()
        return File(
            path,
            filename=name,
            media_type=media_type,
            content_disposition_type="inline",
            headers={"Cache-Control": _IMMUTABLE, "X-Content-Type-Options": "nosniff"},
        )

    return [chat_page, chat_asset]
