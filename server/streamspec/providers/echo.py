"""The embedded provider: replies with the last user message, so the server works offline."""

from __future__ import annotations

import asyncio
import math
import re
import secrets
import time
from collections.abc import AsyncIterator, Iterable

import msgspec

from streamspec._generated.models import (
    AssistantMessage,
    AssistantRole,
    ChatCompletion,
    ChatCompletionChoice,
    ChatCompletionChunk,
    ChatCompletionChunkChoice,
    ChatCompletionContentPartText,
    ChatCompletionFinishReason,
    ChatCompletionRequestMessage,
    ChatCompletionResponseMessage,
    ChatCompletionStreamDelta,
    ChatCompletionUserMessage,
    ChatDelta,
    ChatDone,
    ChatRequest,
    ChatResponse,
    CompletionUsage,
    CreateChatCompletionRequest,
    FinishReason,
    Model,
    ModelList,
    Object,
    Object1,
    Object2,
    Object3,
    OpenAIModel,
    OpenAIModelList,
    Role,
    Role1,
    Usage,
)
from streamspec._generated.operations import (
    CreateChatCompletionMessage,
    StreamChatDelta,
    StreamChatDone,
)
from streamspec.errors import ModelNotFound
from streamspec.providers import ProviderEvent

ECHO_MODEL = "echo"
_MODELS = ModelList(models=[Model(id=ECHO_MODEL, owned_by="streamspec")])
# When `echo` was made, for OpenAI's model list: fixed, so the list never changes.
ECHO_CREATED = 1_735_689_600
_OPENAI_MODELS = OpenAIModelList(
    object=Object3.list,
    data=[
        OpenAIModel(
            id=ECHO_MODEL, object=Object2.model, created=ECHO_CREATED, owned_by="streamspec"
        )
    ],
)
# A word with the whitespace after it, or leading whitespace alone: the pieces
# always concatenate back to the exact input.
_PIECE = re.compile(r"\S+\s*|\s+")


def split_pieces(text: str) -> list[str]:
    return _PIECE.findall(text)


