"""A fake OpenAI-compatible provider that can misbehave on request.

It speaks raw HTTP/1.1 over asyncio streams so that it can do what a
framework would prevent: stall, reset the connection mid-stream, or send a
malformed chunk. The request's `model` picks the behaviour:

    any other name       a reply of "fake reply to: <last user message>"
    fault-stall          accept the request and never answer
    fault-stall-mid      stream two pieces, then never send more
    fault-slow           stream a piece every 200 ms
    fault-reset          stream two pieces, then reset the connection
    fault-malformed      stream two pieces, then a chunk of truncated JSON
    fault-no-done        stream the pieces and close without finishing
    fault-401|403|404|429|500|503
                         answer with that status (429 with Retry-After: 7)
    fault-redirect       answer 307 to another address
    fault-garbled        answer 200 with a body that is not a completion
    fault-bad-http       answer with a status line that is not HTTP
    fault-noise          stream with CRLF, comments, id/retry lines, empty events, and each
                         event split across two writes: the reply must still arrive intact
    fault-u2028          a reply holding raw U+2028/U+2029 inside its JSON strings
    fault-bad-utf8       stream two pieces, then bytes that are not UTF-8
    fault-422            answer 422, as fault-404 does
    missing-model        404 with OpenAI's envelope and code model_not_found
    invalid-model        400 as LiteLLM words it, with the caller's bearer token in the
                         message (a gateway must scrub it)

A request with `tools` is answered with a call of the first tool, its arguments
streamed in pieces. Chunks carry `id`, `created`, `system_fingerprint`, `logprobs`
and a vendor field, `x_fake`; the usage chunk comes only with
`stream_options.include_usage`, as OpenAI sends it.

`GET .../models` lists fake-small and fake-large. `GET /_stats` reports what it has
seen (each chat's body among it), for tests that check the relay.
Run: python -m tests.fakes.upstream [--port N]; it prints "listening on <port>".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Any

_PIECE = re.compile(r"\S+\s*|\s+")
_STATUS_TEXT = {
    200: "OK", 307: "Temporary Redirect", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 422: "Unprocessable Content", 429: "Too Many Requests",
    500: "Internal Server Error", 503: "Service Unavailable",
}  # fmt: skip
TOOL_ARGUMENTS = '{"city": "Paris", "unit": "celsius"}'
FINGERPRINT = "fp_fake"


FAKE_MODELS = {
    "object": "list",
    "data": [
        {"id": "fake-small", "object": "model", "created": 1700000000, "owned_by": "fake"},
        {"id": "fake-large", "object": "model", "created": 1700000000, "owned_by": "fake"},
    ],
}


@dataclass
class Stats:
    requests: int = 0
    open_connections: int = 0
    authorizations: list[str] = field(default_factory=list)
    cookies: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    model_listings: int = 0
    closed_at: list[float] = field(default_factory=list)


class FakeUpstream:
    def __init__(self) -> None:
        self.stats = Stats()

    async def handle_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.stats.open_connections += 1
        try:
            while await self._handle_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.stats.open_connections -= 1
            self.stats.closed_at.append(time.time())
            writer.close()

    async def _handle_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _version = request_line.split(" ", 2)
        headers = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))

        if method == "GET" and path == "/_stats":
            # Not counting the connection that asks.
            stats = {**self.stats.__dict__, "open_connections": self.stats.open_connections - 1}
            await _respond(writer, 200, json.dumps(stats).encode())
            return True
        if method == "GET" and path.endswith("/models"):
            self.stats.model_listings += 1
            await _respond(writer, 200, json.dumps(FAKE_MODELS).encode())
            return True
        if method != "POST" or not path.endswith("/chat/completions"):
            await _respond(writer, 404, b'{"error": {"message": "not found"}}')
            return True

        self.stats.requests += 1
        self.stats.authorizations.append(headers.get("authorization", ""))
        self.stats.cookies.append(headers.get("cookie", ""))
        payload: dict[str, Any] = json.loads(body)
        model = str(payload.get("model", ""))
        self.stats.models.append(model)
        self.stats.bodies.append(payload)
        reply = "fake reply to: " + _last_user_message(payload)
        if model == "fault-u2028":
            reply += " line\u2028separated\u2029paragraph"
        refusal = _refusal(model, headers.get("authorization", ""))
        if refusal is not None:
            await _respond(writer, refusal[0], json.dumps(refusal[1]).encode())
            return True
        return await self._answer(reader, writer, model, reply, payload)

    async def _answer(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        model: str,
        reply: str,
        payload: dict[str, Any],
    ) -> bool:
        stream = bool(payload.get("stream"))
        tool = _first_tool(payload)
        if model == "fault-stall":
            await _until_closed(reader)
            return False
        if model.startswith("fault-") and model[6:].isdigit():
            status = int(model[6:])
            headers = {"Retry-After": "7"} if status == 429 else {}
            error = {"error": {"message": f"fake {status}", "type": "fake"}}
            await _respond(writer, status, json.dumps(error).encode(), headers)
            return True
        if model == "fault-redirect":
            await _respond(writer, 307, b"", {"Location": "http://127.0.0.1:9/v1/chat/completions"})
            return True
        if model == "fault-bad-http":
            writer.write(b"HTTP/1.1 OK-ish\r\nnot a header line\r\n\r\n")
            await writer.drain()
            return False
        if model == "fault-garbled":
            await _respond(writer, 200, b'{"object": "not a completion"}')
            return True
        if not stream:
            message: dict[str, Any] = {"role": "assistant", "content": reply}
            if tool is not None:
                message = {"role": "assistant", "content": None, "tool_calls": [_call(tool)]}
            completion = {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 1700000000,
                "model": model,
                "system_fingerprint": FINGERPRINT,
                "choices": [
                    {
                        "index": 0,
                        "message": message,
                        "logprobs": None,
                        "finish_reason": "stop" if tool is None else "tool_calls",
                    }
                ],
                "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8},
                "x_fake": {"served_by": "fake"},
            }
            await _respond(writer, 200, json.dumps(completion).encode())
            return True
        options = payload.get("stream_options") or {}
        usage = bool(options.get("include_usage"))
        if tool is not None:
            return await self._stream_tool_call(writer, model, tool, usage=usage)
        return await self._stream(reader, writer, model, reply, usage=usage)

    async def _stream_tool_call(
        self, writer: asyncio.StreamWriter, model: str, tool: str, *, usage: bool
    ) -> bool:
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )
        call = _call(tool)
        first = {**call, "index": 0, "function": {"name": tool, "arguments": ""}}
        opening = {"role": "assistant", "content": None, "tool_calls": [first]}
        deltas: list[dict[str, Any]] = [opening]
        for piece in (TOOL_ARGUMENTS[:9], TOOL_ARGUMENTS[9:20], TOOL_ARGUMENTS[20:]):
            deltas.append({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
        for delta in deltas:
            await _chunk(writer, _sse(_stream_chunk(model, {"delta": delta})))
        await _chunk(
            writer, _sse(_stream_chunk(model, {"delta": {}, "finish_reason": "tool_calls"}))
        )
        return await _finish_stream(writer, model, usage=usage)

    async def _stream(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        model: str,
        reply: str,
        *,
        usage: bool,
    ) -> bool:
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )
        for index, piece in enumerate(_PIECE.findall(reply)):
            if index == 2 and model == "fault-stall-mid":
                await _until_closed(reader)
                return False
            if index == 2 and model == "fault-reset":
                _reset(writer)
                return False
            if index == 2 and model == "fault-malformed":
                await _chunk(writer, b'data: {"choices": [{"delta": {"content": "tru\n\n')
                continue
            if index == 2 and model == "fault-bad-utf8":
                await _chunk(writer, b'data: {"choices": [{"delta": {"content": "\xff\xfe"}}]}\n\n')
                continue
            if model == "fault-noise":
                event = _sse({"model": model, "choices": [{"delta": {"content": piece}}]})
                event = b": comment\r\nid: 7\r\nretry: 10\r\n\r\nevent: \r\n\r\n" + event.replace(
                    b"\n", b"\r\n"
                )
                middle = len(event) // 2
                await _chunk(writer, event[:middle])
                await asyncio.sleep(0.001)
                await _chunk(writer, event[middle:])
                continue
            if model == "fault-slow":
                await asyncio.sleep(0.2)
            await _chunk(writer, _sse(_stream_chunk(model, {"delta": {"content": piece}})))
        if model == "fault-no-done":
            await _chunk(writer, b"")
            return False
        await _chunk(writer, _sse(_stream_chunk(model, {"delta": {}, "finish_reason": "stop"})))
        return await _finish_stream(writer, model, usage=usage)


async def _finish_stream(writer: asyncio.StreamWriter, model: str, *, usage: bool) -> bool:
    if usage:
        counts = {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
        await _chunk(writer, _sse({**_stream_chunk(model, None), "usage": counts}))
    await _chunk(writer, b"data: [DONE]\n\n")
    await _chunk(writer, b"")
    return True


def _stream_chunk(model: str, choice: dict[str, Any] | None) -> dict[str, Any]:
    """An OpenAI chunk with the fields a relay must keep; no choice: the usage chunk's []."""
    choices = [] if choice is None else [{"index": 0, "logprobs": None, **choice}]
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "system_fingerprint": FINGERPRINT,
        "choices": choices,
        "x_fake": {"served_by": "fake"},
    }


