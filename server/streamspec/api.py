"""The handlers: one method per operation of the contract."""

from __future__ import annotations

import platform
from collections.abc import AsyncIterator, Sequence
from importlib.metadata import version
from typing import Any

import msgspec

from streamspec._generated.models import (
    ChatCompletion,
    ChatRequest,
    ChatResponse,
    CreateChatCompletionRequest,
    Health,
    Model,
    ModelList,
    OpenAIModel,
    OpenAIModelList,
    Status,
)
from streamspec._generated.operations import (
    CreateChatCompletionEvent,
    Operations,
    StreamChatDone,
    StreamChatEvent,
)
from streamspec.asgi import aclose
from streamspec.callers import current_caller
from streamspec.errors import ModelNotFound, NotFound
from streamspec.metrics import Metrics
from streamspec.providers import Provider
from streamspec.runtime import asgi_server_name

__all__ = ["ChatAPI"]


class ChatAPI(Operations):
    """The product's handlers: mypy checks each against the contract's signature, and
    `app.py` has it name every operation they lack."""

    def __init__(self, provider: Provider, metrics: Metrics | None = None) -> None:
        self._provider = provider
        self._metrics = metrics or Metrics()
        self._health = Health(
            status=Status.ok,
            version=version("streamspec"),
            server=asgi_server_name(),
            python=platform.python_version(),
        )

    async def get_health(self) -> Health:
        return self._health

    async def create_chat(self, body: ChatRequest) -> ChatResponse:
        response = await self._provider.complete(body)
        if not isinstance(response.usage, msgspec.UnsetType):
            self._metrics.tokens_used(current_caller.get(), response.usage)
        return response

    def stream_chat(
        self, body: ChatRequest
    ) -> AsyncIterator[StreamChatEvent | Sequence[StreamChatEvent]]:
        return _CountingTokens(self._provider.stream(body), self._metrics)

    async def list_models(self) -> ModelList:
        return await self._provider.list_models()

    async def get_model(self, model_id: str) -> Model:
        for model in (await self._provider.list_models()).models:
            if model.id == model_id:
                return model
        raise NotFound(
            f"The provider offers no model {model_id!r}; listModels names those it does."
        )

    async def create_chat_completion(
        self, body: CreateChatCompletionRequest, *, raw_body: bytes
    ) -> (
        ChatCompletion
        | msgspec.Raw
        | AsyncIterator[CreateChatCompletionEvent | Sequence[CreateChatCompletionEvent]]
    ):
        if body.stream is True:
            return self._provider.stream_openai(body, raw_body)
        return await self._provider.complete_openai(body, raw_body)

    async def list_openai_models(self) -> OpenAIModelList:
        return await self._provider.list_openai_models()

    async def retrieve_openai_model(self, model: str) -> OpenAIModel:
        for offered in (await self._provider.list_openai_models()).data:
            if offered.id == model:
                return offered
        raise ModelNotFound(f"The model `{model}` does not exist.")


class _CountingTokens:
    """The provider's events, unchanged, counting the tokens its `done` event reports
    (the last event of the stream, alone or at the end of a sequence).

    Not a generator around the provider's: closing this closes the provider's at once,
    and with it the upstream request, where a generator would leave it to be collected.
    """

    __slots__ = ("_events", "_metrics")

    def __init__(self, events: AsyncIterator[Any], metrics: Metrics) -> None:
        self._events = events
        self._metrics = metrics

    def __aiter__(self) -> _CountingTokens:
        return self

    async def __anext__(self) -> Any:
        item = await self._events.__anext__()
        event = item if isinstance(item, msgspec.Struct) else item[-1]
        if type(event) is StreamChatDone and not isinstance(event.data.usage, msgspec.UnsetType):
            self._metrics.tokens_used(current_caller.get(), event.data.usage)
        return item

    async def aclose(self) -> None:
        await aclose(self._events)
