"""A small chat page at `/`, built on the TypeScript SDK and served with no outside requests."""

from __future__ import annotations

from litestar import Response
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import File

from streamspec.head import get_and_head
from streamspec.pages import ASSETS_ROOT, asset, assets_missing, built_version, page

__all__ = ["CHAT_ASSETS_DIR", "chat_page_route_handlers"]

# Bundled by scripts/lib/assets.sh (esbuild, pinned in server/web) from server/web/chat and
# clients/typescript/src; never committed.
CHAT_ASSETS_DIR = ASSETS_ROOT / "chat"
_ASSETS = {
    "chat.js": "text/javascript",
    "chat.css": "text/css",
    "LICENSES.txt": "text/plain",
}

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


def chat_page_route_handlers() -> list[HTTPRouteHandler]:
    """Route handlers serving the chat page at `/` and its bundle under /chat/assets/."""

    @get_and_head("/")
    def chat_page() -> Response[str]:
        version = built_version(CHAT_ASSETS_DIR)
        if version is None:
            return assets_missing("the chat page is", CHAT_ASSETS_DIR)
        return page(_PAGE_TEMPLATE.format(version=version))

    # Every asset URL carries a version query, so a rebuild is never hidden by the year-long cache.
    @get_and_head("/chat/assets/{name:str}")
    def chat_asset(name: FromPath[str]) -> File:
        return asset(CHAT_ASSETS_DIR, name, _ASSETS)

    return [chat_page, chat_asset]
