"""The runtime under the generated `Client` and `AsyncClient`: transport, retries, errors.

It names no operation and no schema of the contract. The generated clients call
`_request` with an `Endpoint` (where to send, how to read the answer) or `_stream`
with a `StreamOperation`, and the arguments sorted into path, query, header and body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from urllib.parse import quote

import httpx
import msgspec

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
from ._streaming import AsyncStream, Stream, StreamOperation

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "AsyncAPIClient",
    "Endpoint",
    "SyncAPIClient",
    "__version__",
    "header",
    "unexpected_status",
]

__version__ = "0.1.0"

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_MAX_RETRIES = 2
_AnswerT = TypeVar("_AnswerT")
_EventT = TypeVar("_EventT")
_ValueT = TypeVar("_ValueT")
_PATH_PARAMETER = re.compile(r"\{([^}]+)\}")
Arguments = Mapping[str, Any] | None


@dataclass(frozen=True, slots=True)
class Endpoint(Generic[_AnswerT]):
    """A JSON operation: where its request goes, and how its 2xx answer is read."""

    operation_id: str
    http_method: str
    path: str
    read_answer: Callable[[httpx.Response], _AnswerT]
    # Decodes the operation's error bodies; None where the contract documents none.
    read_error: Callable[[bytes], Any] | None


def header(response: httpx.Response, name: str, kind: type[_ValueT], *, required: bool) -> Any:
    """A documented answer header as its contract type; None when optional and absent."""
    value = response.headers.get(name)
    if value is None:
        if required:
            raise KeyError(f"the answer has no {name} header")
        return None
    if kind is bool:
        return value.lower() == "true"
    return kind(value)  # type: ignore[call-arg]


def unexpected_status(response: httpx.Response) -> APIResponseValidationError:
    message = f"status {response.status_code} is none of the operation's documented answers"
    return APIResponseValidationError(message, response=response)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _given(arguments: Arguments) -> dict[str, Any]:
    return {k: _plain(v) for k, v in (arguments or {}).items() if v is not None}


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

    def _headers(self, extra: Arguments, *, stream: bool) -> dict[str, str]:
        headers = {"User-Agent": f"streamspec-client/{__version__}"}
        headers["Accept"] = "text/event-stream" if stream else "application/json"
        if self.api_key is not None:
            headers["Authorization"] = f"Bearer {self.api_key}"
        for name, value in _given(extra).items():
            headers[name] = "true" if value is True else "false" if value is False else str(value)
        return headers

    def _url(self, template: str, path: Arguments) -> str:
        values = _given(path)

        def substitute(match: re.Match[str]) -> str:
            return quote(str(values[match[1]]), safe="")

        return str(self.base_url).rstrip("/") + _PATH_PARAMETER.sub(substitute, template)

    def _build(
        self,
        http: httpx.Client | httpx.AsyncClient,
        method: str,
        template: str,
        *,
        path: Arguments,
        query: Arguments,
        headers: Arguments,
        body: Any,
        stream: bool,
    ) -> httpx.Request:
        request_headers = self._headers(headers, stream=stream)
        content = None
        if body is not None:
            content = msgspec.json.encode(_given(body) if isinstance(body, Mapping) else body)
            request_headers["Content-Type"] = "application/json"
        return http.build_request(
            method,
            self._url(template, path),
            params=_given(query),
            content=content,
            headers=request_headers,
            timeout=self.timeout,
        )

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

    def _status_error(
        self, response: httpx.Response, read_error: Callable[[bytes], Any] | None
    ) -> APIStatusError:
        return status_error(response, read_error)


def _transport_error(error: httpx.HTTPError, request: httpx.Request) -> APIConnectionError:
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"request timed out: {error}", request=request)
    return APIConnectionError(f"connection error: {error}", request=request)


def _read_answer(endpoint: Endpoint[_AnswerT], response: httpx.Response) -> _AnswerT:
    try:
        return endpoint.read_answer(response)
    except (msgspec.ValidationError, msgspec.DecodeError, KeyError, ValueError) as error:
        message = f"{endpoint.operation_id}: the answer does not match the contract: {error}"
        raise APIResponseValidationError(message, response=response) from error


class SyncAPIClient(_BaseClient):
    """What `Client` stands on. Close it, or use it in `with`.

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
        max_retries: int = DEFAULT_MAX_RETRIES,
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

    def _request(
        self,
        endpoint: Endpoint[_AnswerT],
        *,
        path: Arguments,
        query: Arguments,
        headers: Arguments,
        body: Any = None,
    ) -> _AnswerT:
        request = self._build(
            self._http, endpoint.http_method, endpoint.path,
            path=path, query=query, headers=headers, body=body, stream=False,
        )  # fmt: skip
        return _read_answer(endpoint, self._send(request, endpoint.read_error, stream=False))

    def _stream(
        self,
        operation: StreamOperation[_EventT],
        *,
        path: Arguments,
        query: Arguments,
        headers: Arguments,
        body: Any = None,
    ) -> Stream[_EventT]:
        request = self._build(
            self._http, operation.http_method, operation.path,
            path=path, query=query, headers=headers, body=body, stream=True,
        )  # fmt: skip
        return Stream(lambda: self._send(request, operation.decode_error, stream=True), operation)

    def _send(
        self, request: httpx.Request, read_error: Callable[[bytes], Any] | None, *, stream: bool
    ) -> httpx.Response:
        """Send with retries; return a 2xx response (unread if `stream`), or raise typed."""
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
                    error = self._status_error(response, read_error)
                finally:
                    response.close()
            delay = self._retry_delay(error, retries_done)
            if delay is None:
                raise error
            _retries.sleep(delay)
            retries_done += 1


class AsyncAPIClient(_BaseClient):
    """What `AsyncClient` stands on: the same as `SyncAPIClient`, awaited."""

    def __init__(
        self,
        base_url: str | httpx.URL | None = None,
        *,
        api_key: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
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

    async def _request(
        self,
        endpoint: Endpoint[_AnswerT],
        *,
        path: Arguments,
        query: Arguments,
        headers: Arguments,
        body: Any = None,
    ) -> _AnswerT:
        request = self._build(
            self._http, endpoint.http_method, endpoint.path,
            path=path, query=query, headers=headers, body=body, stream=False,
        )  # fmt: skip
        response = await self._send(request, endpoint.read_error, stream=False)
        return _read_answer(endpoint, response)

    def _stream(
        self,
        operation: StreamOperation[_EventT],
        *,
        path: Arguments,
        query: Arguments,
        headers: Arguments,
        body: Any = None,
    ) -> AsyncStream[_EventT]:
        request = self._build(
            self._http, operation.http_method, operation.path,
            path=path, query=query, headers=headers, body=body, stream=True,
        )  # fmt: skip
        return AsyncStream(
            lambda: self._send(request, operation.decode_error, stream=True), operation
        )

    async def _send(
        self, request: httpx.Request, read_error: Callable[[bytes], Any] | None, *, stream: bool
    ) -> httpx.Response:
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
                    error = self._status_error(response, read_error)
                finally:
                    await response.aclose()
            delay = self._retry_delay(error, retries_done)
            if delay is None:
                raise error
            await _retries.async_sleep(delay)
            retries_done += 1
