"""Binds the generated operation table to an implementation: one route per operation.

Operations are raw ASGI endpoints rather than Litestar handlers: the hot path
reads the body, admits the caller, decodes with the generated msgspec types and
writes the answer itself, so that every failure becomes our problem shape with
a JSON path, and streams can fail as an HTTP error before their first event and
as an `error` event after it. Litestar still routes, serves CORS and the docs.
"""

from __future__ import annotations

import asyncio
import logging
import re
import typing
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar.handlers import ASGIRouteHandler, asgi
from litestar.types import Receive, Scope, Send

from streamspec._generated.models import FieldError, Problem
from streamspec._generated.operations import OPERATIONS, Operation, Operations
from streamspec.admission import Admission
from streamspec.asgi import Headers, aclose, discard_body, encode_headers, header, send_body
from streamspec.body_headers import require_json_body
from streamspec.errors import (
    PROBLEM_MEDIA_TYPE,
    ClientDisconnected,
    ContentTooLarge,
    IncompleteBody,
    InvalidBody,
    MethodNotAllowed,
    RequestTimeout,
    ValidationFailed,
    encode_problem,
    problem_for,
)
from streamspec.interrupts import Interrupt
from streamspec.request_id import REQUEST_ID_KEY, request_id_for
from streamspec.settings import Settings
from streamspec.shutdown import Shutdown
from streamspec.streaming import EventStream, cancel_on_disconnect

__all__ = ["Limits", "MissingOperationHandlers", "operation_route_handlers"]

logger = logging.getLogger("streamspec.routing")
_encoder = msgspec.json.Encoder()
_AT = re.compile(r"^(?P<message>.*) - at `(?P<location>[^`]*)`$", re.DOTALL)
_NAMED_FIELD = re.compile(r"^Object (?:contains unknown|missing required) field `(?P<name>[^`]*)`$")
_PROBLEM = PROBLEM_MEDIA_TYPE.encode()
# For refusals that leave the rest of the body unread: the connection cannot be reused.
_CLOSE = {"Connection": "close"}


@dataclass(frozen=True, slots=True)
class Limits:
    """How long and how much the server waits for and keeps of each request."""

    max_body_bytes: int
    body_timeout: float
    keepalive_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_body_bytes=settings.max_body_bytes,
            body_timeout=settings.client_timeout,
            keepalive_seconds=settings.keepalive_seconds,
        )


class MissingOperationHandlers(TypeError):
    """The implementation lacks a method for some operation of the contract."""

    def __init__(self, operation_ids: list[str]) -> None:
        super().__init__("no handler for operation(s): " + ", ".join(operation_ids))
        self.operation_ids = operation_ids


def operation_route_handlers(
    implementation: Operations,
    *,
    admission: Admission | None = None,
    limits: Limits | None = None,
    shutdown: Shutdown | None = None,
) -> list[ASGIRouteHandler]:
    """One route per operation; secured operations admit the caller first."""
    missing = [
        op.operation_id
        for op in OPERATIONS
        if not callable(getattr(implementation, op.method_name, None))
    ]
    if missing:
        raise MissingOperationHandlers(missing)
    limits = limits or Limits.from_settings(Settings())
    handlers = []
    for op in OPERATIONS:
        endpoint = _Endpoint(
            op, getattr(implementation, op.method_name), admission, limits, shutdown
        )
        handlers.append(
            asgi(
                op.path,
                name=op.operation_id,
                opt={"operation_id": op.operation_id, "http_method": op.http_method},
                copy_scope=False,
            )(endpoint.as_function())
        )
    return handlers


