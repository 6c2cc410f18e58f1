"""Binds the generated operation table to an implementation: one Litestar route per path.

Litestar's router routes every operation, resolves its path parameters and
answers unknown paths; its middleware and plugins see every operation. Each
route is a Litestar ASGI route handler rather than an HTTP one: the hot path
reads the body, admits the caller, decodes with the generated msgspec types and
writes the answer itself, so that every failure becomes our problem shape with
a JSON path or a parameter's location, and streams can fail as an HTTP error
before their first event and as an `error` event after it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import msgspec
from litestar.handlers import ASGIRouteHandler
from litestar.types import ExceptionHandlersMap, HTTPScope, Message, Receive, Scope, Send

from streamspec._generated.models import FieldError
from streamspec._generated.operations import OPERATIONS, Answer, Operation, Operations
from streamspec.admission import Admission
from streamspec.asgi import Headers, aclose, discard_body, encode_headers, header, send_body
from streamspec.body_headers import require_json_body
from streamspec.error_bodies import ErrorBody, error_body_for, error_model_for
from streamspec.errors import (
    ClientDisconnected,
    ContentTooLarge,
    IncompleteBody,
    InvalidBody,
    MethodNotAllowed,
    RequestTimeout,
    UnsupportedMediaType,
    ValidationFailed,
)
from streamspec.interrupts import Interrupt
from streamspec.request_id import REQUEST_ID_KEY, request_id_for
from streamspec.settings import Settings
from streamspec.shutdown import Shutdown
from streamspec.streaming import EventStream, cancel_on_disconnect

__all__ = ["Limits", "MissingOperationHandlers", "litestar_path", "operation_route_handlers"]

logger = logging.getLogger("streamspec.routing")
_encoder = msgspec.json.Encoder()
_AT = re.compile(r"^(?P<message>.*) - at `(?P<location>[^`]*)`$", re.DOTALL)
_NAMED_FIELD = re.compile(r"^Object (?:contains unknown|missing required) field `(?P<name>[^`]*)`$")
_PATH_PARAMETER = re.compile(r"\{([^}:]+)\}")
# For refusals that leave the rest of the body unread: the connection cannot be reused.
_CLOSE = {"Connection": "close"}
_NOTHING_HELD = nullcontext()


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


def litestar_path(path: str) -> str:
    """The contract's `/models/{model_id}` as Litestar writes it: `/models/{model_id:str}`.

    Every path parameter is routed as a string and validated against the contract
    by the operation, so that a bad value is a 422 naming it rather than a 404.
    """
    return _PATH_PARAMETER.sub(r"{\1:str}", path)


def operation_route_handlers(
    implementation: Operations,
    *,
    admission: Admission | None = None,
    limits: Limits | None = None,
    shutdown: Shutdown | None = None,
    operations: Iterable[Operation] = OPERATIONS,
) -> list[ASGIRouteHandler]:
    """One route per path of the contract, answering each method it documents."""
    operations = tuple(operations)
    missing = [op.operation_id for op in operations if _handler(implementation, op) is None]
    if missing:
        raise MissingOperationHandlers(missing)
    limits = limits or Limits.from_settings(Settings())
    by_path: dict[str, dict[str, _Endpoint]] = {}
    for op in operations:
        method = _handler(implementation, op)
        assert method is not None
        endpoint = _Endpoint(op, method, admission, limits, shutdown)
        by_path.setdefault(op.path, {})[op.http_method] = endpoint
    handlers: list[ASGIRouteHandler] = []
    for path, endpoints in by_path.items():
        route = _Route(path, endpoints, limits)
        handlers.append(
            OperationRouteHandler(
                litestar_path(path),
                name=" ".join(e.operation_id for e in endpoints.values()),
                opt={"operations": {m: e.operation_id for m, e in endpoints.items()}},
                copy_scope=False,
            )(route.as_function())
        )
    return handlers


class OperationRouteHandler(ASGIRouteHandler):
    """Litestar's ASGI route handler, remembering its exception handlers.

    Litestar's router asks each routed request's handler for them, and the base class
    walks its owners and merges their maps every time (measured: about 1 us a request).
    They are fixed once the app is built, so the first answer is kept.
    """

    __slots__ = ("_exception_handlers",)

    def resolve_exception_handlers(self) -> ExceptionHandlersMap:
        try:
            return self._exception_handlers
        except AttributeError:
            self._exception_handlers: ExceptionHandlersMap = super().resolve_exception_handlers()
            return self._exception_handlers


def _handler(implementation: Operations, op: Operation) -> Callable[..., Any] | None:
    found: Callable[..., Any] | None = getattr(implementation, op.method_name, None)
    if not callable(found):
        return None
    # What a subclass of the generated Protocol inherits is its stub, not a handler.
    if getattr(found, "__func__", None) is getattr(Operations, op.method_name, None):
        return None
    return found


class _Route:
    """The operations of one path, by method; HEAD answers as GET does, without the body."""

    def __init__(self, path: str, endpoints: dict[str, _Endpoint], limits: Limits) -> None:
        self._path = path
        self._limits = limits
        self._endpoints = dict(endpoints)
        if "GET" in endpoints and "HEAD" not in endpoints:
            self._head: _Endpoint | None = endpoints["GET"]
        else:
            self._head = None
        allowed = sorted({*endpoints, *(["HEAD"] if self._head else [])})
        self._allow = ", ".join(allowed)
        self._error_body = next(iter(endpoints.values())).error_body

    def as_function(self) -> Callable[[HTTPScope, Receive, Send], Any]:
        endpoints = self._endpoints

        async def route(scope: HTTPScope, receive: Receive, send: Send) -> None:
            endpoint = endpoints.get(scope["method"])
            if endpoint is not None:
                await endpoint(scope, receive, send)
            else:
                await self._other_method(scope, receive, send)

        return route

    async def _other_method(self, scope: HTTPScope, receive: Receive, send: Send) -> None:
        if scope["method"] == "HEAD" and self._head is not None:
            await self._head(scope, receive, _without_body(send))
            return
        refusal = MethodNotAllowed(
            f"{self._path} answers {self._allow}.", headers={"Allow": self._allow}
        )
        # A refusal still reads the body (up to the cap), so the connection stays usable.
        if await discard_body(receive, self._limits.max_body_bytes, self._limits.body_timeout):
            await _send_error(send, self._error_body, refusal, request_id_for(scope), [])


def _without_body(send: Send) -> Send:
    async def send_head(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return send_head


async def _send_error(
    send: Send, error_body: ErrorBody, exc: Exception, request_id: str, headers: Headers
) -> None:
    status, body, media_type, extra = error_body(exc, request_id)
    await send_body(
        send,
        status,
        body,
        media_type,
        [(REQUEST_ID_KEY, request_id.encode()), *headers, *encode_headers(extra)],
    )


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
        self.operation_id = op.operation_id
        self._method = method
        self._admission = admission if op.secured else None
        self._limits = limits
        self._shutdown = shutdown
        self._stream = op.stream
        self._json_or_stream = op.json_or_stream
        self._raw_body = op.raw_body
        self.error_body = error_body_for(op.error_type, op.operation_id)
        self._error_event = _error_event_for(op)
        self._parameters = _Parameters(op) if op.parameters is not None else None
        self._decoder: msgspec.json.Decoder[Any] | None = (
            msgspec.json.Decoder(op.request_type) if op.request_type is not None else None
        )
        self._answers = {a.answer_class: a for a in op.answers if a.answer_class is not None}
        self._answer = op.answers[0]
        self._media_type = (self._answer.media_type or "").encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = request_id_for(scope)
        headers: Headers = [(REQUEST_ID_KEY, request_id.encode())]
        task = asyncio.current_task()
        assert task is not None
        # A refusal before the body is read still reads it (up to the cap), so the
        # connection stays usable: servers close one whose request body was left unread.
        body_unread = self._decoder is not None
        # A stream's slot is held until the stream ends; other answers need no stack
        # (measured: an ExitStack is 0.45 us a request more than a nullcontext).
        with ExitStack() if self._stream is not None else _NOTHING_HELD as held:
            # Everything up to the answer's first byte may still fail as a problem.
            try:
                caller = ""
                if self._admission is not None:
                    caller, quota = await self._admission.admit(scope)
                    headers += quota
                kwargs = self._parameters.read(scope) if self._parameters is not None else {}
                if self._decoder is not None:
                    optional = self._check_declared_body(scope)
                    body_unread = False
                    kwargs["body"], raw = await self._read_body(scope, receive, task, optional)
                    if self._raw_body:
                        kwargs["raw_body"] = raw
                stream: EventStream | None = None
                if self._stream is not None and not self._json_or_stream:
                    if self._admission is not None:
                        assert held is not None
                        held.enter_context(self._admission.stream_slot(caller))
                    stream = await self._open_stream(receive, task, self._method(**kwargs), headers)
                else:
                    result = await cancel_on_disconnect(
                        receive, self._method(**kwargs), task, self._shutdown
                    )
                    if self._json_or_stream and hasattr(result, "__anext__"):
                        assert held is not None
                        stream = await self._open_chosen_stream(
                            receive, task, result, headers, held, caller
                        )
                    else:
                        status, body, media_type = self._encode_answer(result, headers)
            except ClientDisconnected:
                logger.info("client left before the answer; upstream request cancelled")
                return
            except Exception as exc:
                if body_unread and not await discard_body(
                    receive, self._limits.max_body_bytes, self._limits.body_timeout
                ):
                    return  # the client left: nobody to answer
                await _send_error(send, self.error_body, exc, request_id, headers[1:])
                return
            if stream is not None:
                await stream(scope, receive, send)
            elif media_type is None:
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                await send_body(send, status, body, media_type, headers)

    def _encode_answer(self, result: Any, headers: Headers) -> tuple[int, bytes, bytes | None]:
        """The status, body and media type of what the handler returned; adds its headers."""
        if not self._answers:
            if self._answer.media_type is None:
                return self._answer.status, b"", None
            return self._answer.status, _encoder.encode(result), self._media_type
        answer: Answer | None = self._answers.get(type(result))
        if answer is None:
            raise TypeError(
                f"{self.operation_id} returned {type(result).__name__}, none of its answers"
            )
        for field, name in answer.headers:
            value = getattr(result, field)
            if value is not None:
                headers.append((name, _header_value(value)))
        if answer.media_type is None:
            return answer.status, b"", None
        return answer.status, _encoder.encode(result.body), answer.media_type.encode()

    async def _open_chosen_stream(
        self,
        receive: Receive,
        task: asyncio.Task[Any],
        events: AsyncIterator[Any],
        headers: Headers,
        held: ExitStack,
        caller: str,
    ) -> EventStream:
        """The stream a handler answered with where JSON was the other choice."""
        if self._admission is not None:
            try:
                held.enter_context(self._admission.stream_slot(caller))
            except BaseException:
                await aclose(events)
                raise
        return await self._open_stream(receive, task, events, headers)

    async def _open_stream(
        self,
        receive: Receive,
        task: asyncio.Task[Any],
        events: AsyncIterator[Any],
        headers: Headers,
    ) -> EventStream:
        assert self._stream is not None
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
            end=self._stream.end,
        )

    def _check_declared_body(self, scope: Scope) -> bool:
        """Refuse what the head says of the body; True when an optional body may be absent."""
        optional = not self._op.body_required and header(scope, b"content-type") is None
        if not optional:
            require_json_body(scope)
        cap = self._limits.max_body_bytes
        declared = header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise ContentTooLarge(f"The body is over the limit of {cap} bytes.", headers=_CLOSE)
        return optional

    async def _read_body(
        self, scope: Scope, receive: Receive, task: asyncio.Task[Any], optional: bool
    ) -> tuple[Any, bytes]:
        """The decoded body, and its bytes."""
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
        if optional:
            if not raw:
                return None, raw
            raise UnsupportedMediaType("The body must be application/json.")
        assert self._decoder is not None
        try:
            return self._decoder.decode(raw), raw
        except msgspec.ValidationError as exc:
            if _INTEGRAL_FLOAT.search(str(exc)):
                return _decode_with_integral_floats(raw, self._op.request_type), raw
            error = field_error(str(exc))
            raise ValidationFailed(f"{error.message} at {error.location}", errors=[error]) from None
        except msgspec.DecodeError as exc:
            raise InvalidBody(f"The body is not well-formed JSON: {exc}") from None
        except UnicodeDecodeError:
            raise InvalidBody(_NOT_UTF8) from None


def _error_event_for(op: Operation) -> Callable[[Exception, str], Any] | None:
    """How a failure after a stream's first event becomes its error event, if it has one."""
    error_class = op.stream.error_event if op.stream is not None else None
    if error_class is None:
        return None
    model = error_model_for(op.error_type, op.operation_id)

    def error_event(exc: Exception, request_id: str) -> Any:
        return error_class(data=model(exc, request_id))

    return error_event


