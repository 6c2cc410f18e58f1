"""The handlers: one method per operation of the contract."""

from __future__ import annotations

import platform
from collections.abc import AsyncIterator
from importlib.metadata import version

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
    StreamChatEvent,
)
from streamspec.errors import ModelNotFound, NotFound
from streamspec.providers import Provider
from streamspec.runtime import asgi_server_name

__all__ = ["ChatAPI"]


class ChatAPI(Operations):
    """The product's handlers: mypy checks each against the contract's signature, and
    `app.py` has it name every operation they lack."""

    def __init__(self, provider: Provider) -> None:
        self._provider = provider
        self._health = Health(
            status=Status.ok,
            version=version("streamspec"),
            server=asgi_server_name(),
            python=platform.python_version(),
        )

    async def get_health(self) -> Health:
        return self._health

    async def create_chat(self, body: ChatRequest) -> ChatResponse:
        return await self._provider.complete(body)

    def stream_chat(self, body: ChatRequest) -> AsyncIterator[StreamChatEvent]:
        # The provider's own generator, not a wrapper around it: closing the stream
        # must close the provider's upstream request at once, not when a wrapper is
        # collected.
        return self._provider.stream(body)

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
    ) -> ChatCompletion | msgspec.Raw | AsyncIterator[CreateChatCompletionEvent]:
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
