"""Cancelling a task for a reason of our own, and telling that cancellation from any other."""

from __future__ import annotations

import asyncio
from typing import Any


class Interrupt:
    """Cancels one task for one reason: a deadline, a client that left, a shutdown.

    In the task's `except CancelledError`, `caused()` says whether this interrupt did
    it (and absorbs it), so the caller can raise its own error instead; a cancellation
    from anywhere else, such as the server stopping, still propagates. asyncio.timeout
    does this for deadlines, with more machinery than a per-request or per-event path
    can afford.
    """

    __slots__ = ("_cancelled", "_task", "fired")

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self._task = task
        self.fired = False
        self._cancelled = False

    def fire(self, *, cancel: bool = True) -> None:
        """Record the reason; cancel the task unless told it will notice by itself."""
        self.fired = True
        if cancel and not self._cancelled:
            self._cancelled = True
            self._task.cancel()

    def caused(self) -> bool:
        """Whether the CancelledError being handled came from this interrupt alone."""
        if not self._cancelled:
            return False
        self._cancelled = False
        return self._task.uncancel() == 0
