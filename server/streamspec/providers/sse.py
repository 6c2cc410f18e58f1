"""Server-sent events, bytes in: the data of each complete event out.

The relay's hot path. httpx-sse, which this replaces, decodes every chunk to text,
splits it into lines and runs a Python step per line; at the 50 events one provider
write usually holds, that was a tenth of the relay's CPU (see docs/benchmarks.md).
Here a chunk is split into events with `bytes.split`, and an event that is a single
`data:` line, which is what OpenAI-compatible providers send, costs one slice.
Anything else (comments, `id:`, `retry:`, several `data:` lines, CR line ends) takes
the line-by-line path of the WHATWG parsing rules. Payloads stay bytes, for
msgspec to decode without an intermediate str.
"""

from __future__ import annotations

_DATA = b"data:"


class LineTooLong(Exception):
    """A line grew past the cap without ending: the stream is not one to buffer."""


class SSEDataSplitter:
    """Feeds on a stream's bytes; returns the data of each event the bytes complete.

    Follows https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
    for what a relay needs: fields other than `data` are read past, an event with no
    data is not dispatched, and bytes after the last blank line wait for more.
    """

    def __init__(self, max_line_bytes: int) -> None:
        self._max_line_bytes = max_line_bytes
        self._tail = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        buffer = self._tail + chunk if self._tail else chunk
        held = b""
        if b"\r" in buffer:
            if buffer.endswith(b"\r"):  # maybe the first half of a CRLF: wait for the next byte
                buffer, held = buffer[:-1], b"\r"
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        blocks = buffer.split(b"\n\n")
        tail = blocks.pop()
        if len(tail) - tail.rfind(b"\n") - 1 > self._max_line_bytes:
            raise LineTooLong
        self._tail = tail + held
        payloads: list[bytes] = []
        for block in blocks:
            if block.startswith(_DATA) and b"\n" not in block:
                payloads.append(block[6:] if block[5:6] == b" " else block[5:])
            else:
                payloads.extend(_parse_lines(block))
        return payloads

    def end(self) -> list[bytes]:
        """At the end of the stream: a held CR was a line end after all. Bytes after the
        last blank line are an unfinished event, which the rules discard."""
        tail, self._tail = self._tail, b""
        return self.feed(tail[:-1] + b"\n") if tail.endswith(b"\r") else []


def _parse_lines(block: bytes) -> list[bytes]:
    """The slow path: one event's lines, after any blank lines that dispatch nothing."""
    payloads: list[bytes] = []
    data: list[bytes] = []
    for line in block.split(b"\n"):
        if not line:  # a blank line dispatches what came before it
            if data:
                payloads.append(b"\n".join(data))
                data = []
            continue
        field, _, value = line.partition(b":")
        if field == b"data":  # a line "data" with no colon is data too, and empty
            data.append(value[1:] if value[:1] == b" " else value)
        # Comments (a line starting with a colon) and every other field are read past.
    if data:
        payloads.append(b"\n".join(data))
    return payloads
