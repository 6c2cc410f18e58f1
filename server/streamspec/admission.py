"""Admission to the API's operations: who calls, whether their budget allows it, and
how many streams they hold. Runs before the body is read, in one ASGI middleware."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from streamspec.callers import Callers
from streamspec.errors import ProblemError
from streamspec.rate_limit import RateLimiter


class TooManyStreams(ProblemError):
    status = 429
    type = "urn:streamspec:problem:too-many-streams"


class StreamSlots:
    """Open streams per caller, capped; one process's count (streams are per connection)."""

    def __init__(self, cap: int) -> None:
        self._cap = cap
        self._open: Counter[str] = Counter()

    @contextmanager
    def hold(self, caller: str) -> Iterator[None]:
        if self._cap and self._open[caller] >= self._cap:
            raise TooManyStreams(
                f"At most {self._cap} streams may be open at once per caller; close one first.",
                headers={"Retry-After": "1"},
            )
        self._open[caller] += 1
        try:
            yield
        finally:
            self._open[caller] -= 1
            if not self._open[caller]:
                del self._open[caller]


class Admission:
    def __init__(
        self, callers: Callers, limiter: RateLimiter | None, slots: StreamSlots | None
    ) -> None:
        self.callers = callers
        self.limiter = limiter
        self.slots = slots

    def middleware(self, *, streaming: bool) -> type:
        admission = self
        slots = self.slots if streaming else None

        class AdmissionMiddleware:
            def __init__(self, app: ASGIApp) -> None:
                self.app = app

            async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
                caller = admission.callers.identify(scope)
                quota = await admission.limiter.admit(caller) if admission.limiter else None
                if quota is not None:
                    extra = [(k.lower().encode(), v.encode()) for k, v in quota.headers().items()]
                    send = _with_headers(send, extra)
                if slots is None:
                    await self.app(scope, receive, send)
                    return
                with slots.hold(caller):
                    await self.app(scope, receive, send)

        return AdmissionMiddleware


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), *extra]
        await send(message)

    return send_with_headers
