from __future__ import annotations

import pytest

from tests.browser import browser  # noqa: F401 (a fixture)
from tests.conftest import LiveServer


@pytest.fixture(scope="session")
def docs_server(echo_server: LiveServer) -> str:
    """The real server, as a process with no configuration."""
    return echo_server.url
