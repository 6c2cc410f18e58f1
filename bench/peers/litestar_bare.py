"""The bare Litestar peer of scripts/bench: our framework's ceiling.

The same echo endpoints as Streamspec with msgspec Struct validation and nothing else:
no middleware, no auth, no rate limits, no OpenAPI. Served by granian with uvloop, from
the main .venv: python -m granian --interface asgi --loop uvloop --working-dir bench/peers
litestar_bare:app
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Annotated

import msgspec
from litestar import Litestar, get, post
from litestar.response import Stream

_PIECE = re.compile(r"\S+\s*|\s+")
_encoder = msgspec.json.Encoder()


class Role(StrEnum):
    system = "system"
    user = "user"
    assistant = "assistant"


class ChatMessage(msgspec.Struct, forbid_unknown_fields=True):
    role: Role
    content: Annotated[str, msgspec.Meta(min_length=1, max_length=100_000)]


class ChatRequest(msgspec.Struct, forbid_unknown_fields=True):
    messages: Annotated[list[ChatMessage], msgspec.Meta(min_length=1, max_length=256)]
    model: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    temperature: Annotated[float, msgspec.Meta(ge=0.0, le=2.0)] | None = None
    max_tokens: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] | None = None


class Usage(msgspec.Struct):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(msgspec.Struct):
    role: str
    content: str


class ChatResponse(msgspec.Struct):
    message: AssistantMessage
    model: str
    finish_reason: str
    usage: Usage


class ChatDelta(msgspec.Struct):
    content: str


class ChatDone(msgspec.Struct):
    finish_reason: str
    model: str
    usage: Usage


class Health(msgspec.Struct):
    status: str = "ok"
    server: str = "granian"


def reply_to(request: ChatRequest) -> str:
    for message in reversed(request.messages):
        if message.role is Role.user:
            return message.content
    return request.messages[-1].content


def usage(request: ChatRequest, reply: str) -> Usage:
    prompt = sum(len(_PIECE.findall(message.content)) for message in request.messages)
    completion = len(_PIECE.findall(reply))
    return Usage(prompt, completion, prompt + completion)


@get("/health")
async def health() -> Health:
    return Health()


@post("/api/chat", status_code=200)
async def create_chat(data: ChatRequest) -> ChatResponse:
    reply = reply_to(data)
    return ChatResponse(AssistantMessage("assistant", reply), "echo", "stop", usage(data, reply))


@post("/api/chat/stream", status_code=200)
async def stream_chat(data: ChatRequest) -> Stream:
    reply = reply_to(data)

    async def events() -> AsyncIterator[bytes]:
        for piece in _PIECE.findall(reply):
            yield b"event: delta\ndata: " + _encoder.encode(ChatDelta(piece)) + b"\n\n"
        done = ChatDone("stop", "echo", usage(data, reply))
        yield b"event: done\ndata: " + _encoder.encode(done) + b"\n\n"

    return Stream(
        events(),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


app = Litestar(route_handlers=[health, create_chat, stream_chat], openapi_config=None)
