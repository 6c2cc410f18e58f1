"""clients/typescript/src/gen/client.ts and models.ts follow the contract, and the hand-written
runtime beside them names nothing of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from codegen.operations import read_operations
from codegen.spec import TS_HEADER, Spec, SpecError, load_spec
from codegen.typescript_client import render_typescript_client, render_typescript_models
from tests.conftest import ROOT
from tests.fixtures import grown_contract

CONTRACT = ROOT / "schema" / "openapi.yaml"
SOURCE = ROOT / "clients" / "typescript" / "src"


@pytest.fixture
def spec() -> Spec:
    return load_spec(CONTRACT)


def _client(spec: Spec) -> str:
    return render_typescript_client(spec, read_operations(spec))


def _add_operation(spec: Spec, path: str, operation: dict[str, object]) -> Spec:
    operation = {
        "summary": "Do a thing",
        "responses": {"204": {"description": "Done."}},
    } | operation
    spec["paths"][path] = {"post": operation}
    return spec


def _handwritten_modules() -> list[Path]:
    return sorted(
        path
        for path in SOURCE.rglob("*.ts")
        if not {"gen", "__typetests__"}.intersection(path.relative_to(SOURCE).parts)
    )


def test_committed_client_and_models_are_what_the_contract_renders(spec: Spec) -> None:
    operations = read_operations(spec)
    client = render_typescript_client(spec, operations)
    models = render_typescript_models(spec, operations)

    assert (SOURCE / "gen" / "client.ts").read_text() == client
    assert (SOURCE / "gen" / "models.ts").read_text() == models
    assert client.startswith(TS_HEADER + "\n")
    assert models.startswith(TS_HEADER + "\n")
    for operation in operations:
        assert f"\n  {operation.operation_id}: {{\n" in client


def test_the_handwritten_runtime_names_no_operation_schema_or_path_of_either_contract() -> None:
    names: set[str] = set()
    paths: set[str] = set()
    for contract in (load_spec(CONTRACT), grown_contract()):
        names |= set(contract["components"]["schemas"])
        names |= {op.operation_id for op in read_operations(contract)}
        paths |= set(contract["paths"])
    modules = _handwritten_modules()
    assert {path.name for path in modules} >= {"client.ts", "errors.ts", "streaming.ts"}

    found = []
    for module in modules:
        text = module.read_text()
        found += [
            f"{module.name}: {name}"
            for name in sorted(names)
            if re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", text)
        ]
        found += [f"{module.name}: {path}" for path in sorted(paths) if f'"{path}' in text]

    assert found == []


def test_arguments_hold_parameters_and_body_properties_and_answers_are_typed() -> None:
    client = _client(grown_contract())

    assert (
        "export type SummarizeConversationArgs = "
        'NonNullable<operations["summarizeConversation"]["parameters"]["path"]> & SummaryRequest;'
    ) in client
    assert (
        "  deleteConversation(args: DeleteConversationArgs, options?: RequestOptions): " in client
    )
    assert "Promise<void>;" in client
    assert "  listConversations(args?: ListConversationsArgs, " in client
    assert (
        "export interface CreateConversationCreated {\n  status: 201;\n  body: Conversation;\n"
        in (client)
    )
    assert '  headers: { location: string; "retry-after"?: number };' in client
    assert (
        "export type ExportConversationResult = ExportConversationOk | ExportConversationAccepted;"
    ) in client
    assert "): AsyncIterable<WatchTicksEvent>;" in client


def test_an_optional_body_with_required_properties_is_all_or_nothing(spec: Spec) -> None:
    _add_operation(
        spec,
        "/things",
        {
            "operationId": "makeThing",
            "requestBody": {
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ChatRequest"}}
                }
            },
        },
    )

    client = _client(spec)

    assert (
        "export type MakeThingArgs = (ChatRequest | { [Key in keyof ChatRequest]?: never });"
        in (client)
    )
    assert "  makeThing(args?: MakeThingArgs, " in client


def test_a_body_that_is_not_an_object_is_the_arguments_body_key(spec: Spec) -> None:
    schema = {"type": "array", "items": {"$ref": "#/components/schemas/ChatMessage"}}
    _add_operation(
        spec,
        "/things",
        {
            "operationId": "make_things",
            "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        },
    )

    client = _client(spec)

    assert "export type MakeThingsArgs = { body: ChatMessage[] };" in client
    assert "  makeThings(args: MakeThingsArgs, options?: RequestOptions): Promise<void>;" in client
    assert '    body: "key",' in client


def test_a_parameter_named_like_a_body_property_is_refused_in_one_line(spec: Spec) -> None:
    _add_operation(
        spec,
        "/things/{model}",
        {
            "operationId": "makeThing",
            "parameters": [
                {"name": "model", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ChatRequest"}}
                },
            },
        },
    )

    with pytest.raises(SpecError) as refused:
        _client(spec)

    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("makeThing (POST /things/{model}): parameter 'model' is also a body")


def test_a_schema_named_like_a_generated_type_is_refused(spec: Spec) -> None:
    spec["components"]["schemas"]["GetModelArgs"] = {"type": "object"}

    with pytest.raises(SpecError, match="'GetModelArgs' is taken by components/schemas"):
        _client(spec)


def _sse_envelopes(spec: Spec) -> set[str]:
    """The schemas that describe an SSE item (and its oneOf variants), not a payload."""
    prefix = "#/components/schemas/"
    found: set[str] = set()
    for item in spec["paths"].values():
        for operation in item.values():
            for response in operation.get("responses", {}).values():
                media = response.get("content", {}).get("text/event-stream", {})
                ref = media.get("itemSchema", {}).get("$ref", "")
                if ref.startswith(prefix):
                    name = ref[len(prefix) :]
                    found.add(name)
                    for variant in spec["components"]["schemas"][name].get("oneOf", []):
                        found.add(variant["$ref"][len(prefix) :])
    return found


def test_every_schema_but_the_sse_envelopes_is_exported_by_name(spec: Spec) -> None:
    models = render_typescript_models(spec, read_operations(spec))

    exported = re.findall(r"^export type (\w+) =", models, re.M)
    envelopes = _sse_envelopes(spec)
    assert {"ChatStreamEvent", "DeltaEvent", "DoneEvent", "ErrorEvent"} <= envelopes
    assert set(exported) == (set(spec["components"]["schemas"]) - envelopes) | {"ErrorBody"}
    assert "export type ErrorBody = Problem;" in models
