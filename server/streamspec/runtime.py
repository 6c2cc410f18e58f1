"""What the server runs on, as reported by /health."""

from __future__ import annotations

import sys

# Checked in this order because a server may import another's modules (none
# does today); each is only imported by the server process that runs it.
_KNOWN_SERVERS = ("granian", "hypercorn", "uvicorn")


def asgi_server_name() -> str:
    for name in _KNOWN_SERVERS:
        if name in sys.modules:
            return name
    return "unknown"
