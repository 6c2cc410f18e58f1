"""clients/typescript/src/gen/streams.ts follows the spec's itemSchema, with no hand edits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from codegen.clients import generate_typescript
from codegen.operations import read_operations
from codegen.spec import TS_HEADER, Spec, SpecError, derive_31_view, dump_spec, load_spec
from codegen.tools import Toolchain
from codegen.typescript_client import render_typescript_client, render_typescript_models
from codegen.typescript_streams import render_typescript_streams
from tests.conftest import ROOT

from .conftest import run_in_package

CONTRACT = ROOT / "schema" / "openapi.yaml"
STREAMS_TS = ROOT / "clients" / "typescript" / "src" / "gen" / "streams.ts"

CHAT_UNION = """\
export type StreamChatEvent =
  | { event: "delta"; data: components["schemas"]["ChatDelta"] }
  | { event: "done"; data: components["schemas"]["ChatDone"] }
  | { event: "error"; data: components["schemas"]["Problem"] };
"""


@pytest.fixture
def spec() -> Spec:
    return load_spec(CONTRACT)


def _with_ping_event(spec: Spec) -> Spec:
    schemas = spec["components"]["schemas"]
    schemas["Ping"] = {"type": "object", "properties": {"at": {"type": "integer"}}}
    schemas["PingEvent"] = {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"type": "string", "const": "ping"},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": {"$ref": "#/components/schemas/Ping"},
            },
        },
    }
    schemas["ChatStreamEvent"]["oneOf"].append({"$ref": "#/components/schemas/PingEvent"})
    schemas["ChatStreamEvent"]["discriminator"]["mapping"]["ping"] = (
        "#/components/schemas/PingEvent"
    )
    return spec


def test_committed_streams_ts_is_what_the_contract_renders(spec: Spec) -> None:
    rendered = render_typescript_streams(read_operations(spec))
    assert STREAMS_TS.read_text() == rendered
    assert rendered.startswith(TS_HEADER + "\n")
    assert CHAT_UNION in rendered
    assert 'events: ["delta", "done", "error"],' in rendered
    assert 'errorEvent: "error",' in rendered


def test_adding_an_event_variant_adds_it_to_the_union_and_the_runtime_list(spec: Spec) -> None:
    rendered = render_typescript_streams(read_operations(_with_ping_event(spec)))

    assert (
        CHAT_UNION.replace(
            '["Problem"] };\n',
            '["Problem"] }\n  | { event: "ping"; data: components["schemas"]["Ping"] };\n',
        )
        in rendered
    )
    assert 'events: ["delta", "done", "error", "ping"],' in rendered


def test_a_second_stream_operation_gets_its_own_union_and_descriptor(spec: Spec) -> None:
    operation = spec["paths"]["/api/chat/stream"]["post"]
    spec["paths"]["/api/chat/replay"] = {
        "post": {**operation, "operationId": "replayChat", "summary": "Replay a chat"}
    }

    rendered = render_typescript_streams(read_operations(spec))

    assert "export type ReplayChatEvent =\n" in rendered
    assert 'export const replayChatOperation = {\n  operationId: "replayChat",' in rendered
    assert 'path: "/api/chat/replay",' in rendered
    assert "  replayChat: replayChatOperation," in rendered


def test_two_events_carrying_a_problem_are_refused(spec: Spec) -> None:
    schemas = spec["components"]["schemas"]
    schemas["FatalEvent"] = {
        **schemas["ErrorEvent"],
        "properties": {**schemas["ErrorEvent"]["properties"], "event": {"const": "fatal"}},
    }
    schemas["ChatStreamEvent"]["oneOf"].append({"$ref": "#/components/schemas/FatalEvent"})

    with pytest.raises(SpecError, match="more than one event carries a problem"):
        render_typescript_streams(read_operations(spec))


def test_type_tests_fail_until_a_new_event_variant_is_handled(
    spec: Spec, typescript_package: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "typescript"
    copy.mkdir()
    for name in ("tsconfig.json", "package.json"):
        shutil.copy(typescript_package / name, copy / name)
    shutil.copytree(typescript_package / "src", copy / "src")
    (copy / "node_modules").symlink_to(typescript_package / "node_modules")
    pinged = _with_ping_event(spec)
    view = tmp_path / "openapi-3.1.yaml"
    dump_spec(derive_31_view(pinged), view)
    generate_typescript(view, copy / "src" / "gen" / "openapi.ts", Toolchain.for_repo())
    operations = read_operations(pinged)
    (copy / "src" / "gen" / "streams.ts").write_text(render_typescript_streams(operations))
    (copy / "src" / "gen" / "models.ts").write_text(render_typescript_models(pinged, operations))
    (copy / "src" / "gen" / "client.ts").write_text(render_typescript_client(pinged, operations))

    result = run_in_package(["node_modules/.bin/tsc", "--noEmit", "-p", "."], cwd=copy)

    errors = [line for line in result.stdout.splitlines() if "error TS" in line]
    assert result.returncode != 0
    assert all(line.startswith("src/__typetests__/stream-events.ts(") for line in errors), errors
    # Every place that narrows by elimination, or lists the events, notices the new variant.
    assert len(errors) == 4, result.stdout
    # The branch left after "delta" and "done" is no longer just the Problem.
    assert "{ at?: number; }' is not assignable" in errors[0]
    assert '"ping"' in errors[1]
    assert "not assignable to type 'never'" in errors[1]
    assert "Unused '@ts-expect-error' directive" in errors[2]  # "ping" is now an event name
    assert '"ping"]' in errors[3]
