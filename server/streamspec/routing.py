"""Binds the generated operation table to an implementation: one Litestar route per operation.

Bodies are decoded here with the generated msgspec types rather than by
Litestar, so that every validation failure becomes our problem shape with a
JSON path, and so that streams can turn a failure into an HTTP error before
their first event and into an `error` event after it.
"""

from __future__ import annotations

import re
import typing
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import msgspec
from litestar import HttpMethod, Request, Response, route
from litestar.handlers import HTTPRouteHandler
from litestar.response import Stream
from litestar.types import Guard

from streamspec._generated.models import FieldError, Problem
from streamspec._generated.operations import OPERATIONS, Operation, Operations
from streamspec.errors import (
    InvalidBody,
    UnsupportedMediaType,
    ValidationFailed,
    problem_for,
)
from streamspec.request_id import current_request_id

__all__ = ["MissingOperationHandlers", "operation_route_handlers"]

_encoder = msgspec.json.Encoder()
_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_AT = re.compile(r"^(?P<message>.*) - at `(?P<location>[^`]*)`$", re.DOTALL)
_NAMED_FIELD = re.compile(r"^Object (?:contains unknown|missing required) field `(?P<name>[^`]*)`$")


class MissingOperationHandlers(TypeError):
    """The implementation lacks a method for some operation of the contract."""

    def __init__(self, operation_ids: list[str]) -> None:
        super().__init__("no handler for operation(s): " + ", ".join(operation_ids))
        self.operation_ids = operation_ids


def operation_route_handlers(
    implementation: Operations, *, secured_guards: Sequence[Guard] = ()
) -> list[HTTPRouteHandler]:
    missing = [
        op.operation_id
        for op in OPERATIONS
        if not callable(getattr(implementation, op.method_name, None))
    ]
    if missing:
        raise MissingOperationHandlers(missing)
    return [
        _route_handler(op, getattr(implementation, op.method_name), secured_guards)
        for op in OPERATIONS
    ]


def _route_handler(
    op: Operation, method: Callable[..., Any], secured_guards: Sequence[Guard]
) -> HTTPRouteHandler:
    read_body = _body_reader(op)
    if op.media_type == "text/event-stream":
        handler = _stream_handler(read_body, method, _error_event_type(op))
    else:
        handler = _json_handler(read_body, method, op.media_type)
    return route(
        op.path,
        http_method=[HttpMethod(op.http_method)],
        name=op.operation_id,
        operation_id=op.operation_id,
        status_code=200,
        guards=list(secured_guards) if op.secured else None,
    )(handler)


BodyReader = Callable[[Request[Any, Any, Any]], Awaitable[tuple[Any, ...]]]
Handler = Callable[[Request[Any, Any, Any]], Awaitable[Response[Any]]]


def _json_handler(
    read_body: BodyReader, method: Callable[..., Awaitable[Any]], media_type: str
) -> Handler:
    async def handle(request: Request[Any, Any, Any]) -> Response[bytes]:
        result = await method(*await read_body(request))
        return Response(_encoder.encode(result), media_type=media_type)

    return handle


def _stream_handler(
    read_body: BodyReader,
    method: Callable[..., AsyncGenerator[Any, None]],
    error_event: Callable[[Problem], Any],
) -> Handler:
    async def handle(request: Request[Any, Any, Any]) -> Stream:
        events = method(*await read_body(request))
        # Wait for the first event before answering, so a failure up to here
        # is still an HTTP error with its proper status.
        try:
            first = await anext(events)
        except BaseException:
            await events.aclose()
            raise
        return Stream(
            _sse_body(first, events, error_event),
            media_type="text/event-stream",
            headers=_SSE_HEADERS,
        )

    return handle


async def _sse_body(
    first: Any, events: AsyncGenerator[Any, None], error_event: Callable[[Problem], Any]
) -> AsyncIterator[bytes]:
    try:
        yield encode_sse(first)
        async for event in events:
            yield encode_sse(event)
    except Exception as exc:
        problem, _ = problem_for(exc, current_request_id())
        yield encode_sse(error_event(problem))
    finally:
        await events.aclose()


def encode_sse(event: Any) -> bytes:
    """One event in the wire form; msgspec's JSON never holds a raw newline, so one data line."""
    name: str = type(event).__struct_config__.tag
    return b"event: " + name.encode() + b"\ndata: " + _encoder.encode(event.data) + b"\n\n"


def _error_event_type(op: Operation) -> Callable[[Problem], Any]:
    for variant in typing.get_args(op.response_type):
        if typing.get_type_hints(variant).get("data") is Problem:
            return typing.cast(Callable[[Problem], Any], variant)
    raise TypeError(f"stream operation {op.operation_id} has no event that carries a Problem")


def _body_reader(op: Operation) -> BodyReader:
    if op.request_type is None:

        async def no_body(request: Request[Any, Any, Any]) -> tuple[Any, ...]:
            return ()

        return no_body

    decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(op.request_type)

    async def read_body(request: Request[Any, Any, Any]) -> tuple[Any, ...]:
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise UnsupportedMediaType("The body must be application/json.")
        raw = await request.body()
        try:
            return (decoder.decode(raw),)
        except msgspec.ValidationError as exc:
            error = field_error(str(exc))
            raise ValidationFailed(f"{error.message} at {error.location}", errors=[error]) from None
        except msgspec.DecodeError as exc:
            raise InvalidBody(f"The body is not well-formed JSON: {exc}") from None

    return read_body


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
