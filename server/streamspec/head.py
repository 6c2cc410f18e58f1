"""HEAD for the pages Litestar serves: each GET route also answers HEAD (RFC 9110 9.3.2),
with the GET answer's status and headers, Content-Length included, and no body.

Litestar routes HEAD to a handler registered for it, but sends whatever body that
handler returns; this middleware, on the pages' router, drops the body.
"""

from __future__ import annotations

from litestar import route
from litestar.enums import HttpMethod, ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HeadWithoutBody", "get_and_head"]


def get_and_head(path: str) -> route:
    """A page's route: GET, and HEAD for the same handler (outside the API's schema)."""
    return route(
        path,
        http_method=[HttpMethod.GET, HttpMethod.HEAD],
        include_in_schema=False,
        sync_to_thread=False,
    )


class HeadWithoutBody:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_head(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, send_head)
