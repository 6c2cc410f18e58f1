"""Request ids: echoed when sane, minted otherwise, and on every log line of the request."""

from __future__ import annotations

import logging
import random
import re
from contextvars import ContextVar
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_KEY = b"x-request-id"
_SANE = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
# Ids need to be unique, not secret: the module PRNG is enough, costs no system call,
# and is reseeded in each forked worker.
_random_bits = random.getrandbits
_current: ContextVar[str] = ContextVar("streamspec_request_id", default="-")


def request_id_for(scope: Scope) -> str:
    """The id of the request in `scope`, chosen once and remembered in its state."""
    state: dict[str, Any] = scope.setdefault("state", {})
    request_id: str | None = state.get("request_id")
    if request_id is None:
        request_id = _incoming(scope) or f"{_random_bits(128):032x}"
        state["request_id"] = request_id
    _current.set(request_id)
    return request_id


def current_request_id() -> str:
    """The id of the request being served in this context, `-` outside any request."""
    return _current.get()


def _incoming(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_KEY:
            return value.decode("ascii") if _SANE.fullmatch(value) else None
    return None


class RequestIdMiddleware:
    """Tags the request with its id and adds the id to the response headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        header = (REQUEST_ID_KEY, request_id_for(scope).encode("ascii"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                if not any(name.lower() == REQUEST_ID_KEY for name, _ in headers):
                    headers.append(header)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


class RequestIdLogFilter(logging.Filter):
    """Gives every log record a `request_id` attribute for the formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True
