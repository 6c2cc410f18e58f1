"""Server-Sent Events to typed events: the one place that reads a stream.

httpx-sse splits the body per WHATWG (CRLF, CR or LF line ends, `:` comments,
multi-line `data`, `id`, `retry`). Each event is then decoded by the
generated table of its operation. Events the SDK does not know (a newer
server's) are skipped.

The contract names how each stream ends: with its end event (yielded), with a
data-only stream's sentinel such as `[DONE]` (not yielded), or with an error
event, which raises `StreamError` instead of being yielded. A body that ends
before any of them raises `StreamTruncatedError`, so neither a failed nor a
cut-off stream can pass for a finished one. A stream whose contract names no
end simply ends with its body. Iteration stops at the terminal event: nothing after it is
read or yielded (the server closes the stream there). The response is closed
in `finally`, however iteration ends.
"""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Mapping,
)
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import httpx
import msgspec
from httpx_sse import EventSource, ServerSentEvent, SSEError

from ._exceptions import (
    REQUEST_ID_HEADER,
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    StreamError,
    StreamTruncatedError,
)

__all__ = ["AsyncStream", "Stream", "StreamOperation"]

EventT = TypeVar("EventT")


@dataclass(frozen=True, slots=True)
class StreamOperation(Generic[EventT]):
    """A streamed operation, as the generated client describes it."""

    operation_id: str
    http_method: str
    path: str
    # Event name -> a function from the event's data to its typed event.
    decoders: Mapping[str, Callable[[str], EventT]]
    # Events whose data is an error body: the stream ends with a StreamError.
    error_events: frozenset[str]
    # The event that ends the stream normally; it is yielded.
    end_event: str | None
    # A data-only stream's closing data, e.g. [DONE]; it is not yielded.
    end_sentinel: str | None
    decode_error: Callable[[str | bytes], Any] | None


def terminal_events(operation: StreamOperation[Any]) -> frozenset[str]:
    """The events that end a stream of `operation`: its end event and its error events."""
    ends = {operation.end_event} if operation.end_event is not None else set()
    return operation.error_events | ends


def has_end(operation: StreamOperation[Any]) -> bool:
    """Whether the contract says how the stream ends, so that a cut can be told from an end."""
    return operation.end_event is not None or operation.end_sentinel is not None


def truncated_error(
    operation: StreamOperation[Any], response: httpx.Response
) -> StreamTruncatedError:
    request_id = response.headers.get(REQUEST_ID_HEADER)
    ends = sorted(terminal_events(operation))
    if operation.end_sentinel is not None:
        ends.append(operation.end_sentinel)
    ending = " or ".join(f"`{name}`" for name in ends)
    message = (
        f"the {operation.operation_id} stream closed before its {ending} event:"
        f" the reply is incomplete (request id {request_id or 'unknown'})"
    )
    return StreamTruncatedError(message, response=response)


def decode_event(
    operation: StreamOperation[EventT], sse: ServerSentEvent, response: httpx.Response
) -> EventT | None:
    decoder = operation.decoders.get(sse.event)
    is_error = sse.event in operation.error_events
    # WHATWG dispatches no event without data; httpx-sse does, for `id:`/`retry:`-only blocks.
    if (decoder is None and not is_error) or not sse.data:
        return None
    try:
        if is_error:
            assert operation.decode_error is not None  # the generator names one with the event
            problem = operation.decode_error(sse.data)
        else:
            assert decoder is not None
            return decoder(sse.data)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        message = f"malformed {sse.event!r} event in {operation.operation_id}: {error!r}"
        raise APIResponseValidationError(message, response=response) from error
    raise StreamError(problem, response=response)


def _transport_error(error: httpx.HTTPError, request: httpx.Request) -> APIConnectionError:
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"stream timed out: {error}", request=request)
    return APIConnectionError(f"stream broke off: {error}", request=request)


