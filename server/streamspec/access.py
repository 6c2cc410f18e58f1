"""Each request's access-log line and request metrics, taken by one wrapper around `send`.

The line gives the method, path, status, duration in milliseconds, request id and
caller. The caller is what admission identified (`key:` and a hash of the API key, or
`addr:` and the client address), never the key; `-` before admission or without it.
A request whose client left before any answer is logged and counted with status 499,
as nginx does.

Litestar calls this for every routed request; the ones it cannot route (404) never
reach route middleware, and are logged by the exception handler that answers them
(`logging_unrouted`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from time import perf_counter
from typing import Any

from litestar import Request, Response
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from streamspec._generated.operations import OPERATIONS
from streamspec.callers import current_caller
from streamspec.metrics import Metrics
from streamspec.request_id import request_id_for

__all__ = ["ACCESS_LOGGER", "AccessMiddleware", "access_fields", "logging_unrouted"]

ACCESS_LOGGER = "streamspec.access"
CLIENT_LEFT = 499
UNROUTED = "unrouted"
logger = logging.getLogger(ACCESS_LOGGER)
_log_access = logger.info


def _operations_by_route() -> dict[str, dict[str, tuple[str, bool]]]:
    """path -> method -> (operationId, streams?), keyed as Litestar's `path_template`."""
    routes: dict[str, dict[str, tuple[str, bool]]] = {}
    for op in OPERATIONS:
        streams = op.media_type == "text/event-stream"
        routes.setdefault(op.path, {})[op.http_method] = (op.operation_id, streams)
    return routes


_OPERATIONS = _operations_by_route()
_NOT_AN_OPERATION: dict[str, tuple[str, bool]] = {}


class AccessMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, access_log: bool = True) -> None:
        self.app = app
        self._metrics = metrics
        self._access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        request_id_for(scope)  # every line of the request carries its id, this one too
        current_caller.set("-")
        template: str = scope.get("path_template") or scope["path"]
        method: str = scope["method"]
        operation, streaming = _OPERATIONS.get(template, _NOT_AN_OPERATION).get(
            method, (template, False)
        )
        metrics = self._metrics
        status = CLIENT_LEFT
        stream_open = False

        async def observed_send(message: Message) -> None:
            nonlocal status, stream_open
            if message["type"] == "http.response.start":
                status = message["status"]
                if streaming and status == 200:
                    # A stream's head goes out with its first event, once that is ready.
                    metrics.stream_started(operation, perf_counter() - started)
                    stream_open = True
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            seconds = perf_counter() - started
            if stream_open:
                metrics.stream_ended()
            metrics.request_answered(operation, status, seconds)
            if self._access_log:
                _log_access(
                    "%s %s %d %.1fms caller=%s",
                    method,
                    scope["path"],
                    status,
                    seconds * 1000,
                    current_caller.get(),
                )


ExceptionHandler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]


def logging_unrouted(
    handler: ExceptionHandler, metrics: Metrics, access_log: bool = True
) -> ExceptionHandler:
    """`handler`, also logging and counting the requests Litestar could not route."""

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        started = perf_counter()
        response = handler(request, exc)
        scope = request.scope
        if "route_handler" not in scope:  # set by Litestar's router once a route matched
            seconds = perf_counter() - started
            metrics.request_answered(UNROUTED, response.status_code, seconds)
            if access_log:
                _log_access(
                    "%s %s %d %.1fms caller=%s",
                    scope.get("method", "-"),
                    scope["path"],
                    response.status_code,
                    seconds * 1000,
                    "-",
                )
        return response

    return handle


def access_fields(args: Any) -> dict[str, Any]:
    """The fields of an access-log record, from its arguments, for structured logs."""
    method, path, status, milliseconds, caller = args
    return {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(milliseconds, 3),
        "caller": caller,
    }
