"""The SDK's typed stream layer comes from the spec: a new event or operation needs no hand edit."""

from __future__ import annotations

import importlib
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import mypy.api
import pytest

from codegen.operations import read_operations
from codegen.pipeline import PYTHON_CLIENT_DIR, PYTHON_PACKAGE, generate_all
from codegen.python_client import render_client
from codegen.spec import PY_HEADER, Spec, load_spec
from codegen.tools import REPO_ROOT, Toolchain
from tests.generate.conftest import CONTRACT, write_yaml

SDK_PACKAGE = REPO_ROOT / "clients" / "python" / "streamspec_client"


@pytest.fixture
def spec() -> Spec:
    """A fresh copy of the contract that a test may edit."""
    return load_spec(CONTRACT)


@pytest.fixture(scope="session")
def tools() -> Toolchain:
    return Toolchain.for_repo()


def add_ping_event(spec: Spec, data_schema: str) -> None:
    schemas = spec["components"]["schemas"]
    schemas["PingEvent"] = {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"type": "string", "const": "ping"},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": {"$ref": f"#/components/schemas/{data_schema}"},
            },
        },
    }
    stream_event = schemas["ChatStreamEvent"]
    stream_event["oneOf"].append({"$ref": "#/components/schemas/PingEvent"})
    stream_event["discriminator"]["mapping"]["ping"] = "#/components/schemas/PingEvent"


def add_second_stream_operation(spec: Spec) -> None:
    operation = spec["paths"]["/api/chat/stream"]["post"]
    spec["paths"]["/api/complete/stream"] = {
        "post": {**operation, "operationId": "streamCompletion", "summary": "Stream a completion"}
    }


@pytest.fixture
def package_with(tmp_path: Path) -> Iterator[Any]:
    """Import a copy of the SDK whose generated client module is the given source."""
    imported: list[str] = []

    def load(source: str) -> ModuleType:
        name = f"golden_sdk_{len(imported)}"
        shutil.copytree(SDK_PACKAGE, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        (tmp_path / name / "_generated" / "client.py").write_text(source)
        imported.append(name)
        return importlib.import_module(f"{name}._generated.client")

    sys.path.insert(0, str(tmp_path))
    yield load
    sys.path.remove(str(tmp_path))
    for name in imported:
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]


def _client_source(spec: Spec) -> str:
    return render_client(spec, read_operations(spec))


def test_committed_client_module_has_the_stream_events_of_the_contract(spec: Spec) -> None:
    source = _client_source(spec)

    assert source.startswith(PY_HEADER + "\n")
    assert "StreamChatEvent: TypeAlias = StreamChatDelta | StreamChatDone | StreamChatError" in (
        (REPO_ROOT / PYTHON_CLIENT_DIR / "client.py").read_text()
    )


def test_new_event_variant_becomes_a_typed_class_in_the_union_and_decoder(
    spec: Spec, package_with: Any
) -> None:
    add_ping_event(spec, "ChatDelta")

    source = _client_source(spec)

    assert "class StreamChatPing:" in source
    assert 'event: Literal["ping"] = "ping"' in source
    assert re.search(r"StreamChatEvent: TypeAlias = .*\| StreamChatPing\n", source)
    module = package_with(source)
    ping = module._STREAM_CHAT.decoders["ping"]('{"content": "pong"}')
    assert type(ping) is module.StreamChatPing
    assert ping.event == "ping"
    assert ping.data.content == "pong"
    assert module._STREAM_CHAT.error_events == frozenset({"error"})


def test_second_stream_operation_gets_its_own_events_union_and_metadata(
    spec: Spec, package_with: Any
) -> None:
    add_second_stream_operation(spec)

    module = package_with(_client_source(spec))

    operation = module._STREAM_COMPLETION
    assert (operation.http_method, operation.path) == ("POST", "/api/complete/stream")
    assert callable(module.Client.stream_completion)
    assert callable(module.AsyncClient.stream_completion)
    assert sorted(operation.decoders) == ["delta", "done"]
    assert operation.error_events == frozenset({"error"})
    assert operation.end_event == "done"
    delta = operation.decoders["delta"]('{"content": "x"}')
    assert type(delta) is module.StreamCompletionDelta
    assert module.StreamCompletionEvent.__args__ == (
        module.StreamCompletionDelta,
        module.StreamCompletionDone,
        module.StreamCompletionError,
    )


EXHAUSTIVE_MATCH = """
from typing import assert_never
from streamspec_client import StreamChatEvent, StreamChatDelta, StreamChatDone, StreamChatError

def describe(event: StreamChatEvent) -> str:
    match event:
        case StreamChatDelta() | StreamChatDone() | StreamChatError():
            return event.event
        case _:
            assert_never(event)
"""


def test_regenerating_with_a_new_event_makes_exhaustive_user_code_name_it(
    spec: Spec, tmp_path: Path, tools: Toolchain, monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas = spec["components"]["schemas"]
    schemas["Ping"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["at"],
        "properties": {"at": {"type": "integer"}},
    }
    add_ping_event(spec, "Ping")
    out = tmp_path / "out"

    generate_all(write_yaml(spec, tmp_path / "openapi.yaml"), out, tmp_path / "work", tools)

    generated = (out / PYTHON_CLIENT_DIR / "client.py").read_text()
    assert "class Ping(" in (out / PYTHON_CLIENT_DIR / "models.py").read_text()
    assert "    data: Ping\n" in generated
    # The hand-written layer is copied unchanged over the freshly generated one.
    package = out / PYTHON_PACKAGE
    for hand_written in SDK_PACKAGE.glob("_*.py"):
        if hand_written.name != "__init__.py":
            shutil.copy(hand_written, package / hand_written.name)
    shutil.copy(SDK_PACKAGE / "py.typed", package / "py.typed")
    user_code = tmp_path / "user_code.py"
    user_code.write_text(EXHAUSTIVE_MATCH)
    monkeypatch.setenv("MYPYPATH", str(package.parent))

    stdout, stderr, status = mypy.api.run(
        [
            "--strict",
            "--config-file=",
            # A private cache: another pytest run may be checking at the same time.
            f"--cache-dir={tmp_path / 'mypy-cache'}",
            "--follow-imports=silent",
            "--no-pretty",
            "--python-version=3.11",
            str(user_code),
        ]
    )

    assert status == 1, stdout + stderr
    assert re.search(r'user_code\.py:\d+: error: .*"StreamChatPing".*\[arg-type\]', stdout), stdout
