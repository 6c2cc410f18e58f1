"""Every error the SDK raises. No httpx exception escapes it.

StreamspecError                      carries the request
 +-- APIStatusError                  an HTTP error status; .status_code, .problem, .request_id
 |    +-- BadRequestError            400 the body is not well-formed JSON
 |    +-- AuthenticationError        401 the API key is missing or unknown
 |    +-- PermissionDeniedError      403
 |    +-- NotFoundError              404
 |    +-- MethodNotAllowedError      405
 |    +-- RequestTimeoutError        408 the body reached the server too slowly
 |    +-- ContentTooLargeError       413 the body is over the server's limit
 |    +-- UnsupportedMediaTypeError  415
 |    +-- UnprocessableEntityError   422 the body breaks the schema; .problem.errors says where
 |    +-- RateLimitError             429 .retry_after
 |    +-- InternalServerError        500 and any other status >= 500 not listed here
 |    +-- UpstreamError              502 the provider failed
 |    +-- ServiceUnavailableError    503
 |    +-- GatewayTimeoutError        504 the provider did not answer in time
 +-- APIConnectionError              the request or the stream could not be carried
 |    +-- APITimeoutError
 |    +-- StreamTruncatedError        the stream closed before the end its contract names
 +-- APIResponseValidationError      a response or an event that breaks the contract
 +-- StreamError                     an error event ended a stream; .problem

`problem` is the error body as the contract's schema for it (`ErrorBody`) decodes it.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import msgspec

if TYPE_CHECKING:
    from ._generated.client import ErrorBody

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ContentTooLargeError",
    "GatewayTimeoutError",
    "InternalServerError",
    "MethodNotAllowedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServiceUnavailableError",
    "StreamError",
    "StreamTruncatedError",
    "StreamspecError",
    "UnprocessableEntityError",
    "UnsupportedMediaTypeError",
    "UpstreamError",
]

REQUEST_ID_HEADER = "X-Request-ID"


class StreamspecError(Exception):
    """The base of every error the SDK raises."""

    request: httpx.Request

    def __init__(self, message: str, *, request: httpx.Request) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APIStatusError(StreamspecError):
    """The server answered with an error status; `problem` is its RFC 9457 body, if readable."""

    status_code: int
    problem: ErrorBody | None
    request_id: str | None
    response: httpx.Response

    def __init__(
        self, message: str, *, response: httpx.Response, problem: ErrorBody | None
    ) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.status_code = response.status_code
        self.problem = problem
        self.request_id = response.headers.get(REQUEST_ID_HEADER)


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class MethodNotAllowedError(APIStatusError):
    pass


class RequestTimeoutError(APIStatusError):
    pass


class ContentTooLargeError(APIStatusError):
    pass


class UnsupportedMediaTypeError(APIStatusError):
    pass


class UnprocessableEntityError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    """429. `retry_after` is the server's `Retry-After`, in seconds, when it sent one."""

    retry_after: float | None

    def __init__(
        self, message: str, *, response: httpx.Response, problem: ErrorBody | None
    ) -> None:
        super().__init__(message, response=response, problem=problem)
        self.retry_after = parse_retry_after(response)


class InternalServerError(APIStatusError):
    pass


class UpstreamError(APIStatusError):
    pass


class ServiceUnavailableError(APIStatusError):
    pass


class GatewayTimeoutError(APIStatusError):
    pass


class APIConnectionError(StreamspecError):
    """The request did not get a response, or the stream broke off."""

    def __init__(self, message: str = "connection error", *, request: httpx.Request) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    def __init__(self, message: str = "request timed out", *, request: httpx.Request) -> None:
        super().__init__(message, request=request)


class StreamTruncatedError(APIConnectionError):
    """The stream closed cleanly before its terminal (`done` or `error`) event: the reply is cut.

    The events before it were yielded; nothing tells them apart from a complete reply except
    this error. The stream is not sent again (the server may already have acted on it).
    """

    request_id: str | None
    response: httpx.Response

    def __init__(self, message: str, *, response: httpx.Response) -> None:
        super().__init__(message, request=response.request)
        self.response = response
        self.request_id = response.headers.get(REQUEST_ID_HEADER)


class APIResponseValidationError(StreamspecError):
    """The server answered something the contract does not allow."""

    response: httpx.Response

    def __init__(self, message: str, *, response: httpx.Response) -> None:
        super().__init__(message, request=response.request)
        self.response = response


class StreamError(StreamspecError):
    """A stream ended with an `error` event; `problem` is its data. The event is not yielded."""

    problem: ErrorBody
    request_id: str | None
    response: httpx.Response

    def __init__(self, problem: ErrorBody, *, response: httpx.Response) -> None:
        status = getattr(problem, "status", "error")
        super().__init__(f"stream failed ({status}): {_detail(problem)}", request=response.request)
        self.problem = problem
        self.response = response
        self.request_id = response.headers.get(REQUEST_ID_HEADER)


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    408: RequestTimeoutError,
    413: ContentTooLargeError,
    415: UnsupportedMediaTypeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
    502: UpstreamError,
    503: ServiceUnavailableError,
    504: GatewayTimeoutError,
}


def status_error(
    response: httpx.Response, decode_error: Callable[[bytes], Any] | None
) -> APIStatusError:
    """The typed error for a read error response. The one place statuses map to classes."""
    problem = None
    if decode_error is not None:
        try:
            problem = decode_error(response.content)
        except (msgspec.ValidationError, msgspec.DecodeError):
            problem = None
    error_class = _STATUS_ERRORS.get(response.status_code)
    if error_class is None:
        error_class = InternalServerError if response.status_code >= 500 else APIStatusError
    message = f"{response.status_code} {response.reason_phrase}".rstrip()
    if problem is not None:
        message = f"{message}: {_detail(problem)}"
    return error_class(message, response=response, problem=problem)


def _detail(problem: object) -> str:
    """What an error body says, for a message: RFC 9457's `detail` or `title`, else itself."""
    for field in ("detail", "title", "message"):
        text = getattr(problem, field, None)
        if isinstance(text, str) and text:
            return text
    return str(problem)


def parse_retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds, from delta-seconds or an HTTP date; None when absent or bad."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - time.time())
