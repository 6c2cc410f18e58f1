"""Optional tracing: Litestar's OpenTelemetry plugin, when `STREAMSPEC_TRACING` is on.

The plugin opens one server span per request (named after its route, e.g.
`POST /api/chat`) in the global tracer provider, and continues a trace whose
`traceparent` the client sent. Configuring that provider, and where spans are
exported, is the OpenTelemetry SDK's business (for instance `opentelemetry-instrument`
with an exporter installed). The per-send and per-receive child spans are left out:
a stream would make one per event.
"""

from __future__ import annotations

from litestar.exceptions import MissingDependencyException
from litestar.plugins import PluginProtocol

from streamspec.settings import SettingsError

__all__ = ["tracing_plugins"]


def tracing_plugins(enabled: bool) -> list[PluginProtocol]:
    if not enabled:
        return []
    try:
        from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
    except (ImportError, MissingDependencyException):
        raise SettingsError(
            "STREAMSPEC_TRACING needs OpenTelemetry: pip install 'streamspec[tracing]'"
        ) from None
    return [OpenTelemetryPlugin(OpenTelemetryConfig(exclude_spans=["receive", "send"]))]
