"""A small WHATWG-style SSE reader for tests, independent of the server's own parsing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Event:
    event: str
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


def read_events(lines: Iterator[str]) -> Iterator[Event]:
    name, data = "", list[str]()
    for line in lines:
        if line == "":
            if data:
                yield Event(name or "message", "\n".join(data))
            name, data = "", list[str]()
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)


def sse_lines(chunks: Iterator[bytes]) -> Iterator[str]:
    """Lines split only at CR, LF or CRLF, as SSE says; httpx's iter_lines splits at U+2028 too."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        while True:
            cut = min((i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0), default=-1)
            if cut < 0 or (buffer[cut : cut + 1] == b"\r" and cut + 1 == len(buffer)):
                break
            width = 2 if buffer[cut : cut + 2] == b"\r\n" else 1
            yield buffer[:cut].decode()
            buffer = buffer[cut + width :]
    if buffer:
        yield buffer.decode()


def stream_events(
    url: str, body: dict[str, Any], headers: dict[str, str] | None = None, timeout: float = 15
) -> tuple[httpx.Response, list[Event]]:
    with httpx.stream("POST", url, json=body, headers=headers, timeout=timeout) as response:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return response, list(read_events(sse_lines(response.iter_bytes())))
        response.read()
        return response, []
