"""`Client` and `AsyncClient`: one method per operationId of the contract."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from . import _config, _retries
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    StreamspecError,
    parse_retry_after,
    status_error,
)
from ._generated.models import ChatMessage, ChatResponse, Health
from ._generated_streams import STREAM_CHAT, StreamChatDelta, StreamChatEvent
from ._streaming import AsyncStream, Stream
from ._types import MessageParam

__all__ = ["AsyncChatStream", "AsyncClient", "ChatStream", "Client"]

__version__ = "0.1.0"

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
_ModelT = TypeVar("_ModelT")


class ChatStream(Stream[StreamChatEvent]):
    """The events of `Client.stream_chat`."""

    def text(self) -> str:
        """Read the rest of the stream; return the concatenated `delta` contents."""
        return "".join(event.data.content for event in self if isinstance(event, StreamChatDelta))


class AsyncChatStream(AsyncStream[StreamChatEvent]):
    """The events of `AsyncClient.stream_chat`."""

    async def text(self) -> str:
        """Read the rest of the stream; return the concatenated `delta` contents."""
        return "".join([e.data.content async for e in self if isinstance(e, StreamChatDelta)])


class _BaseClient:
    def __init__(
        self,
        base_url: str | httpx.URL | None,
        api_key: str | None,
        timeout: float | httpx.Timeout,
        max_retries: int,
    ) -> None:
        base_url = _config.resolve_base_url(base_url)
        api_key = _config.resolve_api_key(api_key)
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        try:
            url = httpx.URL(base_url)
        except httpx.InvalidURL as error:
            raise ValueError(f"invalid base_url {str(base_url)!r}: {error}") from None
        if url.scheme not in ("http", "https"):
            raise ValueError(f"base_url must be an http(s) URL, got {str(base_url)!r}")
        self.base_url = url
        self.api_key = api_key
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.max_retries = max_retries

    def _headers(self, *, stream: bool) -> dict[str, str]:
        headers = {"User-Agent": f"streamspec-client/{__version__}"}
        headers["Accept"] = "text/event-stream" if stream else "application/json"
        if self.api_key is not None:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _url(self, path: str) -> str:
        return str(self.base_url).rstrip("/") + path

    def _retry_delay(self, error: StreamspecError, retries_done: int) -> float | None:
        """Seconds to wait before retrying after `error`, or None when it is final."""
        if retries_done >= self.max_retries:
            return None
        if isinstance(error, APIStatusError):
            if error.status_code not in _retries.RETRYABLE_STATUSES:
                return None
            return _retries.backoff_delay(retries_done, parse_retry_after(error.response))
        if isinstance(error, APIConnectionError):
            return _retries.backoff_delay(retries_done, None)
        return None


def chat_body(
    messages: Sequence[ChatMessage | MessageParam],
    model: str | None,
    temperature: float | None,
    max_tokens: int | None,
) -> dict[str, Any]:
    if isinstance(messages, str | bytes | Mapping):
        raise TypeError("messages must be a sequence of messages, not a single one")
    body: dict[str, Any] = {
        "messages": [m.to_dict() if isinstance(m, ChatMessage) else dict(m) for m in messages]
    }
    optional = {"model": model, "temperature": temperature, "max_tokens": max_tokens}
    body.update({name: value for name, value in optional.items() if value is not None})
    return body


def _transport_error(error: httpx.HTTPError, request: httpx.Request) -> APIConnectionError:
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"request timed out: {error}", request=request)
    return APIConnectionError(f"connection error: {error}", request=request)


def _parse(response: httpx.Response, parse: Callable[[Any], _ModelT]) -> _ModelT:
    try:
        return parse(response.json())
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        message = f"response does not match the contract: {error!r}"
        raise APIResponseValidationError(message, response=response) from error


class Client(_BaseClient):
    """The Streamspec API, synchronously. Close it, or use it in `with`.

    `base_url` and `api_key` default to `STREAMSPEC_BASE_URL` and
    `STREAMSPEC_API_KEY`. `max_retries` bounds the retries of connection
    errors and of 429, 502, 503 and 504, with exponential backoff that
    honours `Retry-After`.
    Pass `http_client` to bring your own transport, proxies or limits; it is
    then yours to close.
    """

    def __init__(
        self,
        base_url: str | httpx.URL | None = None,
        *,
        api_key: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(base_url, api_key, timeout, max_retries)
        self._owns_http_client = http_client is None
        self._http = http_client if http_client is not None else httpx.Client()

    def close(self) -> None:
        if self._owns_http_client:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def get_health(self) -> Health:
        """Report liveness and what the server runs on."""
        response = self._send("GET", "/health", None, stream=False)
        return _parse(response, Health.from_dict)

    def create_chat(
        self,
        *,
        messages: Sequence[ChatMessage | MessageParam],
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> ChatResponse:
        """Complete a chat in one JSON response."""
        body = chat_body(messages, model, temperature, max_tokens)
        response = self._send("POST", "/api/chat", body, stream=False)
        return _parse(response, ChatResponse.from_dict)

    def stream_chat(
        self,
        *,
        messages: Sequence[ChatMessage | MessageParam],
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> ChatStream:
        """Stream a chat reply token by token: `with client.stream_chat(...) as stream:`.

        The stream yields `StreamChatDelta` events, then one `StreamChatDone`.
        An `error` event raises `StreamError` instead of being yielded.
        """
        body = chat_body(messages, model, temperature, max_tokens)
        return ChatStream(
            lambda: self._send(STREAM_CHAT.http_method, STREAM_CHAT.path, body, stream=True),
            STREAM_CHAT,
        )

    def _send(
        self, method: str, path: str, body: dict[str, Any] | None, *, stream: bool
    ) -> httpx.Response:
        """Send with retries; return a 2xx response (unread if `stream`), or raise typed."""
        headers = self._headers(stream=stream)
        url = self._url(path)
        request = self._http.build_request(
            method, url, json=body, headers=headers, timeout=self.timeout
        )
        retries_done = 0
        while True:
            error: StreamspecError
            try:
                response = self._http.send(request, stream=True)
            except httpx.HTTPError as cause:
                error = _transport_error(cause, request)
                error.__cause__ = cause
            else:
                if response.is_success and stream:
                    return response
                try:
                    response.read()
                except httpx.HTTPError as cause:
                    error = _transport_error(cause, request)
                    error.__cause__ = cause
                else:
                    if response.is_success:
                        return response
                    error = status_error(response)
                finally:
                    response.close()
            delay = self._retry_delay(error, retries_done)
            if delay is None:
                raise error
            _retries.sleep(delay)
            retries_done += 1


class AsyncClient(_BaseClient):
    """The async mirror of `Client`: the same methods, awaited; `async with` a stream."""

    def __init__(
        self,
        base_url: str | httpx.URL | None = None,
        *,
        api_key: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(base_url, api_key, timeout, max_retries)
        self._owns_http_client = http_client is None
        self._http = http_client if http_client is not None else httpx.AsyncClient()

    async def close(self) -> None:
        if self._owns_http_client:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def get_health(self) -> Health:
        """Report liveness and what the server runs on."""
        response = await self._send("GET", "/health", None, stream=False)
        return _parse(response, Health.from_dict)

    async def create_chat(
        self,
        *,
        messages: Sequence[ChatMessage | MessageParam],
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> ChatResponse:
        """Complete a chat in one JSON response."""
        body = chat_body(messages, model, temperature, max_tokens)
        response = await self._send("POST", "/api/chat", body, stream=False)
        return _parse(response, ChatResponse.from_dict)

    def stream_chat(
        self,
        *,
        messages: Sequence[ChatMessage | MessageParam],
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> AsyncChatStream:
        """Stream a chat reply: `async with client.stream_chat(...) as stream:`.

        The stream yields `StreamChatDelta` events, then one `StreamChatDone`.
        An `error` event raises `StreamError` instead of being yielded.
        """
        body = chat_body(messages, model, temperature, max_tokens)
        return AsyncChatStream(
            lambda: self._send(STREAM_CHAT.http_method, STREAM_CHAT.path, body, stream=True),
            STREAM_CHAT,
        )

    async def _send(
        self, method: str, path: str, body: dict[str, Any] | None, *, stream: bool
    ) -> httpx.Response:
        headers = self._headers(stream=stream)
        url = self._url(path)
        request = self._http.build_request(
            method, url, json=body, headers=headers, timeout=self.timeout
        )
        retries_done = 0
        while True:
            error: StreamspecError
            try:
                response = await self._http.send(request, stream=True)
            except httpx.HTTPError as cause:
                error = _transport_error(cause, request)
                error.__cause__ = cause
            else:
                if response.is_success and stream:
                    return response
                try:
                    await response.aread()
                except httpx.HTTPError as cause:
                    error = _transport_error(cause, request)
                    error.__cause__ = cause
                else:
                    if response.is_success:
                        return response
                    error = status_error(response)
                finally:
                    await response.aclose()
            delay = self._retry_delay(error, retries_done)
            if delay is None:
                raise error
            await _retries.async_sleep(delay)
            retries_done += 1
