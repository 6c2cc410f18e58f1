"""Binds the generated operation table to an implementation: one Litestar route per operation.

Bodies are decoded here with the generated msgspec types rather than by
Litestar, so that every validation failure becomes our problem shape with a
JSON path, and so that streams can turn a failure into an HTTP error before
their first event and into an `error` event after it.
"""

from __future__ import annotations

import asyncio
import re
import typing
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import msgspec
from litestar import HttpMethod, Request, Response, route
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp

from streamspec._generated.models import FieldError, Problem
from streamspec._generated.operations import OPERATIONS, Operation, Operations
from streamspec.admission import Admission
from streamspec.errors import (
    InvalidBody,
    RequestTimeout,
    UnsupportedMediaType,
    ValidationFailed,
)
from streamspec.shutdown import Shutdown
from streamspec.streaming import EventStream, cancel_on_disconnect

__all__ = ["MissingOperationHandlers", "operation_route_handlers"]

_encoder = msgspec.json.Encoder()
_AT = re.compile(r"^(?P<message>.*) - at `(?P<location>[^`]*)`$", re.DOTALL)
_NAMED_FIELD = re.compile(r"^Object (?:contains unknown|missing required) field `(?P<name>[^`]*)`$")


class MissingOperationHandlers(TypeError):
    """The implementation lacks a method for some operation of the contract."""

    def __init__(self, operation_ids: list[str]) -> None:
        super().__init__("no handler for operation(s): " + ", ".join(operation_ids))
        self.operation_ids = operation_ids


def operation_route_handlers(
    implementation: Operations,
    *,
    admission: Admission | None = None,
    keepalive_seconds: float = 15.0,
    shutdown: Shutdown | None = None,
    body_timeout: float = 30.0,
) -> list[HTTPRouteHandler]:
    """One route per operation; secured operations pass through `admission` first."""
    missing = [
        op.operation_id
        for op in OPERATIONS
        if not callable(getattr(implementation, op.method_name, None))
    ]
    if missing:
        raise MissingOperationHandlers(missing)
    return [
        _route_handler(
            op,
            getattr(implementation, op.method_name),
            _body_reader(op, body_timeout),
            admission,
            keepalive_seconds,
            shutdown,
        )
        for op in OPERATIONS
    ]


def _route_handler(
    op: Operation,
    method: Callable[..., Any],
    read_body: BodyReader,
    admission: Admission | None,
    keepalive_seconds: float,
    shutdown: Shutdown | None,
) -> HTTPRouteHandler:
    streaming = op.media_type == "text/event-stream"
    handler: Callable[..., Any]
    if streaming:
        error_event = _error_event_type(op)
        handler = _stream_handler(read_body, method, error_event, keepalive_seconds, shutdown)
    else:
        handler = _json_handler(read_body, method, op.media_type)
    middleware = [admission.middleware(streaming=streaming)] if admission and op.secured else None
    return route(
        op.path,
        http_method=[HttpMethod(op.http_method)],
        name=op.operation_id,
        operation_id=op.operation_id,
        status_code=200,
        middleware=middleware,
    )(handler)


BodyReader = Callable[[Request[Any, Any, Any]], Awaitable[tuple[Any, ...]]]
Handler = Callable[[Request[Any, Any, Any]], Awaitable[Response[Any]]]


def _json_handler(
    read_body: BodyReader, method: Callable[..., Awaitable[Any]], media_type: str
) -> Handler:
    async def handle(request: Request[Any, Any, Any]) -> Response[bytes]:
        args = await read_body(request)
        result = await cancel_on_disconnect(request.receive, method(*args))
        return Response(_encoder.encode(result), media_type=media_type)

    return handle


def _stream_handler(
    read_body: BodyReader,
    method: Callable[..., AsyncGenerator[Any, None]],
    error_event: Callable[[Problem], Any],
    keepalive_seconds: float,
    shutdown: Shutdown | None,
) -> Callable[[Request[Any, Any, Any]], Awaitable[ASGIApp]]:
    async def handle(request: Request[Any, Any, Any]) -> ASGIApp:
        events = method(*await read_body(request))
        # Wait for the first event before answering, so a failure up to here
        # is still an HTTP error with its proper status.
        try:
            first = await cancel_on_disconnect(request.receive, anext(events))
        except BaseException:
            await events.aclose()
            raise
        return EventStream(first, events, error_event, keepalive_seconds, shutdown)

    return handle


def _error_event_type(op: Operation) -> Callable[[Problem], Any]:
    for variant in typing.get_args(op.response_type):
        if typing.get_type_hints(variant).get("data") is Problem:
            return typing.cast(Callable[[Problem], Any], variant)
    raise TypeError(f"stream operation {op.operation_id} has no event that carries a Problem")


def _body_reader(op: Operation, timeout: float) -> BodyReader:
    if op.request_type is None:

        async def no_body(request: Request[Any, Any, Any]) -> tuple[Any, ...]:
            return ()

        return no_body

    decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(op.request_type)

    async def read_body(request: Request[Any, Any, Any]) -> tuple[Any, ...]:
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise UnsupportedMediaType("The body must be application/json.")
        try:
            async with asyncio.timeout(timeout):
                raw = await request.body()
        except TimeoutError:
            raise RequestTimeout(f"The body did not arrive within {timeout:g} s.") from None
        try:
            return (decoder.decode(raw),)
        except msgspec.ValidationError as exc:
            if _INTEGRAL_FLOAT in str(exc):
                return (_decode_with_integral_floats(raw, op.request_type),)
            error = field_error(str(exc))
            raise ValidationFailed(f"{error.message} at {error.location}", errors=[error]) from None
        except msgspec.DecodeError as exc:
            raise InvalidBody(f"The body is not well-formed JSON: {exc}") from None

    return read_body


# JSON Schema's `integer` includes 2.0; msgspec's strict int does not.
_INTEGRAL_FLOAT = "Expected `int`, got `float`"


def _decode_with_integral_floats(raw: bytes, request_type: Any) -> Any:
    """The slow path for a body holding e.g. `"max_tokens": 2.0`: whole floats become ints."""

    def whole(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, list):
            return [whole(item) for item in value]
        if isinstance(value, dict):
            return {key: whole(item) for key, item in value.items()}
        return value

    try:
        return msgspec.convert(whole(msgspec.json.decode(raw)), request_type, strict=True)
    except msgspec.ValidationError as exc:
        error = field_error(str(exc))
        raise ValidationFailed(f"{error.message} at {error.location}", errors=[error]) from None


def field_error(message: str) -> FieldError:
    """msgspec's "Expected `str`, got `int` - at `$.a[0]`" as a location and a message."""
    location = "$"
    matched = _AT.match(message)
    if matched:
        message, location = matched["message"], matched["location"]
    named = _NAMED_FIELD.match(message)
    if named:
        location = f"{location}.{named['name']}"
    return FieldError(location=location, message=message)
