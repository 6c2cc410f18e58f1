"""The contract document, as the server serves it."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def contract_yaml() -> bytes:
    """schema/openapi.yaml, byte for byte; scripts/generate copies it into the package."""
    return files("streamspec._generated").joinpath("openapi.yaml").read_bytes()
