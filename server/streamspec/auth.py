"""API keys: `Authorization: Bearer <key>`, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from streamspec.errors import Unauthorized

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="streamspec"'}


def _digest(key: str) -> bytes:
    # Equal-length digests make compare_digest's time independent of the key's length too.
    return hashlib.sha256(key.encode()).digest()


def api_key_guard(keys: Iterable[str]) -> Guard:
    digests = tuple(_digest(key) for key in keys)

    def require_api_key(
        connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
    ) -> None:
        scheme, _space, presented = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented:
            raise Unauthorized(
                "Send an API key as `Authorization: Bearer <key>`.", headers=_CHALLENGE
            )
        candidate = _digest(presented.strip())
        matched = False
        for digest in digests:  # no early exit: every key is compared every time
            matched |= hmac.compare_digest(candidate, digest)
        if not matched:
            raise Unauthorized("The API key is not valid.", headers=_CHALLENGE)

    return require_api_key
