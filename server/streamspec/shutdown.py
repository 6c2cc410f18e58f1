"""Graceful shutdown: on SIGTERM, open requests get a grace period; then a stream that has
started ends with an `error` event, and a request still waiting for its answer's first
byte gets a 503 problem, so the server's wait for open requests ends with the grace.

The ASGI server owns the signal: it stops accepting connections and waits for
open ones. The server only tells the app at the very end, so the app chains
its own handler in front of the server's to learn when the grace period starts.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # typeshed has no stub for it
import asyncio
import logging
import signal
from collections.abc import Callable
from types import FrameType

logger = logging.getLogger("streamspec.shutdown")
# signal.getsignal is this, plus a lookup of the handler in an enum that raises and catches
# ValueError for any function: it is called as each stream opens (docs/benchmarks.md).
_current_handler: Callable[[int], object] = _signal.getsignal


class Shutdown:
    def __init__(self, grace_seconds: float) -> None:
        self.grace_seconds = grace_seconds
        self._timer: asyncio.TimerHandle | None = None
        self._on_expiry: set[Callable[[], None]] = set()
        self._expired = False
        self._handler: Callable[[int, FrameType | None], None] | None = None

    def register(self, on_expiry: Callable[[], None]) -> None:
        """`on_expiry` runs if the grace period ends while it is still registered,
        or at once if it already has."""
        if self._expired:
            on_expiry()
            return
        self._on_expiry.add(on_expiry)

    def unregister(self, on_expiry: Callable[[], None]) -> None:
        self._on_expiry.discard(on_expiry)

    def begin(self) -> None:
        """Start the grace period; requests still open when it ends are told and closed."""
        if self._timer is None:
            logger.info("shutting down: open requests have %g s to finish", self.grace_seconds)
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.grace_seconds, self._expire)

    def _expire(self) -> None:
        self._expired = True
        logger.info("grace period over: ending %d open request(s)", len(self._on_expiry))
        for on_expiry in list(self._on_expiry):
            on_expiry()

    def install_signal_handler(self) -> None:
        """Chain in front of the server's SIGTERM handler (main thread only, as signals are).

        Called at start-up and again as each stream opens, since some servers
        (hypercorn) set their own handler after the app has started.
        """
        if self._handler is not None and _current_handler(signal.SIGTERM) is self._handler:
            return
        previous = signal.getsignal(signal.SIGTERM)
        loop = asyncio.get_running_loop()

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            loop.call_soon_threadsafe(self.begin)
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.raise_signal(signal.SIGTERM)

        try:
            signal.signal(signal.SIGTERM, on_sigterm)
        except ValueError:  # not the main thread: no signals here, nothing to chain
            return
        self._handler = on_sigterm
