"""Small helpers for raw ASGI: the operations' hot path skips Litestar's request objects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

from litestar.types import Receive, Scope, Send

Headers = list[tuple[bytes, bytes]]


def encode_headers(headers: Mapping[str, str]) -> Headers:
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]


async def aclose(iterator: AsyncIterator[Any]) -> None:
    """Close an async iterator that can be closed (async generators can)."""
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of header `name` (lower case), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


async def send_body(
    send: Send, status: int, body: bytes, media_type: bytes, headers: Headers, *, head: bool = False
) -> None:
    """A whole answer; for a HEAD request, its head alone, with the length of its body."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media_type),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if head else body, "more_body": False})


async def discard_body(receive: Receive, cap: int, within_seconds: float) -> bool:
    """Read and drop the request body; False if the client left before it ended.

    A body over `cap` bytes, or slower than `within_seconds`, is left unread: the caller's
    answer should then close the connection.
    """
    size = 0
    try:
        async with asyncio.timeout(within_seconds):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return False
                size += len(message.get("body", b""))  # type: ignore[arg-type]
                if size > cap or not message.get("more_body", False):
                    return True
    except TimeoutError:
        return True
