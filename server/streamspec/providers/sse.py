"""Server-sent events, bytes in: the data of each complete event out.

The relay's hot path. httpx-sse, which this replaces, decodes every chunk to text,
splits it into lines and runs a Python step per line; at the 50 events one provider
write usually holds, that was a tenth of the relay's CPU (see docs/benchmarks.md).
Here a read of whole events that are each a single `data: ` line, which is what
OpenAI-compatible providers send, is split into payloads by one `bytes.split`; otherwise
the read is split into events, and a one-line `data:` event costs one slice. Anything
else (comments, `id:`, `retry:`, several `data:` lines) takes the line-by-line path of
the WHATWG parsing rules. Payloads stay bytes, for msgspec to decode without an
intermediate str.
"""

from __future__ import annotations

_DATA = b"data:"
_DATA_LINE = b"data: "
_NEXT_DATA_LINE = b"\n\n" + _DATA_LINE
_BOM = b"\xef\xbb\xbf"


class EventTooLarge(Exception):
    """An event grew past the cap without ending: the stream is not one to buffer."""


class SSEDataSplitter:
    """Feeds on a stream's bytes; returns the data of each event the bytes complete.

    Follows https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
    for what a relay needs: one leading BOM is dropped; CR, LF and CRLF all end a
    line; fields other than `data` are read past; an event with no data is not
    dispatched; bytes after the last blank line wait for more, and are discarded if
    the stream ends. The bytes of an unfinished event are kept as a list and joined
    once, when the event completes, so a long event costs linear time.
    """

    def __init__(self, max_event_bytes: int) -> None:
        self._max_event_bytes = max_event_bytes
        self._pending: list[bytes] = []  # the unfinished event, line ends already LF
        self._pending_bytes = 0
        self._held_cr = False  # a CR ending the last read: maybe the first half of a CRLF
        self._start: bytes | None = b""  # until the first bytes are seen: a partial BOM

    def feed(self, chunk: bytes) -> list[bytes]:
        if self._start is not None:
            chunk = self._start + chunk
            if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
                self._start = chunk
                return []
            self._start = None
            if chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
        if self._held_cr:
            chunk = b"\r" + chunk
            self._held_cr = False
        if b"\r" in chunk:
            if chunk.endswith(b"\r"):
                chunk = chunk[:-1]
                self._held_cr = True
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        return self._take(chunk)

    def end(self) -> list[bytes]:
        """At the end of the stream: a held CR was a line end after all."""
        if not self._held_cr:
            return []
        self._held_cr = False
        return self._take(b"\n")

    def _take(self, data: bytes) -> list[bytes]:
        if not data:
            return []
        if self._pending:
            # Join the unfinished event only once a blank line ends it, possibly
            # across the boundary between the last read and this one.
            if b"\n\n" not in data and not (data[:1] == b"\n" and self._pending[-1][-1:] == b"\n"):
                self._pending.append(data)
                self._pending_bytes += len(data)
                if self._pending_bytes > self._max_event_bytes:
                    raise EventTooLarge
                return []
            self._pending.append(data)
            data = b"".join(self._pending)
        # A read of whole events, each one `data: ` line: one split in C gives every
        # payload, and the count of line ends proves that each was one line (a Python step
        # per event was most of the split's time; see docs/benchmarks.md).
        if data.startswith(_DATA_LINE) and data.endswith(b"\n\n"):
            events = data[len(_DATA_LINE) : -2].split(_NEXT_DATA_LINE)
            if data.count(b"\n") == 2 * len(events):
                self._pending, self._pending_bytes = [], 0
                return events
        blocks = data.split(b"\n\n")
        tail = blocks.pop()
        self._pending = [tail] if tail else []
        self._pending_bytes = len(tail)
        if self._pending_bytes > self._max_event_bytes:
            raise EventTooLarge
        payloads: list[bytes] = []
        for block in blocks:
            if block.startswith(_DATA) and b"\n" not in block:
                payloads.append(block[6:] if block[5:6] == b" " else block[5:])
            else:
                payloads.extend(_parse_lines(block))
        return payloads


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
