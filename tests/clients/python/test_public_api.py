"""The public surface changes only on purpose, and stays in step with the contract."""

from __future__ import annotations

import inspect
import typing

import attrs

import streamspec_client
from streamspec_client import AsyncClient, ChatRequest, Client, MessageParam, Role
from streamspec_client._generated_streams import STREAM_CHAT, STREAM_OPERATIONS

EXPORTED = [
    "UNSET",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AssistantMessage",
    "AssistantRole",
    "AsyncChatStream",
    "AsyncClient",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "ChatDelta",
    "ChatDone",
    "ChatMessage",
    "ChatRequest",
    "ChatResponse",
    "ChatStream",
    "Client",
    "ContentTooLargeError",
    "FieldError",
    "FinishReason",
    "GatewayTimeoutError",
    "Health",
    "HealthStatus",
    "InternalServerError",
    "MessageParam",
    "NotFoundError",
    "PermissionDeniedError",
    "Problem",
    "RateLimitError",
    "RequestTimeoutError",
    "Role",
    "RoleLiteral",
    "ServiceUnavailableError",
    "Stream",
    "StreamChatDelta",
    "StreamChatDone",
    "StreamChatError",
    "StreamChatEvent",
    "StreamError",
    "StreamTruncatedError",
    "StreamspecError",
    "UnprocessableEntityError",
    "Unset",
    "UnsupportedMediaTypeError",
    "UpstreamError",
    "Usage",
    "__version__",
]


def test_exported_members_are_exactly_the_public_api() -> None:
    assert streamspec_client.__all__ == EXPORTED
    for name in EXPORTED:
        assert hasattr(streamspec_client, name), name


def _parameters(function: object) -> list[tuple[str, object, object, object]]:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return [
        (p.name, p.kind, p.default, p.annotation)
        for p in signature.parameters.values()
        if p.name != "self"
    ]


def test_stream_chat_and_create_chat_take_the_same_parameters() -> None:
    for client_class in (Client, AsyncClient):
        assert _parameters(client_class.stream_chat) == _parameters(client_class.create_chat)


def test_async_client_methods_take_the_same_parameters_as_client() -> None:
    for name in ("get_health", "create_chat", "stream_chat"):
        assert _parameters(getattr(AsyncClient, name)) == _parameters(getattr(Client, name))
    assert _parameters(AsyncClient.__init__)[:-1] == _parameters(Client.__init__)[:-1]


def test_chat_method_keywords_are_the_chat_request_fields_of_the_contract() -> None:
    fields = [field.name for field in attrs.fields(ChatRequest)]

    assert [name for name, *_ in _parameters(Client.create_chat)] == fields
    assert STREAM_CHAT.request_type is ChatRequest


def test_message_param_roles_are_the_contract_roles() -> None:
    role_literal = typing.get_type_hints(MessageParam)["role"]

    assert set(typing.get_args(role_literal)) == {role.value for role in Role}


def test_every_streamed_operation_has_a_client_method() -> None:
    for operation in STREAM_OPERATIONS.values():
        assert callable(getattr(Client, operation.method_name))
        assert callable(getattr(AsyncClient, operation.method_name))
