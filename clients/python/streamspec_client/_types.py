"""Plain-dict shapes a caller may pass instead of the generated models."""

from __future__ import annotations

from typing import Literal, TypedDict

__all__ = ["MessageParam", "RoleLiteral"]

# The values of the contract's `Role` enum; a test keeps the two equal.
RoleLiteral = Literal["system", "user", "assistant"]


class MessageParam(TypedDict):
    """A `ChatMessage` as a dict: `{"role": "user", "content": "hello"}`."""

    role: RoleLiteral
    content: str
