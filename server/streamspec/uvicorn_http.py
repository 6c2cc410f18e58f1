"""uvicorn's httptools protocol with a cap on the request head, and problems for bad requests.

httptools has no limit of its own on the request line and headers: a client could send
megabytes of headers per connection and uvicorn would buffer them all (measured: a
32 MiB header was served, twenty 16 MiB heads took the server from 69 to 423 MB).
Here a head over `MAX_HEAD_BYTES` is refused with a 431 and the connection closed,
as granian and hypercorn do, and the requests httptools cannot parse get a problem
body instead of uvicorn's text. uvicorn has no deadline for a head either: a client
sending a header line a second kept its connection for ever (slowloris). A head must
now arrive within `STREAMSPEC_CLIENT_TIMEOUT` of its first byte, as granian's
header timeout (set to the same) demands, or it gets a 408. `python -m streamspec`
selects this class with uvicorn's `--http` option.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from streamspec._generated.models import Problem
from streamspec.errors import encode_problem, status_title
from streamspec.settings import Settings

__all__ = ["MAX_HEAD_BYTES", "HeadLimitedHttpToolsProtocol"]

# The request line and all headers together; hypercorn (h11) allows 16 KiB per event,
# granian about 400 KiB. Browsers send under 8 KiB; large cookies need some room.
MAX_HEAD_BYTES = 64 * 1024


def refusal(status: int, detail: str) -> bytes:
    """A whole HTTP/1.1 answer with a problem body that closes the connection."""
    body = encode_problem(
        Problem(type="about:blank", title=status_title(status), status=status, detail=detail)
    )
    return b"".join(
        [
            f"HTTP/1.1 {status} {status_title(status)}\r\n".encode(),
            b"content-type: application/problem+json\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
    )


HEAD_TIMEOUT_SECONDS = Settings.from_env().client_timeout
_HEAD_TOO_SLOW = refusal(408, f"The request head did not arrive within {HEAD_TIMEOUT_SECONDS:g} s.")
_HEAD_TOO_LARGE = refusal(431, f"The request line and headers are over {MAX_HEAD_BYTES} bytes.")
_MALFORMED = refusal(400, "The request is not well-formed HTTP/1.1.")


class _HeadTooLarge(Exception):
    """Stops the parser in a callback; uvicorn sees a parse error, answered already."""


class HeadLimitedHttpToolsProtocol(HttpToolsProtocol):
    # Bytes received while a head is unfinished: bounds what httptools buffers.
    _received_in_head = 0
    _reading_head = True
    # The parsed head so far (target and headers): catches a big head sent in one piece.
    _parsed_head = 0

    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._received_in_head = self._parsed_head = 0
        self._reading_head = True
        super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._reading_head:
            self._received_in_head += len(data)
            if self._head_deadline is None:
                self._head_deadline = self.loop.call_later(
                    HEAD_TIMEOUT_SECONDS, self._head_too_slow
                )
        super().data_received(data)
        # Checked after parsing: a chunk that completes the head may carry body bytes too.
        if self._reading_head and self._received_in_head > MAX_HEAD_BYTES:
            self._refuse_head()

    def on_message_begin(self) -> None:
        self._parsed_head = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._received_in_head = 0
        self._stop_head_deadline()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_head = True

    def send_400_response(self, msg: str) -> None:
        if not self.transport.is_closing():
            self.transport.write(_MALFORMED)
            self.transport.close()

    def _count(self, size: int) -> None:
        self._parsed_head += size
        if self._parsed_head > MAX_HEAD_BYTES:
            self._refuse_head()
            raise _HeadTooLarge

    def _stop_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self._reading_head and not self.transport.is_closing():
            self.logger.warning("Request head not complete in %g s.", HEAD_TIMEOUT_SECONDS)
            self.transport.write(_HEAD_TOO_SLOW)
            self.transport.close()

    def _refuse_head(self) -> None:
        if not self.transport.is_closing():
            self.logger.warning("Request head over %d bytes refused.", MAX_HEAD_BYTES)
            self.transport.write(_HEAD_TOO_LARGE)
            self.transport.close()
