"""Every failure becomes a typed error, and only the transient ones are retried."""

from __future__ import annotations

import httpx
import pytest

from streamspec_client import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    Client,
    ContentTooLargeError,
    GatewayTimeoutError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ServiceUnavailableError,
    StreamspecError,
    UnprocessableEntityError,
    UnsupportedMediaTypeError,
    UpstreamError,
    _retries,
)

from .conftest import USER_HELLO, mock_client, problem_response

STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
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


@pytest.mark.parametrize(("status", "error_class"), STATUS_ERRORS.items())
def test_each_documented_status_raises_its_error_with_problem_and_request_id(
    status: int, error_class: type[APIStatusError]
) -> None:
    client = mock_client(lambda request: problem_response(status), max_retries=0)

    with pytest.raises(error_class) as caught:
        client.create_chat(messages=USER_HELLO)

    error = caught.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.problem is not None
    assert error.problem.status == status
    assert error.problem.detail == "what went wrong"
    assert error.request_id == "req-1"
    assert error.request.url == "http://streamspec.test/api/chat"


@pytest.mark.parametrize(("status", "error_class"), STATUS_ERRORS.items())
def test_stream_chat_raises_the_same_status_errors_before_any_event(
    status: int, error_class: type[APIStatusError]
) -> None:
    client = mock_client(lambda request: problem_response(status), max_retries=0)

    with pytest.raises(error_class), client.stream_chat(messages=USER_HELLO):
        pytest.fail("the stream must not open")


@pytest.mark.parametrize(
    ("status", "error_class"), [(409, APIStatusError), (599, InternalServerError)]
)
def test_undocumented_statuses_map_to_the_base_or_internal_server_error(
    status: int, error_class: type[APIStatusError]
) -> None:
    with pytest.raises(error_class) as caught:
        mock_client(lambda request: problem_response(status)).get_health()

    assert caught.value.status_code == status


def test_error_body_that_is_not_a_problem_leaves_problem_none() -> None:
    client = mock_client(lambda request: httpx.Response(502, text="<html>bad gateway</html>"))

    with pytest.raises(UpstreamError) as caught:
        client.create_chat(messages=USER_HELLO)

    assert caught.value.problem is None
    assert str(caught.value) == "502 Bad Gateway"


def test_rate_limit_error_carries_retry_after_seconds() -> None:
    client = mock_client(lambda request: problem_response(429, {"Retry-After": "7"}), max_retries=0)

    with pytest.raises(RateLimitError) as caught:
        client.create_chat(messages=USER_HELLO)

    assert caught.value.retry_after == 7.0


def test_connection_error_is_wrapped_and_keeps_its_cause() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = mock_client(refuse, max_retries=0)

    with pytest.raises(APIConnectionError) as caught:
        client.get_health()

    assert type(caught.value) is APIConnectionError
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert caught.value.request.url.path == "/health"


def test_timeout_raises_api_timeout_error_which_is_a_connection_error() -> None:
    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client = mock_client(stall, max_retries=0)

    with pytest.raises(APITimeoutError) as caught:
        client.create_chat(messages=USER_HELLO)

    assert isinstance(caught.value, APIConnectionError)


def test_success_body_that_breaks_the_contract_raises_validation_error() -> None:
    client = mock_client(lambda request: httpx.Response(200, json={"status": "ok"}))

    with pytest.raises(APIResponseValidationError):
        client.get_health()


def test_every_error_is_a_streamspec_error() -> None:
    for error_class in (
        *STATUS_ERRORS.values(),
        APIConnectionError,
        APITimeoutError,
        APIResponseValidationError,
    ):
        assert issubclass(error_class, StreamspecError)


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_transient_statuses_are_retried_then_succeed(status: int, sleeps: list[float]) -> None:
    answers = [problem_response(status), problem_response(status)]
    health = {"status": "ok", "version": "1", "server": "test", "python": "3.11"}

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0) if answers else httpx.Response(200, json=health)

    client = mock_client(handler)

    assert client.get_health().server == "test"
    assert len(sleeps) == 2


def test_retries_stop_after_max_retries_and_raise_the_last_error(sleeps: list[float]) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return problem_response(503)

    client = mock_client(handler, max_retries=3)

    with pytest.raises(ServiceUnavailableError):
        client.create_chat(messages=USER_HELLO)

    assert len(calls) == 4
    assert len(sleeps) == 3


@pytest.mark.parametrize("status", [400, 401, 413, 415, 422, 500])
def test_client_errors_and_500_are_not_retried(status: int, sleeps: list[float]) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return problem_response(status)

    with pytest.raises(APIStatusError):
        mock_client(handler).create_chat(messages=USER_HELLO)

    assert len(calls) == 1
    assert sleeps == []


def test_retry_waits_honour_retry_after_capped_at_a_minute(sleeps: list[float]) -> None:
    answers = [
        problem_response(429, {"Retry-After": "7"}),
        problem_response(503, {"Retry-After": "86400"}),
        problem_response(429, {"Retry-After": "0"}),
    ]
    client = mock_client(lambda request: answers.pop(0), max_retries=2)

    with pytest.raises(RateLimitError):
        client.create_chat(messages=USER_HELLO)

    assert sleeps == [7.0, _retries.MAX_RETRY_AFTER]


def test_retry_after_as_http_date_is_honoured(sleeps: list[float]) -> None:
    answers = [problem_response(503, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})]
    health = {"status": "ok", "version": "1", "server": "test", "python": "3.11"}
    client = mock_client(lambda r: answers.pop(0) if answers else httpx.Response(200, json=health))

    client.get_health()

    assert sleeps == [0.0]  # a date in the past means "now"


def test_backoff_without_retry_after_grows_exponentially_with_jitter() -> None:
    delays = [_retries.backoff_delay(attempt, None) for attempt in range(6)]

    for attempt, delay in enumerate(delays):
        ceiling = min(0.5 * 2**attempt, 8.0)
        assert 0.75 * ceiling <= delay <= ceiling


def test_connection_errors_are_retried(sleeps: list[float]) -> None:
    calls: list[httpx.Request] = []
    health = {"status": "ok", "version": "1", "server": "test", "python": "3.11"}

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=health)

    assert mock_client(handler).get_health().status == "ok"
    assert len(calls) == 2
    assert len(sleeps) == 1


def test_requests_carry_the_api_key_and_the_chat_body() -> None:
    seen: list[httpx.Request] = []
    reply = {
        "message": {"role": "assistant", "content": "hi"},
        "model": "echo",
        "finish_reason": "stop",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=reply)

    client = mock_client(handler, api_key="key-alpha")
    response = client.create_chat(messages=USER_HELLO, temperature=0.5)

    assert response.message.content == "hi"
    assert seen[0].headers["Authorization"] == "Bearer key-alpha"
    assert seen[0].headers["Content-Type"] == "application/json"
    assert seen[0].read() == b'{"messages":[{"role":"user","content":"hello"}],"temperature":0.5}'


def test_invalid_base_url_is_a_value_error_not_an_httpx_error() -> None:
    with pytest.raises(ValueError, match="base_url"):
        Client("ftp://nowhere")
