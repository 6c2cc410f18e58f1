"""Settings, read from the environment once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field


class SettingsError(ValueError):
    """An environment variable holds a value the server cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    openai_base_url: str | None = None
    """`OPENAI_BASE_URL`: an OpenAI-compatible API root such as `http://host:port/v1`.
    Unset means the embedded `echo` provider answers."""

    openai_api_key: str | None = field(default=None, repr=False)
    """`OPENAI_API_KEY`: sent upstream as the bearer token; never logged or echoed."""

    default_model: str = "gpt-4o-mini"
    """`STREAMSPEC_DEFAULT_MODEL`: the upstream model when a request names none."""

    api_keys: tuple[str, ...] = field(default=(), repr=False)
    """`STREAMSPEC_API_KEYS`: comma-separated keys; when non-empty the API needs
    `Authorization: Bearer <key>`."""

    upstream_timeout: float = 30.0
    """`STREAMSPEC_UPSTREAM_TIMEOUT`: seconds to connect to the provider and to wait
    for each piece of its answer."""

    echo_delay_ms: float = 0.0
    """`STREAMSPEC_ECHO_DELAY_MS`: pause between the echo provider's stream pieces."""

    max_body_bytes: int = 1024 * 1024
    """`STREAMSPEC_MAX_BODY_BYTES`: larger request bodies get a 413 problem."""

    log_level: str = "INFO"
    """`STREAMSPEC_LOG_LEVEL`: the server's logging level."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            openai_base_url=_optional(env, "OPENAI_BASE_URL"),
            openai_api_key=_optional(env, "OPENAI_API_KEY"),
            default_model=_optional(env, "STREAMSPEC_DEFAULT_MODEL") or defaults.default_model,
            api_keys=tuple(
                key.strip() for key in env.get("STREAMSPEC_API_KEYS", "").split(",") if key.strip()
            ),
            upstream_timeout=_positive_float(
                env, "STREAMSPEC_UPSTREAM_TIMEOUT", defaults.upstream_timeout
            ),
            echo_delay_ms=_positive_float(
                env, "STREAMSPEC_ECHO_DELAY_MS", defaults.echo_delay_ms, allow_zero=True
            ),
            max_body_bytes=int(
                _positive_float(env, "STREAMSPEC_MAX_BODY_BYTES", defaults.max_body_bytes)
            ),
            log_level=(_optional(env, "STREAMSPEC_LOG_LEVEL") or defaults.log_level).upper(),
        )


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _positive_float(
    env: Mapping[str, str], name: str, default: float, *, allow_zero: bool = False
) -> float:
    raw = _optional(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if value < 0 or (value == 0 and not allow_zero) or value != value:
        raise SettingsError(f"{name} must be greater than zero, got {raw!r}")
    return value
