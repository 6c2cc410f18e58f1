"""A fast fake OpenAI-compatible upstream for scripts/bench: precomputed answers, no framework.

POST /v1/chat/completions answers at once: with `"stream":true`, 50 content chunks, a
finish chunk, a usage chunk and `[DONE]` in one write (chunked encoding, as real
providers send it); otherwise one chat completion. A model named `paced-<ms>` streams
the first piece at once and then one piece every <ms> milliseconds, for measuring the
time to first token. GET /health answers ok.
Run: python bench/fast_upstream.py --port N (prints "listening on N").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from typing import cast

import uvloop

PIECES = [f"word{index} " for index in range(49)] + ["word49"]
_PACED = re.compile(rb'"model":\s*"paced-(\d+)"')
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


def _sse(payload: object) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def _chunk(delta: dict[str, str], finish: str | None = None) -> bytes:
    return _sse(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "fast",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
    )


def _http_chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


USAGE = {"prompt_tokens": 50, "completion_tokens": 50, "total_tokens": 100}
STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
    b"transfer-encoding: chunked\r\n\r\n"
)
PIECE_EVENTS = [_chunk({"content": piece}) for piece in PIECES]
STREAM_TAIL = (
    _chunk({}, "stop")
    + _sse({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0,
            "model": "fast", "choices": [], "usage": USAGE})
    + b"data: [DONE]\n\n"
)  # fmt: skip
STREAM_RESPONSE = (
    STREAM_HEAD
    + _http_chunk(_chunk({"role": "assistant", "content": ""}) + b"".join(PIECE_EVENTS))
    + _http_chunk(STREAM_TAIL)
    + b"0\r\n\r\n"
)
_completion = json.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 0,
        "model": "fast",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "".join(PIECES)},
                "finish_reason": "stop",
            }
        ],
        "usage": USAGE,
    },
    separators=(",", ":"),
).encode()
COMPLETION_RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
    % (len(_completion), _completion)
)
HEALTH_RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n"
    b'{"status":"ok"}'
)


class Upstream(asyncio.Protocol):
    def __init__(self) -> None:
        self._buffer = b""
        self._transport: asyncio.Transport | None = None
        self._pacing: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass

    def connection_lost(self, exc: Exception | None) -> None:
        if self._pacing is not None:
            self._pacing.cancel()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self._buffer[:end]
            length = _CONTENT_LENGTH.search(head)
            total = end + 4 + (int(length[1]) if length else 0)
            if len(self._buffer) < total:
                return
            body = self._buffer[end + 4 : total]
            self._buffer = self._buffer[total:]
            self._answer(head, body)

    def _answer(self, head: bytes, body: bytes) -> None:
        assert self._transport is not None
        if head.startswith(b"GET"):
            self._transport.write(HEALTH_RESPONSE)
        elif b'"stream":true' not in body.replace(b" ", b""):
            self._transport.write(COMPLETION_RESPONSE)
        elif paced := _PACED.search(body):
            self._transport.write(STREAM_HEAD + _http_chunk(PIECE_EVENTS[0]))
            self._pace(1, int(paced[1]) / 1000)
        else:
            self._transport.write(STREAM_RESPONSE)

    def _pace(self, index: int, interval: float) -> None:
        def send_next() -> None:
            assert self._transport is not None
            if self._transport.is_closing():
                return
            if index < len(PIECE_EVENTS):
                self._transport.write(_http_chunk(PIECE_EVENTS[index]))
                self._pace(index + 1, interval)
            else:
                self._transport.write(_http_chunk(STREAM_TAIL) + b"0\r\n\r\n")

        self._pacing = asyncio.get_running_loop().call_later(interval, send_next)


async def serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(
        Upstream, "127.0.0.1", port, backlog=8192
    )
    print(f"listening on {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    uvloop.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
