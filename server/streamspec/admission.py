"""Admission to the API's operations: who calls, whether their budget allows it, and
how many streams they hold. Runs before the body is read. With API keys on, an address
that keeps sending missing or wrong keys is refused before its key is looked at."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from litestar.types import Scope

from streamspec.asgi import Headers
from streamspec.auth_failures import FailedAuthBudget
from streamspec.callers import Callers, current_caller
from streamspec.errors import RateLimited, TooManyStreams, Unauthorized
from streamspec.metrics import Metrics
from streamspec.rate_limit import RateLimiter


class StreamSlots:
    """Open streams per caller, capped, counted in this process (each replica and
    worker keeps its own count)."""

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
        self,
        callers: Callers,
        limiter: RateLimiter | None,
        slots: StreamSlots | None,
        metrics: Metrics | None = None,
        auth_failures: FailedAuthBudget | None = None,
    ) -> None:
        self.callers = callers
        self.limiter = limiter
        self.slots = slots
        self.metrics = metrics
        self.auth_failures = auth_failures if callers.requires_key else None

    async def admit(self, scope: Scope) -> tuple[str, Headers]:
        """The caller, and the headers its answer carries; raises the problem that refuses it."""
        if self.auth_failures is None:
            caller = self.callers.identify(scope)
        else:
            address = self.callers.client_address(scope)
            self.auth_failures.check(address)
            try:
                caller = self.callers.identify(scope)
            except Unauthorized:
                await self.auth_failures.spend(address)
                raise
        current_caller.set(caller)
        if self.limiter is None:
            return caller, []
        try:
            quota = await self.limiter.admit(caller)
        except RateLimited:
            if self.metrics is not None:
                self.metrics.refused("rate_limit")
            raise
        if quota is None:
            return caller, []
        return caller, quota.header_fields()

    @contextmanager
    def stream_slot(self, caller: str) -> Iterator[None]:
        if self.slots is None:
            yield
            return
        with ExitStack() as held:
            try:
                held.enter_context(self.slots.hold(caller))
            except TooManyStreams:
                if self.metrics is not None:
                    self.metrics.refused("stream_cap")
                raise
            yield
