"""`Vary: Origin` on every answer while CORS is on.

Litestar's CORS middleware adds it only when it allows the request's origin. An answer
to another origin, or to no origin at all, differs too (it lacks the CORS headers), so
a shared cache that stored it without `Vary: Origin` could hand it to a browser on an
allowed origin, or the other way round.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["vary_on_origin"]


def _with_origin(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    for index, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            fields = {field.strip().lower() for field in value.split(b",")}
            if b"origin" not in fields and b"*" not in fields:
                headers[index] = (name, value + b", Origin")
            return headers
    headers.append((b"vary", b"Origin"))
    return headers


def vary_on_origin(app: Litestar) -> None:
    if app.cors_config is None:
        return
    inner: ASGIApp = app.asgi_handler

    async def varying(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await inner(scope, receive, send)
            return

        async def send_varying(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_origin(list(message.get("headers", ())))
            await send(message)

        await inner(scope, receive, send_varying)

    app.asgi_handler = varying
