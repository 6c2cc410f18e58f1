from __future__ import annotations

import ast
import inspect

import msgspec
import pytest
import yaml

from codegen.operations import read_operations, render_operations
from codegen.python_client import render_client
from codegen.spec import Spec, SpecError
from codegen.typescript_streams import render_typescript_streams
from streamspec._generated import models, operations
from streamspec._generated.operations import (
    OPERATIONS,
    StreamChatDelta,
    StreamChatDone,
    StreamChatError,
    StreamChatEvent,
)
from tests.conftest import ROOT


def union_members(source: str, alias: str) -> list[str]:
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == alias
        ):
            assert node.value is not None
            return flatten_union(node.value)
    raise AssertionError(f"no alias {alias}")


def flatten_union(node: ast.expr) -> list[str]:
    if isinstance(node, ast.BinOp):
        return flatten_union(node.left) + flatten_union(node.right)
    assert isinstance(node, ast.Name)
    return [node.id]


def event_variant(event: str, payload: str) -> dict[str, object]:
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"type": "string", "const": event},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": {"$ref": f"#/components/schemas/{payload}"},
            },
        },
    }


def test_stream_event_union_follows_the_item_schema_variants_in_order(spec: Spec) -> None:
    schemas = spec["components"]["schemas"]
    schemas["PingEvent"] = event_variant("ping", "ChatDelta")
    schemas["ChatStreamEvent"]["oneOf"].append({"$ref": "#/components/schemas/PingEvent"})
    schemas["ChatStreamEvent"]["discriminator"]["mapping"]["ping"] = (
        "#/components/schemas/PingEvent"
    )

    source = render_operations(read_operations(spec))

    assert union_members(source, "StreamChatEvent") == [
        "StreamChatDelta",
        "StreamChatDone",
        "StreamChatError",
        "StreamChatPing",
    ]
    assert (
        "class StreamChatPing(msgspec.Struct, frozen=True, tag_field=\"event\", tag='ping'):"
        in (source)
    )
    assert "sse_prefix: ClassVar[bytes] = b'event: ping\\ndata: '" in source


def test_second_stream_operation_gets_its_own_event_union(spec: Spec) -> None:
    schemas = spec["components"]["schemas"]
    schemas["TickEvent"] = event_variant("tick", "Health")
    schemas["TickStreamEvent"] = {"oneOf": [{"$ref": "#/components/schemas/TickEvent"}]}
    spec["paths"]["/ticks"] = {
        "get": {
            "operationId": "watchTicks",
            "summary": "Watch the ticks",
            "responses": {
                "200": {
                    "description": "ticks",
                    "content": {
                        "text/event-stream": {
                            "itemSchema": {"$ref": "#/components/schemas/TickStreamEvent"}
                        }
                    },
                }
            },
        }
    }

    source = render_operations(read_operations(spec))

    assert union_members(source, "WatchTicksEvent") == ["WatchTicksTick"]
    assert "StreamChatTick" not in source
    assert (
        "def watch_ticks(self) -> AsyncIterator[WatchTicksEvent | Sequence[WatchTicksEvent]]:"
        in source
    )


def test_event_without_content_schema_fails_loudly(spec: Spec) -> None:
    del spec["components"]["schemas"]["DeltaEvent"]["properties"]["data"]["contentSchema"]

    with pytest.raises(SpecError, match="contentSchema"):
        read_operations(spec)


def test_tagged_event_union_decodes_each_event_to_its_struct() -> None:
    decoder = msgspec.json.Decoder(StreamChatEvent)

    event = decoder.decode(b'{"event":"delta","data":{"content":"x"}}')

    assert event == StreamChatDelta(data=models.ChatDelta(content="x"))
    assert msgspec.json.encode(event) == b'{"event":"delta","data":{"content":"x"}}'
    problem = b'{"event":"error","data":{"type":"about:blank","title":"Bad Gateway","status":502}}'
    assert isinstance(decoder.decode(problem), StreamChatError)
    with pytest.raises(msgspec.ValidationError, match="Invalid value 'nope'"):
        decoder.decode(b'{"event":"nope","data":{}}')


def test_event_payload_types_come_from_content_schema() -> None:
    hints = {cls: inspect.get_annotations(cls)["data"] for cls in StreamChatEvent.__args__}

    assert hints == {
        StreamChatDelta: models.ChatDelta,
        StreamChatDone: models.ChatDone,
        StreamChatError: models.Problem,
    }


def test_operations_table_matches_the_contract() -> None:
    table = {op.operation_id: op for op in OPERATIONS}

    documented = yaml.safe_load((ROOT / "schema/openapi.yaml").read_text())["paths"]
    assert list(table) == [
        operation["operationId"] for item in documented.values() for operation in item.values()
    ]
    assert table["getHealth"].secured is False
    assert table["getHealth"].request_type is None
    assert table["createChat"].request_type is models.ChatRequest
    assert table["createChat"].response_type is models.ChatResponse
    assert table["streamChat"].response_type == StreamChatEvent
    assert table["streamChat"].media_type == "text/event-stream"
    assert table["streamChat"].stream is not None
    assert table["streamChat"].stream.end_event == "done"
    assert table["streamChat"].stream.error_event is StreamChatError
    stream_responses = documented["/api/chat/stream"]["post"]["responses"]
    assert table["streamChat"].error_statuses == tuple(
        sorted(int(status) for status in stream_responses if int(status) >= 400)
    )
    assert all(op.secured for op in OPERATIONS if op.operation_id != "getHealth")


