"""cancel_on_disconnect: an answer ready at once skips the watch; a slow one ends when the
client leaves."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from typing import Any, cast

import pytest

from streamspec.errors import ClientDisconnected
from streamspec.streaming import WATCH_AFTER_SECONDS, cancel_on_disconnect


def _current_task() -> asyncio.Task[Any]:
    task = asyncio.current_task()
    assert task is not None
    return task


async def _never_called() -> Any:
    raise AssertionError("an answer ready at once must not listen for a disconnect")


async def _disconnect_after(seconds: float) -> Any:
    await asyncio.sleep(seconds)
    return {"type": "http.disconnect"}


async def test_an_answer_ready_at_once_is_returned_without_listening() -> None:
    async def ready() -> str:
        return "at once"

    assert await cancel_on_disconnect(_never_called, ready(), _current_task()) == "at once"


async def test_an_answer_that_waits_is_returned_when_the_client_stays() -> None:
    async def slow() -> str:
        await asyncio.sleep(WATCH_AFTER_SECONDS * 2)
        return "later"

    async def stays() -> Any:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    assert await cancel_on_disconnect(stays, slow(), _current_task()) == "later"


async def test_a_waiting_answer_is_cancelled_when_the_client_leaves() -> None:
    cleaned_up = asyncio.Event()

    async def stalls() -> str:
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned_up.set()
        return "never"

    async def leaves() -> Any:
        return await _disconnect_after(WATCH_AFTER_SECONDS)

    with pytest.raises(ClientDisconnected):
        await cancel_on_disconnect(leaves, stalls(), _current_task())
    assert cleaned_up.is_set()


async def test_another_cancellation_still_propagates() -> None:
    async def stalls() -> str:
        await asyncio.sleep(3600)
        return "never"

    async def stays() -> Any:
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    async def run() -> str:
        return await cancel_on_disconnect(stays, stalls(), _current_task())

    task = asyncio.ensure_future(run())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_an_awaitable_whose_await_is_a_plain_iterator_works_too() -> None:
    class Plain:
        def __await__(self) -> Iterator[None]:
            return iter([None])  # one suspension, then the answer None

    async def stays() -> Any:
        await asyncio.sleep(3600)

    # Typed as a generator in typeshed, but the data model allows any iterator.
    plain = cast(Awaitable[str], Plain())
    assert await cancel_on_disconnect(stays, plain, _current_task()) is None