class _Parameters:
    """An operation's path, query and header parameters, validated against the contract."""

    def __init__(self, op: Operation) -> None:
        assert op.parameters is not None
        self._type = op.parameters
        self._sources = [(p, p.name.encode()) for p in op.parameter_sources]
        self._queried = any(p.location == "query" for p in op.parameter_sources)
        self._fields = [p.field for p in op.parameter_sources]
        self._locations = {p.field: f"{p.location}.{p.name}" for p in op.parameter_sources}

    def read(self, scope: Scope) -> dict[str, Any]:
        """The handler's keyword arguments; raises ValidationFailed naming a bad one."""
        raw: dict[str, Any] = {}
        query = self._query(scope) if self._queried else {}
        for source, name in self._sources:
            if source.location == "path":
                raw[source.field] = scope["path_params"][source.name]
            elif source.location == "query":
                values = query.get(source.name)
                if values:
                    raw[source.field] = values if source.array else values[0]
            else:
                value = header(scope, name)
                if value is not None:
                    raw[source.field] = value.decode("latin-1")
        try:
            parameters = msgspec.convert(raw, self._type, strict=False)
        except msgspec.ValidationError as exc:
            error = self._located(field_error(str(exc)))
            raise ValidationFailed(f"{error.message} at {error.location}", errors=[error]) from None
        return {field: getattr(parameters, field) for field in self._fields}

    def _query(self, scope: Scope) -> dict[str, list[str]]:
        try:
            return parse_qs(
                scope["query_string"].decode("ascii"),
                keep_blank_values=True,
                encoding="utf-8",
                errors="strict",
            )
        except UnicodeDecodeError:
            error = FieldError(location="query", message="The query string is not UTF-8")
            raise ValidationFailed(error.message, errors=[error]) from None

    def _located(self, error: FieldError) -> FieldError:
        """`$.limit` as the parameter's location, `query.limit`."""
        path = error.location.removeprefix("$.")
        field, bracket, rest = path.partition("[")
        location = self._locations.get(field, error.location)
        return FieldError(location=location + bracket + rest, message=error.message)


def _header_value(value: Any) -> bytes:
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if "\r" in text or "\n" in text:
        raise ValueError("a header value holds a line break")
    return text.encode("latin-1")


# RFC 8259: JSON exchanged between systems is UTF-8; msgspec checks strings as it decodes.
_NOT_UTF8 = "The body is not well-formed JSON: it is not valid UTF-8."

# JSON Schema's `integer` includes 2.0; msgspec's strict int (nullable or not) does not.
_INTEGRAL_FLOAT = re.compile(r"Expected `int[^`]*`, got `float`")


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
