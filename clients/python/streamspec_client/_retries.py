"""When to retry a request, and how long to wait first.

Only failures before a response's first byte of content are retried: a
connection error, or a 429, 502, 503 or 504 status. A stream that has begun
is never retried, since its events may already have been seen.
"""

from __future__ import annotations

import asyncio
import random
import time

__all__ = ["MAX_RETRY_AFTER", "RETRYABLE_STATUSES", "async_sleep", "backoff_delay", "sleep"]

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
# A server may ask for any wait; a caller blocked longer than this is better off failing.
MAX_RETRY_AFTER = 60.0


def backoff_delay(retries_done: int, retry_after: float | None) -> float:
    """Seconds to wait before retry number `retries_done + 1`."""
    if retry_after is not None:
        return min(retry_after, MAX_RETRY_AFTER)
    delay = min(INITIAL_DELAY * 2.0**retries_done, MAX_DELAY)
    # Jitter spreads out clients that failed together, so they do not retry together.
    return delay * (1 - 0.25 * random.random())  # noqa: S311


# Module-level so that tests can replace them; the clients look them up on each retry.
sleep = time.sleep
async_sleep = asyncio.sleep
