"""The FastAPI peer of scripts/bench: Streamspec's echo endpoints, written as FastAPI's docs teach.

Pydantic models validate the body and serialize the answers; the stream is a
`StreamingResponse` over an async generator of SSE text, the way most FastAPI apps stream.
(FastAPI's newer `EventSourceResponse` with `ServerSentEvent` items measured about 5x slower
here: a producer task, a keepalive task and two memory streams per response.) Served by
uvicorn with uvloop and httptools, from bench/.venv:
python -m uvicorn fastapi_app:app --app-dir bench/peers --loop uvloop --http httptools
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

_PIECE = re.compile(r"\S+\s*|\s+")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["system", "user", "assistant"]
    content: Annotated[str, Field(min_length=1, max_length=100_000)]


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    messages: Annotated[list[ChatMessage], Field(min_length=1, max_length=256)]
    model: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    temperature: Annotated[float, Field(ge=0.0, le=2.0)] | None = None
    max_tokens: Annotated[int, Field(ge=1, le=1_000_000)] | None = None


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatResponse(BaseModel):
    message: AssistantMessage
    model: str
    finish_reason: Literal["stop", "length", "content_filter"]
    usage: Usage


class ChatDelta(BaseModel):
    content: str


class ChatDone(BaseModel):
    finish_reason: Literal["stop", "length", "content_filter"]
    model: str
    usage: Usage


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    server: str = "uvicorn"


app = FastAPI(title="bench peer: FastAPI")


def reply_to(request: ChatRequest) -> str:
    for message in reversed(request.messages):
        if message.role == "user":
            return message.content
    return request.messages[-1].content


def usage(request: ChatRequest, reply: str) -> Usage:
    prompt = sum(len(_PIECE.findall(message.content)) for message in request.messages)
    completion = len(_PIECE.findall(reply))
    return Usage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )


@app.get("/health")
async def health() -> Health:
    return Health()


@app.post("/api/chat")
async def create_chat(body: ChatRequest) -> ChatResponse:
    reply = reply_to(body)
    return ChatResponse(
        message=AssistantMessage(content=reply),
        model="echo",
        finish_reason="stop",
        usage=usage(body, reply),
    )


@app.post("/api/chat/stream")
async def stream_chat(body: ChatRequest) -> StreamingResponse:
    reply = reply_to(body)

    async def events() -> AsyncIterator[str]:
        for piece in _PIECE.findall(reply):
            yield f"event: delta\ndata: {ChatDelta(content=piece).model_dump_json()}\n\n"
        done = ChatDone(finish_reason="stop", model="echo", usage=usage(body, reply))
        yield f"event: done\ndata: {done.model_dump_json()}\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )
