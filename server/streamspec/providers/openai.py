"""An OpenAI-compatible upstream (OpenAI, Ollama, vLLM, llama.cpp, ...) over an httpx transport.

Requests go to the transport directly, not through an `httpx.AsyncClient`: the client's
per-request machinery (merging URLs and headers, cookies, auth and redirect hooks, event
hooks) is a quarter of the relay's Python time and does nothing for one fixed URL with
fixed headers, no cookies and no redirects (see docs/benchmarks.md).

Every way the upstream can fail becomes an `UpstreamError`, in our own words. A
request the provider refuses as a client error (400, 404, 422) becomes an
`UpstreamRejected` carrying the provider's message, with our key scrubbed from it.
Each failure is logged once, where it is raised, with its cause (the transport's
exception, or what was wrong with the answer), and each upstream request is counted
by outcome.

The OpenAI-compatible surface is relayed as bytes: the client's body goes to the
provider as sent, and the answer and each chunk come back as sent (checked to be
JSON, not decoded into our types), so every field the provider adds survives.
"""

from __future__ import annotations

import asyncio
import codecs
import email.utils
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Mapping
from dataclasses import dataclass
from time import perf_counter
from typing import Any, TypeVar

import httpx
import msgspec

from streamspec._generated.models import (
    AssistantMessage,
    AssistantRole,
    ChatDelta,
    ChatDone,
    ChatRequest,
    ChatResponse,
    CreateChatCompletionRequest,
    FinishReason,
    Model,
    ModelList,
    Object2,
    Object3,
    OpenAIModel,
    OpenAIModelList,
    Usage,
)
from streamspec._generated.operations import (
    CreateChatCompletionMessage,
    StreamChatDelta,
    StreamChatDone,
)
from streamspec.asgi import Headers, encode_headers
from streamspec.errors import (
    UpstreamError,
    UpstreamRateLimited,
    UpstreamRejected,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from streamspec.interrupts import Interrupt
from streamspec.metrics import Metrics
from streamspec.providers import ProviderEvent
from streamspec.providers.sse import EventTooLarge, SSEDataSplitter


class _UpstreamModel(msgspec.Struct):
    id: str
    owned_by: str = ""
    created: int = 0


class _UpstreamModels(msgspec.Struct):
    data: list[_UpstreamModel]


class _UpstreamUsage(msgspec.Struct):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class _UpstreamMessage(msgspec.Struct):
    content: str | None = None


class _UpstreamChoice(msgspec.Struct):
    message: _UpstreamMessage
    finish_reason: str | None = None


class _UpstreamCompletion(msgspec.Struct):
    choices: list[_UpstreamChoice]
    model: str | None = None
    usage: _UpstreamUsage | None = None


class _UpstreamDelta(msgspec.Struct):
    content: str | None = None


class _UpstreamStreamChoice(msgspec.Struct):
    delta: _UpstreamDelta = msgspec.field(default_factory=_UpstreamDelta)
    finish_reason: str | None = None


class _UpstreamChunk(msgspec.Struct):
    choices: list[_UpstreamStreamChoice] = msgspec.field(default_factory=list)
    model: str | None = None
    usage: _UpstreamUsage | None = None


T = TypeVar("T")
logger = logging.getLogger(__name__)
_completion_decoder = msgspec.json.Decoder(_UpstreamCompletion)
_chunk_decoder = msgspec.json.Decoder(_UpstreamChunk)
_models_decoder = msgspec.json.Decoder(_UpstreamModels)
# Decoding to Raw checks that the bytes are one JSON value, and keeps them as they are.
_json_checker = msgspec.json.Decoder(msgspec.Raw)
_encoder = msgspec.json.Encoder()
_FINISH_REASONS = {reason.value: reason for reason in FinishReason}
_STREAM_END = b"[DONE]"
# What one answer, or one event of a stream, may hold before the provider is deemed broken.
MAX_COMPLETION_BYTES = 16 * 1024 * 1024
MAX_STREAM_EVENT_BYTES = 1024 * 1024
# A provider asking for longer than this is told to callers as this.
MAX_RETRY_AFTER = 3600
# How long the upstream's model list is kept: it changes rarely, and a page lists it often.
MODELS_CACHE_SECONDS = 60.0
# Outcomes of an upstream request, as the metrics count them.
OK = "ok"
CANCELLED = "cancelled"
_OUTCOMES: dict[type[Exception], str] = {
    UpstreamTimeout: "timeout",
    UpstreamRateLimited: "rate_limited",
    UpstreamUnavailable: "unavailable",
    UpstreamRejected: "rejected",
}
# Retries happen only while connecting: once a byte is sent, a retry could bill twice.
CONNECT_ATTEMPTS = 3


class OpenAIProvider:
    def __init__(
        self,
        transport: httpx.AsyncBaseTransport,
        *,
        base_url: str,
        api_key: str | None,
        default_model: str,
        first_byte_timeout: float = 30.0,
        idle_timeout: float = 60.0,
        metrics: Metrics | None = None,
    ) -> None:
        self._transport = transport
        self._metrics = metrics or Metrics()
        self._url = httpx.URL(base_url.rstrip("/") + "/chat/completions")
        self._models_url = httpx.URL(base_url.rstrip("/") + "/models")
        # Identity encoding: answers are read and checked as sent, with no decompression
        # (and so no decompression bomb) in between.
        headers = {
            "host": self._url.netloc.decode("ascii"),  # as httpx adds it to a request
            "content-type": "application/json",
            "accept": "application/json",
            "accept-encoding": "identity",
        }
        if api_key:
            headers["authorization"] = f"Bearer {api_key}"
        # Encoded once: httpx re-encodes a dict of str on every request (docs/benchmarks.md).
        self._headers = encode_headers(headers)
        self._stream_headers = encode_headers({**headers, "accept": "text/event-stream"})
        self._get_headers = encode_headers(
            {k: v for k, v in headers.items() if k != "content-type"}
        )
        self._api_key = api_key
        self._models: ModelList | None = None
        self._openai_models: OpenAIModelList | None = None
        self._models_expire = 0.0
        self._models_lock = asyncio.Lock()
        self._default_model = default_model
        self._first_byte_timeout = first_byte_timeout
        self._idle_timeout = idle_timeout
        # Connecting (and waiting for a pooled connection) is bounded by the transport;
        # the wait for the head by the first-byte timer, and reads by the idle timer.
        self._extensions = {
            "timeout": {
                "connect": first_byte_timeout,
                "pool": first_byte_timeout,
                "write": first_byte_timeout,
                "read": None,
            }
        }

    async def list_models(self) -> ModelList:
        """The upstream's `/models`, fetched by one request at a time and kept a minute."""
        await self._fetch_models()
        assert self._models is not None
        return self._models

    async def list_openai_models(self) -> OpenAIModelList:
        await self._fetch_models()
        assert self._openai_models is not None
        return self._openai_models

    async def _fetch_models(self) -> None:
        async with self._models_lock:
            if self._models is not None and time.monotonic() < self._models_expire:
                return
            response = await self._open(self._models_url, None, self._get_headers)
            body = await self._read_answer(response)
            try:
                listed = _models_decoder.decode(body).data
            except msgspec.DecodeError as exc:
                failure = UpstreamUnavailable("The provider's answer was not a model list.")
                raise self._failed(failure, exc) from None
            self._metrics.upstream_finished(OK)
            self._models = ModelList(
                models=[Model(id=m.id, owned_by=m.owned_by or "unknown") for m in listed]
            )
            self._openai_models = OpenAIModelList(
                object=Object3.list,
                data=[
                    OpenAIModel(
                        id=m.id,
                        object=Object2.model,
                        created=max(0, m.created),
                        owned_by=m.owned_by or "unknown",
                    )
                    for m in listed
                ],
            )
            self._models_expire = time.monotonic() + MODELS_CACHE_SECONDS

    async def _read_answer(self, response: httpx.Response) -> bytes:
        try:
            await self._raise_for_status(response)
            async with asyncio.timeout(self._idle_timeout):
                return await _read_capped(response, MAX_COMPLETION_BYTES)
        except (TimeoutError, httpx.HTTPError) as exc:
            raise self._failed(_mid_answer_failure(exc), exc) from None
        except UpstreamError as exc:
            self._failed(exc)
            raise
        except asyncio.CancelledError:
            self._metrics.upstream_finished(CANCELLED)
            raise
        finally:
            await response.aclose()

    async def complete_openai(
        self, request: CreateChatCompletionRequest, raw: bytes
    ) -> msgspec.Raw:
        """The provider's completion for the client's own body, both as sent."""
        response = await self._open(self._url, raw, self._headers)
        body = await self._read_answer(response)
        try:
            answer = _json_checker.decode(body)
        except msgspec.DecodeError as exc:
            failure = UpstreamUnavailable("The provider's answer was not JSON.")
            raise self._failed(failure, exc) from None
        self._metrics.upstream_finished(OK)
        return answer

    async def stream_openai(
        self, request: CreateChatCompletionRequest, raw: bytes
    ) -> AsyncIterator[list[CreateChatCompletionMessage]]:
        """The provider's chunks for the client's own body, each as sent, a read's worth
        at a time; the server writes the closing `[DONE]` once the provider has sent its
        own."""
        response = await self._open(self._url, raw, self._stream_headers)
        try:
            await self._check_stream(response)
            end = _StreamEnd()
            async for payloads in _event_payloads(response, self._idle_timeout, end):
                checked, malformed = _decoded(_json_checker, payloads)
                if checked:
                    yield [
                        CreateChatCompletionMessage(
                            # A newline is whitespace in valid JSON: one data line out.
                            data=msgspec.Raw(data.replace(b"\n", b" ")) if b"\n" in data else raw
                        )
                        for raw, data in zip(checked, payloads, strict=False)
                    ]
                if malformed is not None:
                    raise malformed
            if not end.done:
                raise UpstreamUnavailable("The provider ended the stream before finishing.")
        except UpstreamError as exc:
            self._failed(exc, exc.__cause__ or exc.__context__)
            raise
        except (GeneratorExit, asyncio.CancelledError):  # the client left
            self._metrics.upstream_finished(CANCELLED)
            raise
        finally:
            await response.aclose()
        self._metrics.upstream_finished(OK)

    async def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status == 200:
            return
        if status == 429:
            raise UpstreamRateLimited(
                "The provider's rate limit is exhausted.",
                headers={"Retry-After": str(retry_after_seconds(response.headers))},
            )
        if status in (401, 403):
            raise UpstreamUnavailable("The provider refused the server's credentials.")
        if status in CLIENT_ERROR_STATUSES:
            async with asyncio.timeout(self._idle_timeout):
                body = await _read_capped(response, MAX_ERROR_BYTES, truncate=True)
            rejection = _rejection(status, body, self._api_key)
            logger.warning(
                "the provider refused the request: HTTP %d, %s", status, rejection.detail
            )
            raise rejection
        raise UpstreamUnavailable(f"The provider answered with HTTP status {status}.")

    async def _check_stream(self, response: httpx.Response) -> None:
        try:
            await self._raise_for_status(response)
        except (TimeoutError, httpx.HTTPError) as exc:
            raise _mid_answer_failure(exc) from None
        if not _is_event_stream(response):
            raise UpstreamUnavailable("The provider's answer was not an event stream.")

    async def complete(self, request: ChatRequest) -> ChatResponse:
        response = await self._open(self._url, self._payload(request, stream=False), self._headers)
        body = await self._read_answer(response)
        try:
            completion = _completion_decoder.decode(body)
            choice = completion.choices[0]
        except (msgspec.DecodeError, IndexError) as exc:
            failure = UpstreamUnavailable("The provider's answer was not a chat completion.")
            raise self._failed(failure, exc) from None
        self._metrics.upstream_finished(OK)
        return ChatResponse(
            message=AssistantMessage(
                role=AssistantRole.assistant, content=choice.message.content or ""
            ),
            model=completion.model or self._model(request),
            finish_reason=_finish_reason(choice.finish_reason),
            usage=_usage(completion.usage),
        )

    async def stream(
        self, request: ChatRequest
    ) -> AsyncIterator[ProviderEvent | list[ProviderEvent]]:
        """The deltas of each read of the provider's stream as one list, then the done."""
        model = self._model(request)
        finish_reason: FinishReason | None = None
        usage: Usage | msgspec.UnsetType = msgspec.UNSET
        response = await self._open(
            self._url, self._payload(request, stream=True), self._stream_headers
        )
        try:
            await self._check_stream(response)
            async for payloads in _event_payloads(response, self._idle_timeout, _StreamEnd()):
                deltas: list[ProviderEvent] = []
                upstream_chunks, malformed = _decoded(_chunk_decoder, payloads)
                for upstream_chunk in upstream_chunks:
                    model = upstream_chunk.model or model
                    if upstream_chunk.usage is not None:
                        usage = _usage(upstream_chunk.usage)
                    for choice in upstream_chunk.choices[:1]:
                        if choice.delta.content:
                            deltas.append(
                                StreamChatDelta(data=ChatDelta(content=choice.delta.content))
                            )
                        if choice.finish_reason is not None:
                            finish_reason = _finish_reason(choice.finish_reason)
                if deltas:
                    yield deltas
                if malformed is not None:
                    raise malformed
            if finish_reason is None:
                raise UpstreamUnavailable("The provider ended the stream before finishing.")
        except UpstreamError as exc:
            self._failed(exc, exc.__cause__ or exc.__context__)
            raise
        except (GeneratorExit, asyncio.CancelledError):  # the client left
            self._metrics.upstream_finished(CANCELLED)
            raise
        finally:
            await response.aclose()
        self._metrics.upstream_finished(OK)
        yield StreamChatDone(
            data=ChatDone(
                finish_reason=finish_reason or FinishReason.stop, usage=usage, model=model
            )
        )

    async def _open(
        self, url: httpx.URL, payload: bytes | None, headers: Headers
    ) -> httpx.Response:
        """POST `payload` (GET without one) and wait, at most the first-byte timeout, for
        the response head."""
        started = perf_counter()
        try:
            async with asyncio.timeout(self._first_byte_timeout):
                for attempt in range(CONNECT_ATTEMPTS):
                    try:
                        response = await self._transport.handle_async_request(
                            self._request(url, payload, headers)
                        )
                        logger.debug("%s: %d", url, response.status_code)
                        self._metrics.upstream_answered(perf_counter() - started)
                        return response
                    except httpx.TransportError as exc:
                        # Nothing reached the provider, so trying again is safe.
                        if not _not_connected(exc) or attempt + 1 == CONNECT_ATTEMPTS:
                            raise
                        await asyncio.sleep(0.05 * 2**attempt)
                raise AssertionError("unreachable")
        except (TimeoutError, httpx.HTTPError) as exc:
            if _is_timeout(exc):
                raise self._failed(
                    UpstreamTimeout("The provider did not answer in time."), exc
                ) from None
            raise self._failed(
                UpstreamUnavailable("The provider could not be reached."), exc
            ) from None
        except asyncio.CancelledError:
            self._metrics.upstream_finished(CANCELLED)
            raise

    def _request(self, url: httpx.URL, payload: bytes | None, headers: Headers) -> httpx.Request:
        """What `httpx.Request(method, url, content=payload, headers=...)` builds."""
        if payload is None:
            return httpx.Request("GET", url, headers=headers, extensions=self._extensions)
        request = httpx.Request(
            "POST",
            url,
            headers=[*headers, (b"content-length", b"%d" % len(payload))],
            stream=httpx.ByteStream(payload),
            extensions=self._extensions,
        )
        request.read()  # as httpx does for bytes content, so that `request.content` is set
        return request

    def _failed(self, failure: UpstreamError, cause: BaseException | None = None) -> UpstreamError:
        """Count and log `failure`, with its cause; returns it to be raised."""
        outcome = next(
            (_OUTCOMES[c] for c in type(failure).__mro__ if c in _OUTCOMES), "unavailable"
        )
        self._metrics.upstream_finished(outcome)
        if isinstance(failure, UpstreamRejected):
            return failure  # logged with the provider's own words where it was read
        logger.warning(
            "upstream request failed (%s, answered as %d): %s Cause: %s",
            outcome,
            failure.status,
            failure.detail,
            _describe(cause) if cause is not None else "the provider's answer",
        )
        return failure

    def _model(self, request: ChatRequest) -> str:
        return request.model if isinstance(request.model, str) else self._default_model

    def _payload(self, request: ChatRequest, *, stream: bool) -> bytes:
        payload: dict[str, Any] = {
            "model": self._model(request),
            "messages": request.messages,
            "stream": stream,
        }
        if not isinstance(request.temperature, msgspec.UnsetType):
            payload["temperature"] = request.temperature
        if not isinstance(request.max_tokens, msgspec.UnsetType):
            payload["max_tokens"] = request.max_tokens
        if stream:
            payload["stream_options"] = {"include_usage": True}
        return _encoder.encode(payload)


@dataclass
class _StreamEnd:
    done: bool = False  # the provider sent its `[DONE]`


async def _event_payloads(
    response: httpx.Response, idle_timeout: float, end: _StreamEnd
) -> AsyncIterator[list[bytes]]:
    """The data of each event of an upstream stream, a read's worth at a time, up to
    `[DONE]` (which sets `end.done`) or the end of the body.

    The events wholly before a failure (bad UTF-8, a broken connection) still come out.
    """
    idle = _IdleTimer(idle_timeout)
    splitter = SSEDataSplitter(MAX_STREAM_EVENT_BYTES)
    utf8 = codecs.getincrementaldecoder("utf-8")()
    try:
        chunks = aiter(_async_stream(response))
        ended = False
        while not ended:
            try:
                chunk = await idle.wait(anext(chunks))
            except StopAsyncIteration:
                chunk, ended = b"", True
            chunk, bad_utf8 = _valid_utf8_prefix(utf8, chunk, final=ended)
            payloads = splitter.feed(chunk) if chunk else []
            if ended or bad_utf8:  # a CR held back may end the last whole event
                payloads += splitter.end()
            batch: list[bytes] = []
            for data in payloads:
                if not data:
                    continue  # WHATWG: an event with no data is not dispatched
                if data == _STREAM_END:
                    end.done = True
                    break
                batch.append(data)
            if batch:
                yield batch
            if end.done:
                return
            if bad_utf8:
                raise UpstreamUnavailable("The provider's stream was not valid UTF-8.")
    except EventTooLarge:
        raise UpstreamUnavailable("The provider sent a stream event over 1 MiB.") from None
    except (TimeoutError, httpx.HTTPError, httpx.StreamError) as exc:
        raise _mid_answer_failure(exc) from None
    finally:
        idle.close()


class _IdleTimer:
    """Bounds each wait for the provider, like asyncio.timeout around every read, but
    with one timer per stream instead of one per event: it re-arms only when it fires.
    Time the consumer spends between reads does not count."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._loop = asyncio.get_running_loop()
        self._interrupt: Interrupt | None = None
        self._waiting_since: float | None = None
        self._handle = self._loop.call_later(seconds, self._check)

    async def wait(self, awaitable: Awaitable[T]) -> T:
        if self._interrupt is None:  # the consumer's task, looked up once per stream
            task = asyncio.current_task()
            assert task is not None
            self._interrupt = Interrupt(task)
        interrupt = self._interrupt
        self._waiting_since = self._loop.time()
        try:
            return await awaitable
        except asyncio.CancelledError:
            if interrupt.caused():
                raise TimeoutError from None
            raise
        finally:
            self._waiting_since = None

    def _check(self) -> None:
        due = (self._waiting_since or self._loop.time()) + self._seconds
        if self._waiting_since is not None and self._loop.time() >= due and self._interrupt:
            self._interrupt.fire()
            return
        self._handle = self._loop.call_at(due, self._check)

    def close(self) -> None:
        self._handle.cancel()


async def _read_capped(response: httpx.Response, cap: int, *, truncate: bool = False) -> bytes:
    """The body, up to `cap` bytes: past it, an error, or with `truncate` its first `cap`."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in _async_stream(response):
        size += len(chunk)
        if size > cap:
            if truncate:
                chunks.append(chunk)
                return b"".join(chunks)[:cap]
            raise UpstreamUnavailable(f"The provider's answer was over {cap} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _valid_utf8_prefix(
    decoder: codecs.IncrementalDecoder, chunk: bytes, *, final: bool
) -> tuple[bytes, bool]:
    """The chunk, or its part before the first invalid UTF-8, and whether it was cut.

    Strict UTF-8: the events wholly before a bad byte still go out, then the stream
    fails, rather than hand the client U+FFFD for whatever the provider garbled.
    """
    try:
        decoder.decode(chunk, final=final)
    except UnicodeDecodeError as exc:
        # exc.start counts the bytes the decoder held back from earlier chunks too.
        return chunk[: max(0, exc.start - len(decoder.getstate()[0]))], True
    return chunk, False


def _is_event_stream(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.partition(";")[0].strip().lower() == "text/event-stream"


def _async_stream(response: httpx.Response) -> httpx.AsyncByteStream:
    """The body as the transport gives it: identity-encoded, so no decoding layer."""
    stream = response.stream
    assert isinstance(stream, httpx.AsyncByteStream)
    return stream


def _not_connected(exc: Exception) -> bool:
    """A failure to connect (refused, unreachable, reset): nothing reached the provider.

    httpx-aiohttp reports even a refused connection as ConnectTimeout, so the
    cause decides: an OSError that is not a timeout means no connection.
    """
    cause = exc.__cause__
    return isinstance(exc, httpx.ConnectError) or (
        isinstance(cause, OSError) and not isinstance(cause, TimeoutError)
    )


def _is_timeout(exc: Exception) -> bool:
    if isinstance(exc, TimeoutError):
        return True
    return isinstance(exc, httpx.TimeoutException) and not _not_connected(exc)


def _describe(cause: BaseException) -> str:
    """The exception and what it wraps: `ConnectTimeout: ... <- ConnectionRefusedError: ...`."""
    parts: list[str] = []
    seen: BaseException | None = cause
    while seen is not None and len(parts) < 4:
        parts.append(f"{type(seen).__name__}: {seen}".rstrip(": "))
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return " <- ".join(parts)


def _mid_answer_failure(exc: Exception) -> UpstreamError:
    if _is_timeout(exc):
        return UpstreamTimeout("The provider stopped answering in time.")
    return UpstreamUnavailable("The connection to the provider failed mid-answer.")


def _decoded(
    decoder: msgspec.json.Decoder[T], payloads: list[bytes]
) -> tuple[list[T], UpstreamUnavailable | None]:
    """Each payload decoded, up to the first that is malformed; that failure is returned,
    not raised, so that the events of a read wholly before it still go out."""
    decoded: list[T] = []
    for data in payloads:
        try:
            decoded.append(decoder.decode(data))
        except msgspec.DecodeError as exc:
            failure = UpstreamUnavailable("The provider sent a malformed stream chunk.")
            failure.__cause__ = exc
            return decoded, failure
    return decoded, None


# The statuses by which a provider says the request itself is wrong: told to the client.
CLIENT_ERROR_STATUSES = frozenset({400, 404, 422})
# How much of a refusal's body is read for its message, and kept of the message.
MAX_ERROR_BYTES = 64 * 1024
MAX_ERROR_MESSAGE = 2000


class _UpstreamErrorDetail(msgspec.Struct):
    message: str | None = None
    type: str | None = None
    param: str | None = None
    code: str | int | None = None


class _UpstreamErrorBody(msgspec.Struct):
    """OpenAI's envelope; others put a message in `error` as a string, or in `detail`."""

    error: _UpstreamErrorDetail | str | None = None
    detail: str | None = None
    message: str | None = None


_error_decoder = msgspec.json.Decoder(_UpstreamErrorBody)


def _rejection(status: int, body: bytes, secret: str | None) -> UpstreamRejected:
    """The provider's refusal as our error: its message, type, param and code, scrubbed."""
    detail = _UpstreamErrorDetail()
    try:
        parsed = _error_decoder.decode(body)
        if isinstance(parsed.error, _UpstreamErrorDetail):
            detail = parsed.error
        else:
            detail.message = parsed.error or parsed.detail or parsed.message
    except msgspec.DecodeError:
        text = body.decode("utf-8", "replace").strip()
        detail.message = text if text and not text.startswith("<") else None

    def scrub(value: str | int | None) -> str | None:
        if value is None:
            return None
        text = str(value)
        if secret:
            text = text.replace(secret, "[redacted]")
        return text[:MAX_ERROR_MESSAGE]

    message = scrub(detail.message) or f"The provider answered with HTTP status {status}."
    return UpstreamRejected.rejected(
        status,
        message,
        kind=scrub(detail.type),
        param=scrub(detail.param),
        code=scrub(detail.code),
    )


def retry_after_seconds(headers: Mapping[str, str], default: int = 1) -> int:
    """The upstream's Retry-After (seconds or an HTTP date) as whole seconds, at least 1."""
    raw = headers.get("retry-after", "").strip()
    if not raw:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return default
        seconds = when.timestamp() - time.time()
    if not math.isfinite(seconds):
        return default
    return min(MAX_RETRY_AFTER, max(1, math.ceil(seconds)))


def _finish_reason(raw: str | None) -> FinishReason:
    return _FINISH_REASONS.get(raw or "stop", FinishReason.stop)


def _usage(raw: _UpstreamUsage | None) -> Usage | msgspec.UnsetType:
    if raw is None:
        return msgspec.UNSET
    prompt, completion = max(0, raw.prompt_tokens), max(0, raw.completion_tokens)
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=max(0, raw.total_tokens) or prompt + completion,
    )