def test_protocol_has_one_method_per_operation_and_streams_are_not_coroutines() -> None:
    protocol = operations.Operations

    for op in OPERATIONS:
        method = getattr(protocol, op.method_name)
        is_stream = op.media_type == "text/event-stream"
        assert inspect.iscoroutinefunction(method) is not is_stream, op.method_name
        has_body = "body" in inspect.signature(method).parameters
        assert has_body is (op.request_type is not None), op.method_name


def test_operations_module_is_byte_identical_across_renders(spec: Spec) -> None:
    assert render_operations(read_operations(spec)) == render_operations(read_operations(spec))


def test_a_200_with_json_and_a_stream_is_one_operation_answering_either(spec: Spec) -> None:
    source = render_operations(read_operations(spec))

    assert (
        "async def create_chat_completion(self, body: CreateChatCompletionRequest, *, "
        "raw_body: bytes) -> ChatCompletion | msgspec.Raw | "
        "AsyncIterator[CreateChatCompletionEvent | Sequence[CreateChatCompletionEvent]]:"
    ) in source
    table = {op.operation_id: op for op in OPERATIONS}
    chat = table["createChatCompletion"]
    assert chat.json_or_stream
    assert chat.media_type == "application/json"
    assert chat.response_type is models.ChatCompletion
    assert chat.stream is not None
    assert chat.stream.end == b"data: [DONE]\n\n"
    assert inspect.iscoroutinefunction(operations.Operations.create_chat_completion)


def test_a_stream_beside_anything_but_json_is_refused(spec: Spec) -> None:
    content = spec["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    content["text/plain"] = {"schema": {"type": "string"}}

    with pytest.raises(SpecError, match=r"^createChatCompletion .*beside application/json$"):
        read_operations(spec)


def test_each_operation_names_the_schema_of_its_error_bodies(spec: Spec) -> None:
    table = {op.operation_id: op for op in read_operations(spec)}

    assert (table["createChat"].error_type, table["createChat"].error_media_type) == (
        "Problem",
        "application/problem+json",
    )
    chat = table["createChatCompletion"]
    assert (chat.error_type, chat.error_media_type) == ("OpenAIErrorResponse", "application/json")


def test_an_operation_whose_errors_mix_schemas_is_refused_in_one_line(spec: Spec) -> None:
    responses = spec["paths"]["/v1/models"]["get"]["responses"]
    responses["401"] = {"$ref": "#/components/responses/Unauthorized"}

    refusal = r"^listOpenaiModels \(GET /v1/models\): error responses mix"
    with pytest.raises(SpecError, match=refusal):
        read_operations(spec)


def test_only_open_schemas_may_be_answered_as_raw_json() -> None:
    hints = inspect.get_annotations(operations.CreateChatCompletionMessage)
    assert hints["data"] == models.ChatCompletionChunk | msgspec.Raw
    assert inspect.get_annotations(StreamChatDelta)["data"] is models.ChatDelta
    returns = inspect.signature(operations.Operations.create_chat).return_annotation
    assert returns in ("ChatResponse", models.ChatResponse)


def test_an_open_request_body_hands_the_handler_its_bytes() -> None:
    signature = inspect.signature(operations.Operations.create_chat_completion)
    assert signature.parameters["raw_body"].kind is inspect.Parameter.KEYWORD_ONLY
    assert "raw_body" not in inspect.signature(operations.Operations.create_chat).parameters


def test_a_data_only_stream_may_name_its_error_schema_as_its_error_event(spec: Spec) -> None:
    chat = {op.operation_id: op for op in read_operations(spec)}["createChatCompletion"]

    assert chat.stream is not None
    assert [e.data_type for e in chat.events] == ["ChatCompletionChunk", "OpenAIErrorResponse"]
    assert chat.stream.error_class == "CreateChatCompletionError"
    table = {op.operation_id: op for op in OPERATIONS}
    stream = table["createChatCompletion"].stream
    assert stream is not None
    assert stream.error_event is operations.CreateChatCompletionError


def test_the_sdks_refuse_a_data_only_stream_with_an_error_schema_in_one_line(spec: Spec) -> None:
    content = spec["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    del content["application/json"]

    with pytest.raises(SpecError, match=r"^createChatCompletion: the SDKs cannot stream"):
        render_client(spec, read_operations(spec))
    with pytest.raises(SpecError, match=r"^createChatCompletion: the SDKs cannot stream"):
        render_typescript_streams(read_operations(spec))
