"""Many idle open streams on one worker, at a modest size (scripts/capacity runs 5,000)."""

from __future__ import annotations

from scripts.lib.capacity import run


def test_one_worker_holds_idle_streams_while_health_stays_quick() -> None:
    capacity = run(streams=1000, server="granian")
    assert capacity.streams_open == 1000
    assert capacity.health_p50_ms < 50
    assert 0 < capacity.kib_per_stream < 200
