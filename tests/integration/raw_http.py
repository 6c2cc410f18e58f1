"""HTTP/1.1 over a bare socket, for requests no client library would send."""

from __future__ import annotations

import contextlib
import socket
import time
from dataclasses import dataclass, field


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Exchange:
    answers: list[Answer] = field(default_factory=list)
    closed: bool = False  # the server closed the connection (EOF or reset)
    early: bytes = b""  # what arrived before the second part was sent
    unparsed: bytes = b""


def parse_answers(data: bytes, *, head_only: bool = False) -> tuple[list[Answer], bytes]:
    """The complete answers at the start of `data`, framed by Content-Length, and the rest."""
    answers = []
    while b"\r\n\r\n" in data:
        head, _, rest = data.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if head_only else int(headers.get("content-length", "0"))
        if len(rest) < length:
            break
        answers.append(Answer(int(status_line.split()[1]), headers, rest[:length]))
        data = rest[length:]
    return answers, data


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def exchange(
    port: int,
    data: bytes,
    *,
    then: bytes | None = None,
    pause: float = 0.3,
    read_seconds: float = 2.0,
    until_answers: int | None = None,
    head_only: bool = False,
) -> Exchange:
    """Send `data` (then, after `pause`, `then`) and read until the server closes, `until_answers`
    answers have arrived, or `read_seconds` pass."""
    result = Exchange()
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        try:
            sock.sendall(data)
        except OSError:
            result.closed = True
        if then is not None and not result.closed:
            time.sleep(pause)
            sock.settimeout(0.01)
            with contextlib.suppress(TimeoutError, BlockingIOError):
                result.early = sock.recv(65536)
            try:
                sock.sendall(then)
            except OSError:
                result.closed = True
            received = result.early
        deadline = time.monotonic() + read_seconds
        sock.settimeout(0.05)
        while time.monotonic() < deadline:
            if until_answers is not None:
                answers, _ = parse_answers(received, head_only=head_only)
                if len(answers) >= until_answers:
                    break
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                result.closed = True
                break
            if not chunk:
                result.closed = True
                break
            received += chunk
    result.answers, result.unparsed = parse_answers(received, head_only=head_only)
    return result


def post(
    path: str, body: bytes, *, headers: str = "", content_type: str = "application/json"
) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: {content_type}\r\n"
        f"content-length: {len(body)}\r\n{headers}\r\n"
    ).encode() + body
