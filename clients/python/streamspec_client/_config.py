"""What a client reads from the environment when the caller does not pass it.

Like openai-python: an argument wins, then the variable; an empty variable counts as unset.
"""

from __future__ import annotations

import os

import httpx

__all__ = ["API_KEY_ENV", "BASE_URL_ENV", "resolve_api_key", "resolve_base_url"]

BASE_URL_ENV = "STREAMSPEC_BASE_URL"
API_KEY_ENV = "STREAMSPEC_API_KEY"


def resolve_base_url(base_url: str | httpx.URL | None) -> str | httpx.URL:
    if base_url is not None:
        return base_url
    from_env = os.environ.get(BASE_URL_ENV)
    if not from_env:
        raise ValueError(f"pass base_url, or set {BASE_URL_ENV}, e.g. http://127.0.0.1:8000")
    return from_env


def resolve_api_key(api_key: str | None) -> str | None:
    if api_key is not None:
        return api_key
    return os.environ.get(API_KEY_ENV) or None
