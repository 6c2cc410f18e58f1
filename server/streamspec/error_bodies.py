"""The error body of an operation, in the shape its contract documents.

Each operation's error responses name one schema (the generated table carries it
as `Operation.error_type`): RFC 9457's `Problem` for our own `/api`, OpenAI's
`{"error": {...}}` envelope for the OpenAI-compatible surface. The same failure
(a bad key, a spent budget, a provider's refusal) is written in either shape, and
in OpenAI's with the statuses OpenAI uses, so that its SDKs raise their usual
exceptions. A schema this module cannot write stops the server at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

import msgspec

from streamspec._generated.models import OpenAIError, OpenAIErrorResponse, Problem
from streamspec.errors import (
    PROBLEM_MEDIA_TYPE,
    ProblemError,
    ShuttingDown,
    TooManyStreams,
    Unauthorized,
    UpstreamRateLimited,
    UpstreamRejected,
    ValidationFailed,
    encode_problem,
    problem_for,
)

__all__ = ["ErrorBody", "ErrorModel", "UnsupportedErrorSchema", "error_body_for", "error_model_for"]

# (status, body, media type, extra headers) for an exception and the request's id.
ErrorBody: TypeAlias = Callable[[BaseException, str], tuple[int, bytes, bytes, dict[str, str]]]
# The same error as the schema's model, for a stream's error event.
ErrorModel: TypeAlias = Callable[[BaseException, str], Any]

_encoder = msgspec.json.Encoder()
_PROBLEM = PROBLEM_MEDIA_TYPE.encode()
_JSON = b"application/json"


class UnsupportedErrorSchema(TypeError):
    """An operation documents an error schema the server does not know how to write."""


def problem_body(exc: BaseException, request_id: str) -> tuple[int, bytes, bytes, dict[str, str]]:
    problem, headers = problem_for(exc, request_id)
    return problem.status, encode_problem(problem), _PROBLEM, headers


def problem_model(exc: BaseException, request_id: str) -> Problem:
    return problem_for(exc, request_id)[0]


# OpenAI answers a malformed request with 400, never 422; its SDKs map 422 elsewhere.
_OPENAI_STATUSES = {415: 400, 422: 400}


def openai_body(exc: BaseException, request_id: str) -> tuple[int, bytes, bytes, dict[str, str]]:
    status, envelope, headers = openai_error(exc, request_id)
    return status, _encoder.encode(envelope), _JSON, headers


def openai_model(exc: BaseException, request_id: str) -> OpenAIErrorResponse:
    return openai_error(exc, request_id)[1]


def openai_error(
    exc: BaseException, request_id: str
) -> tuple[int, OpenAIErrorResponse, dict[str, str]]:
    """OpenAI's envelope, `{"error": {"message", "type", "param", "code"}}`, and its status."""
    problem, headers = problem_for(exc, request_id)
    status = _OPENAI_STATUSES.get(problem.status, problem.status)
    if status == 429:
        kind = "rate_limit_error"
    else:
        kind = "invalid_request_error" if status < 500 else "server_error"
    message = problem.detail if isinstance(problem.detail, str) else problem.title
    param: str | None = None
    code: str | None = None
    if isinstance(exc, ProblemError):
        code = exc.code
    if isinstance(exc, UpstreamRejected):
        kind, param = exc.kind or kind, exc.param
    elif isinstance(exc, ValidationFailed) and exc.errors:
        param = exc.errors[0].location.removeprefix("$.").removeprefix("$") or None
    elif isinstance(exc, Unauthorized):
        code = "invalid_api_key"
    elif isinstance(exc, UpstreamRateLimited | TooManyStreams) or status == 429:
        code = code or "rate_limit_exceeded"
    elif isinstance(exc, ShuttingDown):
        code = "shutting_down"
    envelope = OpenAIErrorResponse(
        error=OpenAIError(message=message, type=kind, param=param, code=code)
    )
    return status, envelope, headers


_BODIES: dict[type, tuple[ErrorBody, ErrorModel]] = {
    Problem: (problem_body, problem_model),
    OpenAIErrorResponse: (openai_body, openai_model),
}


def error_body_for(error_type: type | None, operation_id: str) -> ErrorBody:
    """How `operation_id` writes its errors; an undocumented shape is a Problem."""
    return _writers(error_type, operation_id)[0]


def error_model_for(error_type: type | None, operation_id: str) -> ErrorModel:
    """How `operation_id` builds the data of its stream's error event."""
    return _writers(error_type, operation_id)[1]


def _writers(error_type: type | None, operation_id: str) -> tuple[ErrorBody, ErrorModel]:
    writers = _BODIES.get(error_type or Problem)
    if writers is None:
        assert error_type is not None
        raise UnsupportedErrorSchema(
            f"{operation_id}: the server cannot write errors as {error_type.__name__}"
        )
    return writers
