"""Per-caller request budgets, in memory or shared through Redis.

Shared through Redis, the counting is the `limits` library's fixed window (its
storage's `incr`, as its FixedWindowRateLimiter uses it): the increment and the
expiry are one Lua script, so replicas sharing a Redis share one budget exactly.

In memory, the same fixed window is counted here, in a dict. One event loop owns it,
so it needs none of the per-key asyncio locks and coroutine layers of `limits`'
in-memory storage, which measured a fifth of an echo chat's instructions.
"""

from __future__ import annotations

import logging
import math
import re
import time
from dataclasses import dataclass

from limits import (
    RateLimitItem,
    RateLimitItemPerHour,
    RateLimitItemPerMinute,
    RateLimitItemPerSecond,
)
from limits.aio.storage import RedisStorage

from streamspec.errors import RateLimited

logger = logging.getLogger("streamspec.rate_limit")

_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(second|minute|hour)s?\s*$", re.IGNORECASE)
_ITEMS: dict[str, type[RateLimitItem]] = {
    "second": RateLimitItemPerSecond,
    "minute": RateLimitItemPerMinute,
    "hour": RateLimitItemPerHour,
}


REDIS_TIMEOUT_SECONDS = 0.5
# Windows kept in memory before the ended ones are swept out.
_SWEEP_AT = 10_000
_NO_WINDOW = (0, 0.0)  # a caller with no window yet: none counted, ended long ago


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and one is
# made on every admitted request.
@dataclass(slots=True)
class Quota:
    limit: int
    remaining: int
    reset_after: int

    def headers(self) -> dict[str, str]:
        limit, remaining, reset = QUOTA_HEADERS
        return {
            limit: str(self.limit),
            remaining: str(self.remaining),
            reset: str(self.reset_after),
        }

    def header_fields(self) -> list[tuple[bytes, bytes]]:
        """`headers()` as an ASGI answer carries them; built on every admitted request."""
        limit, remaining, reset = _QUOTA_FIELDS
        return [
            (limit, b"%d" % self.limit),
            (remaining, b"%d" % self.remaining),
            (reset, b"%d" % self.reset_after),
        ]


QUOTA_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
_QUOTA_FIELDS = tuple(name.lower().encode("latin-1") for name in QUOTA_HEADERS)


def parse_rate(text: str) -> RateLimitItem:
    matched = _RATE.match(text)
    if not matched:
        raise ValueError(f"a rate looks like `5/minute` (second, minute or hour), not {text!r}")
    amount = int(matched[1])
    if amount < 1:
        raise ValueError(f"a rate allows at least one request, not {text!r}")
    return _ITEMS[matched[2].lower()](amount)


class RateLimiter:
    def __init__(self, rate: str, redis_url: str | None = None) -> None:
        self._item = parse_rate(rate)
        self._expiry = self._item.get_expiry()
        self._redis = (
            RedisStorage(
                redis_url,
                implementation="redispy",
                # A store that stops answering must not stall every request.
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            if redis_url
            else None
        )
        # In memory: caller -> (requests counted, when its window ends, as time.time()).
        self._windows: dict[str, tuple[int, float]] = {}

    async def admit(self, caller: str) -> Quota | None:
        """Spend one request of `caller`'s budget; raises `RateLimited` when none is left.

        Returns None, admitting the request, when the shared store cannot be reached:
        an outage of Redis should not become an outage of the API.
        """
        if self._redis is None:
            count, ends = self._count_in_memory(caller)
        else:
            # FixedWindowRateLimiter.hit and get_window_stats, minus the count it reads
            # twice: the storage's atomic incr (Lua) returns the count this request made.
            key = self._item.key_for(caller)
            try:
                count = await self._redis.incr(key, self._expiry)
                ends = await self._redis.get_expiry(key)
            except Exception:
                logger.warning("rate-limit store unavailable; admitting the request", exc_info=True)
                return None
        amount = self._item.amount
        quota = Quota(
            limit=amount,
            remaining=max(0, amount - count),
            reset_after=max(1, math.ceil(ends - time.time())),
        )
        if count > amount:
            raise RateLimited(
                f"The rate limit of {amount} per {self._item.GRANULARITY.name}"
                f" is used up; retry in {quota.reset_after} s.",
                headers={**quota.headers(), "Retry-After": str(quota.reset_after)},
            )
        return quota

    def _count_in_memory(self, caller: str) -> tuple[int, float]:
        """This request's count in `caller`'s window, and when the window ends."""
        now = time.time()
        count, ends = self._windows.get(caller, _NO_WINDOW)
        if ends <= now:
            if len(self._windows) >= _SWEEP_AT:
                self._windows = {key: w for key, w in self._windows.items() if w[1] > now}
            count, ends = 0, now + self._expiry
        self._windows[caller] = window = (count + 1, ends)
        return window