class Stream(Generic[EventT]):
    """The typed events of one streamed response. Use it in `with`; iterate it once.

    The request is sent (and retried) on `__enter__` or on the first `next()`,
    whichever comes first, so a stream that is never entered costs nothing.
    """

    def __init__(
        self, open_response: Callable[[], httpx.Response], operation: StreamOperation[EventT]
    ) -> None:
        self._open_response = open_response
        self._operation = operation
        self._response: httpx.Response | None = None
        self._events: Generator[EventT] | None = None
        self._closed = False

    @property
    def response(self) -> httpx.Response:
        """The 200 response whose body is being read; sends the request if not yet sent."""
        if self._response is None:
            if self._closed:
                raise RuntimeError("the stream is closed")
            self._response = self._open_response()
        return self._response

    @property
    def request_id(self) -> str | None:
        request_id: str | None = self.response.headers.get(REQUEST_ID_HEADER)
        return request_id

    def __enter__(self) -> Self:
        self.response  # noqa: B018 (sends the request, raising its error here)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[EventT]:
        return self

    def __next__(self) -> EventT:
        if self._events is None:
            self._events = self._iterate(self.response)
        return next(self._events)

    def _iterate(self, response: httpx.Response) -> Generator[EventT]:
        terminal = terminal_events(self._operation)
        try:
            for sse in EventSource(response).iter_sse():
                if sse.data == self._operation.end_sentinel:
                    return
                event = decode_event(self._operation, sse, response)
                if event is None:
                    continue
                yield event
                if sse.event in terminal:
                    return  # anything after the terminal event is neither read nor yielded
        except SSEError as error:
            raise APIResponseValidationError(str(error), response=response) from error
        except httpx.HTTPError as error:
            raise _transport_error(error, response.request) from error
        else:
            if has_end(self._operation):
                raise truncated_error(self._operation, response)
        finally:
            response.close()

    def close(self) -> None:
        """Stop reading and release the connection. Safe to call more than once."""
        self._closed = True
        if self._events is not None:
            self._events.close()
        if self._response is not None:
            self._response.close()


class AsyncStream(Generic[EventT]):
    """The async mirror of `Stream`: `async with` it, `async for` over it."""

    def __init__(
        self,
        open_response: Callable[[], Awaitable[httpx.Response]],
        operation: StreamOperation[EventT],
    ) -> None:
        self._open_response = open_response
        self._operation = operation
        self._response: httpx.Response | None = None
        self._events: AsyncGenerator[EventT] | None = None
        self._closed = False

    async def open(self) -> httpx.Response:
        """Send the request if not yet sent; return the 200 response being read."""
        if self._response is None:
            if self._closed:
                raise RuntimeError("the stream is closed")
            self._response = await self._open_response()
        return self._response

    @property
    def response(self) -> httpx.Response:
        if self._response is None:
            raise RuntimeError("the stream is not open yet: use `async with` first")
        return self._response

    @property
    def request_id(self) -> str | None:
        request_id: str | None = self.response.headers.get(REQUEST_ID_HEADER)
        return request_id

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def __aiter__(self) -> AsyncIterator[EventT]:
        return self

    async def __anext__(self) -> EventT:
        if self._events is None:
            self._events = self._iterate(await self.open())
        return await anext(self._events)

    async def _iterate(self, response: httpx.Response) -> AsyncGenerator[EventT]:
        terminal = terminal_events(self._operation)
        try:
            async for sse in EventSource(response).aiter_sse():
                if sse.data == self._operation.end_sentinel:
                    return
                event = decode_event(self._operation, sse, response)
                if event is None:
                    continue
                yield event
                if sse.event in terminal:
                    return  # anything after the terminal event is neither read nor yielded
        except SSEError as error:
            raise APIResponseValidationError(str(error), response=response) from error
        except httpx.HTTPError as error:
            raise _transport_error(error, response.request) from error
        else:
            if has_end(self._operation):
                raise truncated_error(self._operation, response)
        finally:
            await response.aclose()

    async def close(self) -> None:
        self._closed = True
        if self._events is not None:
            await self._events.aclose()
        if self._response is not None:
            await self._response.aclose()