class _Endpoint:
    def __init__(
        self,
        op: Operation,
        method: Callable[..., Any],
        admission: Admission | None,
        limits: Limits,
        shutdown: Shutdown | None,
    ) -> None:
        self._op = op
        self._method = method
        self._admission = admission if op.secured else None
        self._limits = limits
        self._shutdown = shutdown
        self._streaming = op.media_type == "text/event-stream"
        self._gettable = op.http_method == "GET"
        self._media_type = op.media_type.encode()
        self._error_event = _error_event_type(op) if self._streaming else None
        self._decoder: msgspec.json.Decoder[Any] | None = (
            msgspec.json.Decoder(op.request_type) if op.request_type is not None else None
        )

    def as_function(self) -> Callable[[Scope, Receive, Send], Any]:
        async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
            await self(scope, receive, send)

        return endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = request_id_for(scope)
        headers: Headers = [(REQUEST_ID_KEY, request_id.encode())]
        task = asyncio.current_task()
        assert task is not None
        method = scope.get("method")
        # A refusal before the body is read still reads it (up to the cap), so the
        # connection stays usable: servers close one whose request body was left unread.
        body_unread = self._decoder is not None
        with ExitStack() as held:  # a stream's slot, held until the stream ends
            # Everything up to the answer's first byte may still fail as a problem.
            try:
                if method != self._op.http_method and not (method == "HEAD" and self._gettable):
                    allow = "GET, HEAD" if self._gettable else self._op.http_method
                    raise MethodNotAllowed(
                        f"{self._op.path} answers {allow} only.", headers={"Allow": allow}
                    )
                caller = ""
                if self._admission is not None:
                    caller, quota = await self._admission.admit(scope)
                    headers += quota
                args: tuple[Any, ...] = ()
                if self._decoder is not None:
                    self._check_declared_body(scope)
                    body_unread = False
                    args = await self._read_body(scope, receive, task)
                if self._streaming:
                    if self._admission is not None:
                        held.enter_context(self._admission.stream_slot(caller))
                    stream = await self._open_stream(receive, task, args, headers)
                else:
                    result = await cancel_on_disconnect(
                        receive, self._method(*args), task, self._shutdown
                    )
                    body = _encoder.encode(result)
            except ClientDisconnected:
                logger.info("client left before the answer; upstream request cancelled")
                return
            except Exception as exc:
                if body_unread and not await discard_body(
                    receive, self._limits.max_body_bytes, self._limits.body_timeout
                ):
                    return  # the client left: nobody to answer
                problem, extra = problem_for(exc, request_id)
                await send_body(
                    send,
                    problem.status,
                    encode_problem(problem),
                    _PROBLEM,
                    headers + encode_headers(extra),
                    head=method == "HEAD",
                )
                return
            if self._streaming:
                await stream(scope, receive, send)
            else:
                await send_body(send, 200, body, self._media_type, headers, head=method == "HEAD")

    async def _open_stream(
        self,
        receive: Receive,
        task: asyncio.Task[Any],
        args: tuple[Any, ...],
        headers: Headers,
    ) -> EventStream:
        assert self._error_event is not None
        events: AsyncIterator[Any] = self._method(*args)
        # Wait for the first event before answering, so a failure up to here
        # is still an HTTP error with its proper status.
        try:
            first = await cancel_on_disconnect(receive, anext(events), task, self._shutdown)
        except BaseException:
            await aclose(events)
            raise
        return EventStream(
            first,
            events,
            self._error_event,
            self._limits.keepalive_seconds,
            self._shutdown,
            headers,
        )

    def _check_declared_body(self, scope: Scope) -> None:
        require_json_body(scope)
        cap = self._limits.max_body_bytes
        declared = header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise ContentTooLarge(f"The body is over the limit of {cap} bytes.", headers=_CLOSE)

    async def _read_body(
        self, scope: Scope, receive: Receive, task: asyncio.Task[Any]
    ) -> tuple[Any, ...]:
        cap = self._limits.max_body_bytes
        chunks: list[bytes] = []
        size = 0
        too_slow = Interrupt(task)
        timer = asyncio.get_running_loop().call_later(self._limits.body_timeout, too_slow.fire)
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    # Also what granian reports for a malformed chunked body, and it still
                    # sends an answer then; to a client that has left, the answer is lost.
                    raise IncompleteBody("The body ended before it was complete.")
                chunk: bytes = message.get("body", b"")  # type: ignore[assignment]
                size += len(chunk)
                if size > cap:
                    raise ContentTooLarge(
                        f"The body is over the limit of {cap} bytes.", headers=_CLOSE
                    )
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        except asyncio.CancelledError:
            if not too_slow.caused():
                raise
            timeout = self._limits.body_timeout
            raise RequestTimeout(
                f"The body did not arrive within {timeout:g} s.", headers=_CLOSE
            ) from None
        finally:
            timer.cancel()
        raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        assert self._decoder is not None
        try:
            return (self._decoder.decode(raw),)
        except msgspec.ValidationError as exc:
            if _INTEGRAL_FLOAT in str(exc):
                return (_decode_with_integral_floats(raw, self._op.request_type),)
            error = field_error(str(exc))
            raise ValidationFailed(f"{error.message} at {error.location}", errors=[error]) from None
        except msgspec.DecodeError as exc:
            raise InvalidBody(f"The body is not well-formed JSON: {exc}") from None
        except UnicodeDecodeError:
            raise InvalidBody(_NOT_UTF8) from None


def _error_event_type(op: Operation) -> Callable[[Problem], Any]:
    for variant in typing.get_args(op.response_type):
        if typing.get_type_hints(variant).get("data") is Problem:
            return typing.cast(Callable[[Problem], Any], variant)
    raise TypeError(f"stream operation {op.operation_id} has no event that carries a Problem")


# RFC 8259: JSON exchanged between systems is UTF-8; msgspec checks strings as it decodes.
_NOT_UTF8 = "The body is not well-formed JSON: it is not valid UTF-8."

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
    except UnicodeDecodeError:
        raise InvalidBody(_NOT_UTF8) from None
    except RecursionError:
        error = FieldError(location="$", message="Nested too deeply")
        raise ValidationFailed("The body is nested too deeply.", errors=[error]) from None
    except msgspec.ValidationError as exc:
        error = field_error(str(exc))
        raise ValidationFailed(f"{error.message} at {error.location}", errors=[error]) from None
    except msgspec.DecodeError as exc:  # the fast decoder stopped at the float, before this
        raise InvalidBody(f"The body is not well-formed JSON: {exc}") from None


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
