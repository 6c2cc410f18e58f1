"""The embedded provider: replies with the last user message, so the server works offline."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from streamspec._generated.models import (
    AssistantMessage,
    AssistantRole,
    ChatDelta,
    ChatDone,
    ChatRequest,
    ChatResponse,
    FinishReason,
    Role,
    Usage,
)
from streamspec._generated.operations import StreamChatDelta, StreamChatDone
from streamspec.providers import ProviderEvent

ECHO_MODEL = "echo"
# A word with the whitespace after it, or leading whitespace alone: the pieces
# always concatenate back to the exact input.
_PIECE = re.compile(r"\S+\s*|\s+")


def split_pieces(text: str) -> list[str]:
    return _PIECE.findall(text)


class EchoProvider:
    def __init__(self, delay_ms: float = 0.0) -> None:
        self._delay_s = delay_ms / 1000

    async def complete(self, request: ChatRequest) -> ChatResponse:
        reply = _reply_to(request)
        return ChatResponse(
            message=AssistantMessage(role=AssistantRole.assistant, content=reply),
            model=ECHO_MODEL,
            finish_reason=FinishReason.stop,
            usage=_usage(request, reply),
        )

    async def stream(self, request: ChatRequest) -> AsyncIterator[ProviderEvent]:
        reply = _reply_to(request)
        for index, piece in enumerate(split_pieces(reply)):
            if index and self._delay_s:
                await asyncio.sleep(self._delay_s)
            yield StreamChatDelta(data=ChatDelta(content=piece))
        yield StreamChatDone(
            data=ChatDone(
                finish_reason=FinishReason.stop, usage=_usage(request, reply), model=ECHO_MODEL
            )
        )


def _reply_to(request: ChatRequest) -> str:
    for message in reversed(request.messages):
        if message.role == Role.user:
            return message.content
    return request.messages[-1].content


def _usage(request: ChatRequest, reply: str) -> Usage:
    prompt = sum(len(split_pieces(message.content)) for message in request.messages)
    completion = len(split_pieces(reply))
    return Usage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )
