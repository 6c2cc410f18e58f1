"""Tracing through Litestar's OpenTelemetry plugin (the `tracing` extra is in the dev env)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from streamspec.app import create_app
from streamspec.settings import Settings, SettingsError

BODY = {"messages": [{"role": "user", "content": "hello there"}]}
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    # The global provider, as the server uses; it can be set once per process.
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    yield exporter
    provider.shutdown()


def test_every_operation_gets_a_server_span_that_continues_the_callers_trace(
    spans: InMemorySpanExporter,
) -> None:
    spans.clear()
    traceparent = {"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
    with TestClient(create_app(Settings(tracing=True))) as client:
        assert client.post("/api/chat", json=BODY, headers=traceparent).status_code == 200
        assert client.post("/api/chat/stream", json=BODY).status_code == 200
        assert client.get("/health").status_code == 200
    finished = {span.name: span for span in spans.get_finished_spans()}
    assert set(finished) == {"POST /api/chat", "POST /api/chat/stream", "GET /health"}
    chat = finished["POST /api/chat"]
    assert chat.kind == trace.SpanKind.SERVER
    assert chat.attributes is not None
    assert chat.attributes["http.status_code"] == 200
    assert format(chat.context.trace_id, "032x") == TRACE_ID


def test_no_spans_without_tracing_turned_on(spans: InMemorySpanExporter) -> None:
    spans.clear()
    with TestClient(create_app(Settings())) as client:
        assert client.post("/api/chat", json=BODY).status_code == 200
    assert spans.get_finished_spans() == ()


def test_tracing_without_opentelemetry_installed_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What the import sees on a server installed without the `tracing` extra.
    monkeypatch.setitem(sys.modules, "litestar.plugins.opentelemetry", None)
    with pytest.raises(SettingsError, match=r"pip install 'streamspec\[tracing\]'"):
        create_app(Settings(tracing=True))
