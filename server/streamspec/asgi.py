"""Small helpers for raw ASGI: the operations' hot path skips Litestar's request objects."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from litestar.types import Scope, Send

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
    send: Send, status: int, body: bytes, media_type: bytes, headers: Headers
) -> None:
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
    await send({"type": "http.response.body", "body": body, "more_body": False})
