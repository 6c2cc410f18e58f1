"""The collector is tuned while the app serves, and put back as it was at shutdown."""

from __future__ import annotations

import gc

from litestar.testing import TestClient

from streamspec.app import create_app
from streamspec.gc_tuning import GEN0_THRESHOLD
from streamspec.settings import Settings


def test_start_up_objects_are_frozen_while_serving_and_thawed_after() -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with TestClient(create_app(Settings())) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (GEN0_THRESHOLD, *before[1:])
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
