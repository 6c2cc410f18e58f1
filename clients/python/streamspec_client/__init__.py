"""Typed Python SDK for the Streamspec chat API, streaming included.

from streamspec_client import Client

with Client("http://127.0.0.1:8000", api_key="...") as client:
    with client.stream_chat(messages=[{"role": "user", "content": "hi"}]) as stream:
        for event in stream:
            if event.event == "delta":
                print(event.data.content, end="")
"""

from ._client import AsyncChatStream, AsyncClient, ChatStream, Client, __version__
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContentTooLargeError,
    GatewayTimeoutError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    ServiceUnavailableError,
    StreamError,
    StreamspecError,
    StreamTruncatedError,
    UnprocessableEntityError,
    UnsupportedMediaTypeError,
    UpstreamError,
)
from ._generated.models import (
    AssistantMessage,
    AssistantRole,
    ChatDelta,
    ChatDone,
    ChatMessage,
    ChatRequest,
    ChatResponse,
    FieldError,
    FinishReason,
    Health,
    HealthStatus,
    Problem,
    Role,
    Usage,
)
from ._generated.types import UNSET, Unset
from ._generated_streams import StreamChatDelta, StreamChatDone, StreamChatError, StreamChatEvent
from ._streaming import AsyncStream, Stream
from ._types import MessageParam, RoleLiteral

__all__ = [
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
