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
    """`STREAMSPEC_UPSTREAM_TIMEOUT`: seconds to connect to the provider and receive the
    head of its answer (for a stream, before its first byte); then a 504 problem."""

    echo_delay_ms: float = 0.0
    """`STREAMSPEC_ECHO_DELAY_MS`: pause between the echo provider's stream pieces."""

    client_timeout: float = 30.0
    """`STREAMSPEC_CLIENT_TIMEOUT`: seconds a client has to send its request head (under
    granian and uvicorn) and its whole body (then a 408), so slow senders cannot hold a
    worker's slots."""

    max_body_bytes: int = 1024 * 1024
    """`STREAMSPEC_MAX_BODY_BYTES`: larger request bodies get a 413 problem."""

    log_level: str = "INFO"
    """`STREAMSPEC_LOG_LEVEL`: the server's logging level."""

    log_format: str = "text"
    """`STREAMSPEC_LOG_FORMAT`: `text` (one readable line per record) or `json` (one JSON
    object per line, with the request id, for log collectors)."""

    access_log: bool = False
    """`STREAMSPEC_ACCESS_LOG`: one line per request with its method, path, status,
    duration, request id and caller (a hash of the API key, never the key). Off by
    default, as granian's own: Python's logging makes it the dearest step of an echo
    chat (see docs/benchmarks.md), and /metrics counts every request anyway."""

    tracing: bool = False
    """`STREAMSPEC_TRACING`: trace every request through Litestar's OpenTelemetry plugin,
    into the global tracer provider; needs `streamspec[tracing]` installed."""

    prometheus_multiproc_dir: str | None = None
    """`PROMETHEUS_MULTIPROC_DIR`: where prometheus-client's multiprocess mode keeps each
    worker's metrics, so `/metrics` adds up every worker. `python -m streamspec` with
    `--workers` over 1 sets it to a fresh directory when unset, and empties it when set."""

    upstream_idle_timeout: float = 60.0
    """`STREAMSPEC_UPSTREAM_IDLE_TIMEOUT`: seconds a started upstream stream may go
    without a byte before it is abandoned (an `error` event, status 504); for a JSON
    chat, the time allowed for the rest of the answer after its head."""

    rate_limit: str | None = None
    """`STREAMSPEC_RATE_LIMIT`: requests per caller, e.g. `5/minute` (units: second,
    minute, hour). Unset means unlimited. Callers are API keys, else client addresses."""

    auth_failure_limit: str = "20/minute"
    """`STREAMSPEC_AUTH_FAILURE_LIMIT`: with API keys on, requests per client address that
    may be refused for a missing or wrong key (e.g. `20/minute`); past it the address gets
    a 429 problem for everything until the window ends, so keys cannot be guessed."""

    redis_url: str | None = field(default=None, repr=False)
    """`STREAMSPEC_REDIS_URL`: keep rate-limit state in this Redis so replicas share it."""

    trusted_proxies: tuple[str, ...] = ()
    """`STREAMSPEC_TRUSTED_PROXIES`: comma-separated addresses or networks whose
    `X-Forwarded-For` names the real client."""

    max_streams_per_caller: int = 100
    """`STREAMSPEC_MAX_STREAMS_PER_KEY`: open streams one caller may hold per replica
    (0: no cap); one more is refused with a 429 problem."""

    keepalive_seconds: float = 15.0
    """`STREAMSPEC_KEEPALIVE_SECONDS`: an SSE comment is sent after this long without an event."""

    shutdown_grace_seconds: float = 8.0
    """`STREAMSPEC_SHUTDOWN_GRACE_SECONDS`: after SIGTERM, how long open requests may run;
    then started streams end with an `error` event and requests still waiting for the
    upstream get a 503 problem. `python -m streamspec` sets the ASGI server's own limit
    one second later."""

    cors_origins: tuple[str, ...] = ()
    """`STREAMSPEC_CORS_ORIGINS`: comma-separated origins browsers may call the API from."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            openai_base_url=_optional(env, "OPENAI_BASE_URL"),
            openai_api_key=_secret(env, "OPENAI_API_KEY"),
            default_model=_optional(env, "STREAMSPEC_DEFAULT_MODEL") or defaults.default_model,
            api_keys=tuple(
                _checked_key("STREAMSPEC_API_KEYS", key)
                for key in _list(env, "STREAMSPEC_API_KEYS")
            ),
            upstream_timeout=_positive_float(
                env, "STREAMSPEC_UPSTREAM_TIMEOUT", defaults.upstream_timeout
            ),
            echo_delay_ms=_positive_float(
                env, "STREAMSPEC_ECHO_DELAY_MS", defaults.echo_delay_ms, allow_zero=True
            ),
            client_timeout=_positive_float(
                env, "STREAMSPEC_CLIENT_TIMEOUT", defaults.client_timeout
            ),
            max_body_bytes=int(
                _positive_float(env, "STREAMSPEC_MAX_BODY_BYTES", defaults.max_body_bytes)
            ),
            log_level=(_optional(env, "STREAMSPEC_LOG_LEVEL") or defaults.log_level).upper(),
            log_format=_choice(env, "STREAMSPEC_LOG_FORMAT", LOG_FORMATS, defaults.log_format),
            access_log=_flag(env, "STREAMSPEC_ACCESS_LOG", defaults.access_log),
            tracing=_flag(env, "STREAMSPEC_TRACING", defaults.tracing),
            prometheus_multiproc_dir=_optional(env, "PROMETHEUS_MULTIPROC_DIR"),
            upstream_idle_timeout=_positive_float(
                env, "STREAMSPEC_UPSTREAM_IDLE_TIMEOUT", defaults.upstream_idle_timeout
            ),
            rate_limit=_optional(env, "STREAMSPEC_RATE_LIMIT"),
            auth_failure_limit=_optional(env, "STREAMSPEC_AUTH_FAILURE_LIMIT")
            or defaults.auth_failure_limit,
            redis_url=_optional(env, "STREAMSPEC_REDIS_URL"),
            trusted_proxies=_list(env, "STREAMSPEC_TRUSTED_PROXIES"),
            max_streams_per_caller=int(
                _positive_float(
                    env,
                    "STREAMSPEC_MAX_STREAMS_PER_KEY",
                    defaults.max_streams_per_caller,
                    allow_zero=True,
                )
            ),
            keepalive_seconds=_positive_float(
                env, "STREAMSPEC_KEEPALIVE_SECONDS", defaults.keepalive_seconds
            ),
            cors_origins=_list(env, "STREAMSPEC_CORS_ORIGINS"),
            shutdown_grace_seconds=_positive_float(
                env, "STREAMSPEC_SHUTDOWN_GRACE_SECONDS", defaults.shutdown_grace_seconds
            ),
        )


LOG_FORMATS = ("text", "json")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = (_optional(env, name) or default).lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (_optional(env, name) or "").lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false (1/0, yes/no, on/off), got {raw!r}")


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())


def _secret(env: Mapping[str, str], name: str) -> str | None:
    value = _optional(env, name)
    return None if value is None else _checked_key(name, value)


def _checked_key(name: str, key: str) -> str:
    """A key that can travel as `Authorization: Bearer <key>`: visible ASCII. Any other
    character cannot be sent upstream (header values are latin-1 bytes), nor match what a
    client sends. The message never repeats the key."""
    if not all("!" <= char <= "~" for char in key):
        raise SettingsError(
            f"{name} must hold visible ASCII characters only (letters, digits, punctuation, "
            "no spaces), as a bearer token does"
        )
    return key


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
        least = "zero or more" if allow_zero else "greater than zero"
        raise SettingsError(f"{name} must be {least}, got {raw!r}")
    return value
