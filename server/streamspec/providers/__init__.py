"""Where replies come from: the embedded echo provider, or an OpenAI-compatible upstream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, TypeAlias

from streamspec._generated.models import ChatRequest, ChatResponse, ModelList
from streamspec._generated.operations import StreamChatDelta, StreamChatDone

ProviderEvent: TypeAlias = StreamChatDelta | StreamChatDone


class Provider(Protocol):
    """Answers chats. Failures are raised as `streamspec.errors.ProblemError`s."""

    async def complete(self, request: ChatRequest) -> ChatResponse: ...

    def stream(self, request: ChatRequest) -> AsyncIterator[ProviderEvent]:
        """Zero or more deltas, then exactly one done."""
        ...

    async def list_models(self) -> ModelList:
        """The models a chat may name, in the provider's order."""
        ...
