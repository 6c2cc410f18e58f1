"""A budget per client address for requests refused for a missing or wrong API key.

Without it a wrong key costs nothing, and keys could be guessed at line rate. Once an
address has spent its budget, everything it sends is refused with a 429 until the
window ends, before any key is compared: were a right key still let in, a 429 would
only mean "wrong", and guessing would go on at the same speed.

Failures are counted in the rate-limit store (Redis when configured, so replicas
share the count); an address found over budget is also remembered in this process
until its window ends, so the requests of a blocked address cost no store round trip.
"""

from __future__ import annotations

import math
import time

from streamspec.errors import RateLimited
from streamspec.rate_limit import RateLimiter

__all__ = ["FailedAuthBudget"]

# Addresses remembered as blocked before the expired ones are swept out.
_SWEEP_AT = 10_000


class FailedAuthBudget:
    def __init__(self, rate: str, redis_url: str | None = None) -> None:
        self._limiter = RateLimiter(rate, redis_url)
        self._blocked_until: dict[str, float] = {}

    def check(self, address: str) -> None:
        """Raise the 429 that refuses `address` while its budget is spent."""
        until = self._blocked_until.get(address)
        if until is None:
            return
        left = until - time.monotonic()
        if left <= 0:
            del self._blocked_until[address]
            return
        raise _refusal(math.ceil(left))

    async def spend(self, address: str) -> None:
        """Count one refused key for `address`; raise the 429 once it is over budget."""
        try:
            await self._limiter.admit("auth-failures:" + address)
        except RateLimited as refused:
            retry_after = int(refused.headers.get("Retry-After", "1"))
            if len(self._blocked_until) >= _SWEEP_AT:
                now = time.monotonic()
                self._blocked_until = {
                    blocked: until for blocked, until in self._blocked_until.items() if until > now
                }
            self._blocked_until[address] = time.monotonic() + retry_after
            raise _refusal(retry_after) from None


def _refusal(retry_after: int) -> RateLimited:
    return RateLimited(
        f"Too many requests from this address without a valid API key; retry in {retry_after} s.",
        headers={"Retry-After": str(retry_after)},
    )