def _first_tool(payload: dict[str, Any]) -> str | None:
    tools = payload.get("tools") or []
    return str(tools[0]["function"]["name"]) if tools else None


def _call(tool: str) -> dict[str, Any]:
    return {
        "id": "call_fake",
        "type": "function",
        "function": {"name": tool, "arguments": TOOL_ARGUMENTS},
    }


def _refusal(model: str, authorization: str) -> tuple[int, dict[str, Any]] | None:
    """How a provider refuses a model it does not serve, in two providers' words."""
    if model == "missing-model":
        message = f"The model `{model}` does not exist or you do not have access to it."
        error = {"message": message, "type": "invalid_request_error", "param": None,
                 "code": "model_not_found"}  # fmt: skip
        return 404, {"error": error}
    if model == "invalid-model":
        token = authorization.removeprefix("Bearer ")
        message = f"Invalid model name passed in model={model}. Call made with key={token}"
        return 400, {"error": {"message": message, "type": None, "param": None, "code": "400"}}
    return None


async def _until_closed(reader: asyncio.StreamReader) -> None:
    """Stall: send nothing more, but notice (as a real server would) when the peer hangs up."""
    while await reader.read(65536):
        pass


def _last_user_message(payload: dict[str, Any]) -> str:
    messages = [m for m in payload.get("messages", []) if m.get("role") == "user"]
    return str(messages[-1]["content"]) if messages else ""


def _sse(chunk: dict[str, Any]) -> bytes:
    # ensure_ascii=False: real providers send raw UTF-8, U+2028 included.
    return b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n"


async def _chunk(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(b"%x\r\n%s\r\n" % (len(data), data))
    await writer.drain()


PLANTED_COOKIE = "upstream-session=planted"


async def _respond(
    writer: asyncio.StreamWriter, status: int, body: bytes, headers: dict[str, str] | None = None
) -> None:
    lines = [f"HTTP/1.1 {status} {_STATUS_TEXT.get(status, 'Status')}"]
    lines += ["content-type: application/json", f"content-length: {len(body)}"]
    # Providers set cookies (Cloudflare's, for one); a gateway must not hand them on.
    lines.append(f"set-cookie: {PLANTED_COOKIE}; Path=/")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    # Linger 0 makes close() send RST instead of FIN: an abrupt reset, as a crashing peer would.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def main(port: int) -> None:
    upstream = FakeUpstream()
    server = await asyncio.start_server(upstream.handle_connection, "127.0.0.1", port)
    print(f"listening on {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