class _Pacer:
    """Sleeps that share one timer per millisecond: every stream due in the same
    millisecond wakes from it, instead of each event arming a timer of its own
    (measured: 1.6-2.6 us a sleep against 3.5-4.8 with asyncio.sleep, at 1,000 streams).
    A wake-up is at most 1 ms late."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._due: dict[int, list[asyncio.Future[None]]] = {}

    def sleep(self, seconds: float) -> asyncio.Future[None]:
        tick = math.ceil((self.loop.time() + seconds) * 1000)
        waiter: asyncio.Future[None] = self.loop.create_future()
        waiters = self._due.get(tick)
        if waiters is None:
            waiters = self._due[tick] = []
            self.loop.call_at(tick / 1000, self._wake, tick)
        waiters.append(waiter)
        return waiter

    def _wake(self, tick: int) -> None:
        for waiter in self._due.pop(tick):
            if not waiter.done():  # a cancelled stream's sleep is done already
                waiter.set_result(None)


class EchoProvider:
    def __init__(self, delay_ms: float = 0.0) -> None:
        self._delay_s = delay_ms / 1000
        self._pacer: _Pacer | None = None

    def _pace(self) -> _Pacer:
        loop = asyncio.get_running_loop()
        if self._pacer is None or self._pacer.loop is not loop:
            self._pacer = _Pacer(loop)
        return self._pacer

    async def list_models(self) -> ModelList:
        return _MODELS

    async def complete(self, request: ChatRequest) -> ChatResponse:
        reply = _reply_to(request)
        return ChatResponse(
            message=AssistantMessage(role=AssistantRole.assistant, content=reply),
            model=ECHO_MODEL,
            finish_reason=FinishReason.stop,
            usage=_usage(request, reply, split_pieces(reply)),
        )

    async def stream(
        self, request: ChatRequest
    ) -> AsyncIterator[ProviderEvent | list[ProviderEvent]]:
        """Unpaced, the whole reply as one sequence; paced, one piece at a time."""
        reply = _reply_to(request)
        pieces = split_pieces(reply)
        usage = _usage(request, reply, pieces)
        done = StreamChatDone(
            data=ChatDone(finish_reason=FinishReason.stop, usage=usage, model=ECHO_MODEL)
        )
        if not self._delay_s:
            yield [*(StreamChatDelta(data=ChatDelta(content=piece)) for piece in pieces), done]
            return
        pacer = self._pace()
        for index, piece in enumerate(pieces):
            if index:
                await pacer.sleep(self._delay_s)
            yield StreamChatDelta(data=ChatDelta(content=piece))
        yield done

    async def list_openai_models(self) -> OpenAIModelList:
        return _OPENAI_MODELS

    async def complete_openai(
        self, request: CreateChatCompletionRequest, raw: bytes
    ) -> ChatCompletion:
        _check_model(request)
        reply = _openai_reply_to(request.messages)
        return ChatCompletion(
            id=_completion_id(),
            object=Object.chat_completion,
            created=int(time.time()),
            model=ECHO_MODEL,
            choices=[
                ChatCompletionChoice(
                    index=0,
                    message=ChatCompletionResponseMessage(role=Role1.assistant, content=reply),
                    finish_reason=ChatCompletionFinishReason.stop,
                )
            ],
            usage=_openai_usage(request.messages, reply, split_pieces(reply)),
        )

    async def stream_openai(
        self, request: CreateChatCompletionRequest, raw: bytes
    ) -> AsyncIterator[CreateChatCompletionMessage | list[CreateChatCompletionMessage]]:
        """Unpaced, the whole reply as one sequence; paced, one piece at a time."""
        _check_model(request)
        reply = _openai_reply_to(request.messages)
        pieces = split_pieces(reply)
        completion_id, created = _completion_id(), int(time.time())

        def chunk(
            delta: ChatCompletionStreamDelta,
            finish_reason: ChatCompletionFinishReason | None = None,
        ) -> CreateChatCompletionMessage:
            choice = ChatCompletionChunkChoice(index=0, delta=delta, finish_reason=finish_reason)
            return CreateChatCompletionMessage(
                data=ChatCompletionChunk(
                    id=completion_id,
                    object=Object1.chat_completion_chunk,
                    created=created,
                    model=ECHO_MODEL,
                    choices=[choice],
                )
            )

        # OpenAI's first chunk names the role; the text follows piece by piece.
        role = chunk(ChatCompletionStreamDelta(role=Role1.assistant, content=""))
        ends = [chunk(ChatCompletionStreamDelta(), ChatCompletionFinishReason.stop)]
        options = request.stream_options
        if options is not None and options is not msgspec.UNSET and options.include_usage is True:
            ends.append(
                CreateChatCompletionMessage(
                    data=ChatCompletionChunk(
                        id=completion_id,
                        object=Object1.chat_completion_chunk,
                        created=created,
                        model=ECHO_MODEL,
                        choices=[],
                        usage=_openai_usage(request.messages, reply, pieces),
                    )
                )
            )
        if not self._delay_s:
            texts = [chunk(ChatCompletionStreamDelta(content=piece)) for piece in pieces]
            yield [role, *texts, *ends]
            return
        yield role
        pacer = self._pace()
        for index, piece in enumerate(pieces):
            if index:
                await pacer.sleep(self._delay_s)
            yield chunk(ChatCompletionStreamDelta(content=piece))
        yield ends


def _check_model(request: CreateChatCompletionRequest) -> None:
    if request.model != ECHO_MODEL:
        raise ModelNotFound(
            f"The model `{request.model}` does not exist; the echo provider offers `echo`."
        )


def _completion_id() -> str:
    return "chatcmpl-" + secrets.token_hex(12)


def _text(message: ChatCompletionRequestMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.text for p in content if isinstance(p, ChatCompletionContentPartText))
    return ""


def _openai_reply_to(messages: list[ChatCompletionRequestMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, ChatCompletionUserMessage):
            return _text(message)
    return _text(messages[-1])


def _openai_usage(
    messages: list[ChatCompletionRequestMessage], reply: str, pieces: list[str]
) -> CompletionUsage:
    prompt, completion = _token_counts((_text(message) for message in messages), reply, pieces)
    return CompletionUsage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )


def _reply_to(request: ChatRequest) -> str:
    for message in reversed(request.messages):
        if message.role == Role.user:
            return message.content
    return request.messages[-1].content


def _usage(request: ChatRequest, reply: str, pieces: list[str]) -> Usage:
    prompt, completion = _token_counts(
        (message.content for message in request.messages), reply, pieces
    )
    return Usage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )


def _token_counts(texts: Iterable[str], reply: str, pieces: list[str]) -> tuple[int, int]:
    """Prompt and completion tokens, counted as pieces: of every message, and of the reply
    (`pieces`). The reply is one of the messages' own strings, so it is not split again."""
    completion = len(pieces)
    prompt = sum(completion if text is reply else len(split_pieces(text)) for text in texts)
    return prompt, completion
