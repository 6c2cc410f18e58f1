"""An OpenAI-compatible upstream (OpenAI, Ollama, vLLM, llama.cpp, ...) over httpx.

Every way the upstream can fail becomes an `UpstreamError`; nothing about the
upstream's credentials ever reaches a message, since only status codes and our
own words go into them.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import msgspec
from httpx_sse import EventSource, SSEError

from streamspec._generated.models import (
    AssistantMessage,
    AssistantRole,
    ChatDelta,
    ChatDone,
    ChatRequest,
    ChatResponse,
    FinishReason,
    Usage,
)
from streamspec._generated.operations import StreamChatDelta, StreamChatDone
from streamspec.errors import (
    UpstreamError,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from streamspec.providers import ProviderEvent


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


_completion_decoder = msgspec.json.Decoder(_UpstreamCompletion)
_chunk_decoder = msgspec.json.Decoder(_UpstreamChunk)
_encoder = msgspec.json.Encoder()
_FINISH_REASONS = {reason.value: reason for reason in FinishReason}
_STREAM_END = "[DONE]"


class OpenAIProvider:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: str | None,
        default_model: str,
    ) -> None:
        self._client = client
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._headers = {"content-type": "application/json", "accept": "application/json"}
        if api_key:
            self._headers["authorization"] = f"Bearer {api_key}"
        self._stream_headers = {**self._headers, "accept": "text/event-stream"}
        self._default_model = default_model

    async def complete(self, request: ChatRequest) -> ChatResponse:
        try:
            response = await self._client.post(
                self._url, content=self._payload(request, stream=False), headers=self._headers
            )
        except httpx.TimeoutException:
            raise UpstreamTimeout("The provider did not answer in time.") from None
        except httpx.HTTPError:
            raise UpstreamUnavailable("The provider could not be reached.") from None
        _raise_for_status(response)
        try:
            completion = _completion_decoder.decode(response.content)
            choice = completion.choices[0]
        except (msgspec.DecodeError, IndexError):
            raise UpstreamUnavailable("The provider's answer was not a chat completion.") from None
        return ChatResponse(
            message=AssistantMessage(
                role=AssistantRole.assistant, content=choice.message.content or ""
            ),
            model=completion.model or self._model(request),
            finish_reason=_finish_reason(choice.finish_reason),
            usage=_usage(completion.usage),
        )

    async def stream(self, request: ChatRequest) -> AsyncIterator[ProviderEvent]:
        model = self._model(request)
        finish_reason: FinishReason | None = None
        usage: Usage | msgspec.UnsetType = msgspec.UNSET
        try:
            async with self._client.stream(
                "POST",
                self._url,
                content=self._payload(request, stream=True),
                headers=self._stream_headers,
            ) as response:
                _raise_for_status(response)
                async for sse in EventSource(response).aiter_sse():
                    if not sse.data:
                        continue  # WHATWG: an event with no data is not dispatched
                    if sse.data == _STREAM_END:
                        break
                    chunk = _decode_chunk(sse.data)
                    model = chunk.model or model
                    if chunk.usage is not None:
                        usage = _usage(chunk.usage)
                    for choice in chunk.choices[:1]:
                        if choice.delta.content:
                            yield StreamChatDelta(data=ChatDelta(content=choice.delta.content))
                        if choice.finish_reason is not None:
                            finish_reason = _finish_reason(choice.finish_reason)
                else:
                    if finish_reason is None:
                        raise UpstreamUnavailable("The provider ended the stream before finishing.")
        except UpstreamError:
            raise
        except httpx.TimeoutException:
            raise UpstreamTimeout("The provider stopped answering in time.") from None
        except (httpx.HTTPError, httpx.StreamError, SSEError):
            raise UpstreamUnavailable("The connection to the provider failed mid-answer.") from None
        yield StreamChatDone(
            data=ChatDone(
                finish_reason=finish_reason or FinishReason.stop, usage=usage, model=model
            )
        )

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


def _decode_chunk(data: str) -> _UpstreamChunk:
    try:
        return _chunk_decoder.decode(data)
    except msgspec.DecodeError:
        raise UpstreamUnavailable("The provider sent a malformed stream chunk.") from None


def _raise_for_status(response: httpx.Response) -> None:
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
    raise UpstreamUnavailable(f"The provider answered with HTTP status {status}.")


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
    if seconds != seconds or seconds == math.inf:
        return default
    return max(1, math.ceil(seconds))


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
