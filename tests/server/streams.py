"""What a stream handler or provider yields, seen event by event."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TypeVar

import msgspec

E = TypeVar("E", bound=msgspec.Struct)


def events_of(item: E | Sequence[E]) -> list[E]:
    """One item of a stream as its events: an event, or a sequence of events ready together."""
    return [item] if isinstance(item, msgspec.Struct) else list(item)


async def flatten(items: AsyncIterator[E | Sequence[E]]) -> list[E]:
    return [event async for item in items for event in events_of(item)]
