"""Every failure the API reports, and the one place that turns them into RFC 9457 problems.

ProblemError                     an error with a problem body
 ├── InvalidBody                 400: not well-formed JSON (or not UTF-8)
 │    └── IncompleteBody         400: the body ended early, or its chunked framing is broken
 ├── Unauthorized                401: missing or unknown API key
 ├── NotFound                    404: a handler found nothing by that name
 │    └── ModelNotFound          404: the provider offers no such model
 ├── MethodNotAllowed            405: the path answers another method
 ├── RequestTimeout              408: the body came too slowly
 ├── ContentTooLarge             413: the body is over the cap
 ├── UnsupportedMediaType        415: not JSON at all
 ├── ValidationFailed            422: JSON that breaks the schema, with field locations
 ├── RateLimited                 429: the caller's request budget is spent
 ├── TooManyStreams              429: the caller holds too many open streams
 ├── ShuttingDown                503: in a stream's `error` event, after the shutdown grace
 ├── UpstreamRejected            400: the provider refused the request itself, with its
 │    │                          message (an unknown model, a bad parameter)
 │    ├── UpstreamRejectedNotFound   404, as the provider said
 │    └── UpstreamRejectedInvalid    422, as the provider said
 └── UpstreamError               faults of the provider
      ├── UpstreamUnavailable    502: 5xx, refused credentials, unreadable answer
      ├── UpstreamRateLimited    429: the provider's own limit, with its Retry-After
      └── UpstreamTimeout        504: no answer in time

Each error may also name the request field at fault (`param`) and a machine-readable
`code`, for the surfaces whose error schema carries them (OpenAI's envelope).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException

from streamspec._generated.models import FieldError, Problem
from streamspec.request_id import REQUEST_ID_HEADER, request_id_for

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "ClientDisconnected",
    "ContentTooLarge",
    "IncompleteBody",
    "InvalidBody",
    "MethodNotAllowed",
    "ModelNotFound",
    "NotFound",
    "ProblemError",
    "RateLimited",
    "RequestTimeout",
    "ShuttingDown",
    "TooManyStreams",
    "Unauthorized",
    "UnsupportedMediaType",
    "UpstreamError",
    "UpstreamRateLimited",
    "UpstreamRejected",
    "UpstreamRejectedInvalid",
    "UpstreamRejectedNotFound",
    "UpstreamTimeout",
    "UpstreamUnavailable",
    "ValidationFailed",
    "exception_handlers",
    "problem_for",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
logger = logging.getLogger("streamspec.errors")


class ProblemError(Exception):
    status: ClassVar[int] = 500
    type: ClassVar[str] = "about:blank"
    code: str | None = None  # machine-readable, e.g. `model_not_found`

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})

    @property
    def title(self) -> str:
        return status_title(self.status)

    def to_problem(self, request_id: str) -> Problem:
        return Problem(
            type=self.type,
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance_for(request_id),
            errors=self.errors if self.errors is not None else msgspec.UNSET,
        )


class InvalidBody(ProblemError):
    status = 400
    type = "urn:streamspec:problem:invalid-json"


class IncompleteBody(InvalidBody):
    type = "urn:streamspec:problem:incomplete-body"


class NotFound(ProblemError):
    status = 404


class ModelNotFound(NotFound):
    code = "model_not_found"


class MethodNotAllowed(ProblemError):
    status = 405


class RequestTimeout(ProblemError):
    status = 408


class ContentTooLarge(ProblemError):
    status = 413


class UnsupportedMediaType(ProblemError):
    status = 415


class ValidationFailed(ProblemError):
    status = 422
    type = "urn:streamspec:problem:validation"


class Unauthorized(ProblemError):
    status = 401
    type = "urn:streamspec:problem:unauthorized"


class RateLimited(ProblemError):
    status = 429
    type = "urn:streamspec:problem:rate-limited"


class TooManyStreams(ProblemError):
    status = 429
    type = "urn:streamspec:problem:too-many-streams"


class ShuttingDown(ProblemError):
    status = 503
    type = "urn:streamspec:problem:shutting-down"


class UpstreamRejected(ProblemError):
    """The provider refused the request as a client error; `detail` is its own message,
    and `kind`, `param` and `code` are its own when it gave them. `rejected` picks the
    class of the provider's status: 400 here, 404 and 422 below."""

    status = 400
    type = "urn:streamspec:problem:upstream-rejected"

    def __init__(
        self,
        detail: str,
        *,
        kind: str | None = None,
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.param = param
        self.code = code

    @staticmethod
    def rejected(status: int, detail: str, **fields: str | None) -> UpstreamRejected:
        kind = {404: UpstreamRejectedNotFound, 422: UpstreamRejectedInvalid}.get(
            status, UpstreamRejected
        )
        return kind(detail, **fields)


class UpstreamRejectedNotFound(UpstreamRejected):
    status = 404


class UpstreamRejectedInvalid(UpstreamRejected):
    status = 422


class UpstreamError(ProblemError):
    status = 502
    type = "urn:streamspec:problem:upstream"


class UpstreamUnavailable(UpstreamError):
    pass


class UpstreamRateLimited(UpstreamError):
    status = 429
    type = "urn:streamspec:problem:upstream-rate-limited"


class UpstreamTimeout(UpstreamError):
    status = 504
    type = "urn:streamspec:problem:upstream-timeout"


# RFC 9110's names where Python's differ between versions.
_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


def status_title(status: int) -> str:
    return _TITLES.get(status) or HTTPStatus(status).phrase


class ClientDisconnected(Exception):
    """The client went away before the answer was ready; nobody is left to tell."""


def instance_for(request_id: str) -> str:
    return f"urn:streamspec:request:{request_id}"


def problem_for(exc: BaseException, request_id: str) -> tuple[Problem, dict[str, str]]:
    """The problem body and extra headers that describe `exc` to a client."""
    if isinstance(exc, ProblemError):
        return exc.to_problem(request_id), exc.headers
    if isinstance(exc, HTTPException):
        # Litestar's own refusals, for the routes it serves itself: unknown path, wrong method.
        status = exc.status_code
        detail = exc.detail if exc.detail != HTTPStatus(status).phrase else ""
        problem = Problem(
            type="about:blank",
            title=status_title(status),
            status=status,
            detail=detail or msgspec.UNSET,
            instance=instance_for(request_id),
        )
        return problem, dict(exc.headers or {})
    logger.exception("unhandled error", exc_info=exc)
    return (
        Problem(
            type="about:blank",
            title=status_title(500),
            status=500,
            detail="The server failed unexpectedly; the request id identifies it in the logs.",
            instance=instance_for(request_id),
        ),
        {},
    )


_encoder = msgspec.json.Encoder()


def encode_problem(problem: Problem) -> bytes:
    return _encoder.encode(problem)


def _problem_response(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    request_id = request_id_for(request.scope)
    problem, headers = problem_for(exc, request_id)
    headers[REQUEST_ID_HEADER] = request_id
    return Response(
        content=encode_problem(problem),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


exception_handlers: dict[type[Exception] | int, Any] = {Exception: _problem_response}
