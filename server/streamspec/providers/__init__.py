"""Where replies come from: the embedded echo provider, or an OpenAI-compatible upstream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol, TypeAlias

import msgspec

from streamspec._generated.models import (
    ChatCompletion,
    ChatRequest,
    ChatResponse,
    CreateChatCompletionRequest,
    ModelList,
    OpenAIModelList,
)
from streamspec._generated.operations import (
    CreateChatCompletionMessage,
    StreamChatDelta,
    StreamChatDone,
)

ProviderEvent: TypeAlias = StreamChatDelta | StreamChatDone


class Provider(Protocol):
    """Answers chats. Failures are raised as `streamspec.errors.ProblemError`s."""

    async def complete(self, request: ChatRequest) -> ChatResponse: ...

    def stream(
        self, request: ChatRequest
    ) -> AsyncIterator[ProviderEvent | Sequence[ProviderEvent]]:
        """Zero or more deltas, then exactly one done; events that are ready together
        may come as one sequence, which the server writes at once."""
        ...

    async def list_models(self) -> ModelList:
        """The models a chat may name, in the provider's order."""
        ...

    async def list_openai_models(self) -> OpenAIModelList:
        """The same models, as OpenAI's API lists them."""
        ...

    async def complete_openai(
        self, request: CreateChatCompletionRequest, raw: bytes
    ) -> ChatCompletion | msgspec.Raw:
        """OpenAI's chat completion; `raw` is the body as the client sent it."""
        ...

    def stream_openai(
        self, request: CreateChatCompletionRequest, raw: bytes
    ) -> AsyncIterator[CreateChatCompletionMessage | Sequence[CreateChatCompletionMessage]]:
        """OpenAI's chunks, one at a time or a sequence at a time, without the closing
        `[DONE]`, which the server writes."""
        ...
