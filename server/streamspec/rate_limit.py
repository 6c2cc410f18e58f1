"""Per-caller request budgets, in memory or shared through Redis.

The counting is the `limits` library's fixed window (its storages' `incr`, as
its FixedWindowRateLimiter uses them): on Redis the increment and the expiry
are one Lua script, so replicas sharing a Redis share one budget exactly.
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
from limits.aio.storage import MemoryStorage, RedisStorage, Storage

from streamspec.errors import RateLimited

logger = logging.getLogger("streamspec.rate_limit")

_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(second|minute|hour)s?\s*$", re.IGNORECASE)
_ITEMS: dict[str, type[RateLimitItem]] = {
    "second": RateLimitItemPerSecond,
    "minute": RateLimitItemPerMinute,
    "hour": RateLimitItemPerHour,
}


REDIS_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class Quota:
    limit: int
    remaining: int
    reset_after: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_after),
        }


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
        self._storage: Storage = (
            RedisStorage(
                redis_url,
                implementation="redispy",
                # A store that stops answering must not stall every request.
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            if redis_url
            else MemoryStorage()
        )
        self._expiry = self._item.get_expiry()

    async def admit(self, caller: str) -> Quota | None:
        """Spend one request of `caller`'s budget; raises `RateLimited` when none is left.

        Returns None, admitting the request, when the shared store cannot be reached:
        an outage of Redis should not become an outage of the API.
        """
        # FixedWindowRateLimiter.hit and get_window_stats, minus the count it reads twice:
        # the storage's atomic incr (Lua on Redis) returns the count this request made.
        key = self._item.key_for(caller)
        try:
            count = await self._storage.incr(key, self._expiry)
            reset_time = await self._storage.get_expiry(key)
        except Exception:
            logger.warning("rate-limit store unavailable; admitting the request", exc_info=True)
            return None
        quota = Quota(
            limit=self._item.amount,
            remaining=max(0, self._item.amount - count),
            reset_after=max(1, math.ceil(reset_time - time.time())),
        )
        if count > self._item.amount:
            raise RateLimited(
                f"The rate limit of {self._item.amount} per {self._item.GRANULARITY.name}"
                f" is used up; retry in {quota.reset_after} s.",
                headers={**quota.headers(), "Retry-After": str(quota.reset_after)},
            )
        return quota
