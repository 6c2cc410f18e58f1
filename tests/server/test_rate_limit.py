"""The in-memory rate limiter's fixed windows: counts, resets and the quota it reports."""

from __future__ import annotations

import asyncio

import pytest

from streamspec import rate_limit
from streamspec.errors import RateLimited
from streamspec.rate_limit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr("time.time", clock.time)
    return clock


def admit(limiter: RateLimiter, caller: str) -> rate_limit.Quota | None:
    return asyncio.run(limiter.admit(caller))


def test_a_window_counts_down_then_refuses_with_the_seconds_until_it_ends(clock: Clock) -> None:
    limiter = RateLimiter("2/minute")
    assert admit(limiter, "a") == rate_limit.Quota(limit=2, remaining=1, reset_after=60)
    clock.now += 20.5
    assert admit(limiter, "a") == rate_limit.Quota(limit=2, remaining=0, reset_after=40)
    with pytest.raises(RateLimited) as refused:
        admit(limiter, "a")
    assert refused.value.headers["Retry-After"] == "40"
    assert refused.value.headers["RateLimit-Remaining"] == "0"


def test_each_caller_has_its_own_window(clock: Clock) -> None:
    limiter = RateLimiter("1/second")
    assert admit(limiter, "a") is not None
    assert admit(limiter, "b") is not None
    with pytest.raises(RateLimited):
        admit(limiter, "a")


def test_a_new_window_starts_when_the_last_one_ends(clock: Clock) -> None:
    limiter = RateLimiter("1/second")
    admit(limiter, "a")
    clock.now += 1.0
    assert admit(limiter, "a") == rate_limit.Quota(limit=1, remaining=0, reset_after=1)


def test_ended_windows_are_swept_once_many_are_kept(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rate_limit, "_SWEEP_AT", 3)
    limiter = RateLimiter("5/second")
    for caller in ("a", "b", "c"):
        admit(limiter, caller)
    clock.now += 2
    admit(limiter, "d")
    assert set(limiter._windows) == {"d"}


def test_the_quota_header_fields_are_its_headers_as_asgi_sends_them() -> None:
    quota = rate_limit.Quota(limit=10, remaining=3, reset_after=7)
    assert quota.header_fields() == [
        (name.lower().encode(), value.encode()) for name, value in quota.headers().items()
    ]
