"""The public surface changes only on purpose, and stays in step with the contract."""

from __future__ import annotations

import inspect
import typing

import streamspec_client
from codegen.operations import read_operations
from codegen.python_client import RUNTIME_EXPORTS
from codegen.spec import load_spec, resolve_ref
from streamspec_client import AsyncClient, ChatMessageParam, Client, Role
from tests.conftest import ROOT

CONTRACT = load_spec(ROOT / "schema/openapi.yaml")
OPERATIONS = read_operations(CONTRACT)

# The hand-written runtime's names: they change only on purpose.
RUNTIME = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "ContentTooLargeError",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "GatewayTimeoutError",
    "InternalServerError",
    "MethodNotAllowedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "ServiceUnavailableError",
    "Stream",
    "StreamError",
    "StreamTruncatedError",
    "StreamspecError",
    "UnprocessableEntityError",
    "UnsupportedMediaTypeError",
    "UpstreamError",
    "__version__",
]


def _contract_names() -> set[str]:
    """What the contract puts in the package: its schemas, their dicts, events and clients."""
    schemas = CONTRACT["components"]["schemas"]
    names = set(schemas) | {"AsyncClient", "Client", "ErrorBody"}
    names |= {f"{name}Param" for name, s in schemas.items() if "properties" in s}
    for op in OPERATIONS:
        if op.stream and not op.json_or_stream:
            names |= {op.response_type, *(event.class_name for event in op.events)}
        elif op.answers_choose:
            names |= {str(response.class_name) for response in op.responses}
    return names


def test_runtime_exports_are_pinned() -> None:
    assert sorted(name for names in RUNTIME_EXPORTS.values() for name in names) == sorted(RUNTIME)


def test_exported_members_are_the_runtime_and_what_the_contract_names() -> None:
    exported = streamspec_client.__all__

    assert exported == sorted(exported)
    assert set(RUNTIME) <= set(exported)
    # datamodel-codegen also names inline enums (Health's `status` is `Status`).
    assert _contract_names() <= set(exported) - set(RUNTIME)
    for name in exported:
        assert hasattr(streamspec_client, name), name


def _parameters(function: object) -> list[tuple[str, object, object, object]]:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return [
        (p.name, p.kind, p.default, p.annotation)
        for p in signature.parameters.values()
        if p.name != "self"
    ]


def test_client_and_async_client_have_one_method_per_operation_taking_the_same_parameters() -> None:
    for op in OPERATIONS:
        sync, awaited = getattr(Client, op.method_name), getattr(AsyncClient, op.method_name)
        assert _parameters(sync) == _parameters(awaited), op.operation_id
        streams = op.stream is not None and not op.json_or_stream
        assert inspect.iscoroutinefunction(awaited) is not streams, op.operation_id
    assert _parameters(AsyncClient.__init__)[:-1] == _parameters(Client.__init__)[:-1]


def test_stream_chat_and_create_chat_take_the_same_parameters() -> None:
    for client_class in (Client, AsyncClient):
        assert _parameters(client_class.stream_chat) == _parameters(client_class.create_chat)


def test_method_keywords_are_the_parameters_and_body_fields_of_the_contract() -> None:
    for op in OPERATIONS:
        expected = [p.field for p in op.parameters]
        if op.request_type is not None:
            path_item = CONTRACT["paths"][op.path][op.http_method.lower()]
            body = resolve_ref(CONTRACT, path_item["requestBody"])
            schema = resolve_ref(CONTRACT, body["content"]["application/json"]["schema"])
            expected += list(schema["properties"])
        names = [name for name, *_ in _parameters(getattr(Client, op.method_name))]
        assert sorted(names) == sorted(expected), op.operation_id


def test_path_parameters_may_be_positional() -> None:
    kinds = {name: kind for name, kind, *_ in _parameters(Client.get_model)}

    assert kinds == {"model_id": inspect.Parameter.POSITIONAL_OR_KEYWORD}


def test_message_param_roles_are_the_contract_roles() -> None:
    role = typing.get_type_hints(ChatMessageParam)["role"]
    literal = next(arg for arg in typing.get_args(role) if typing.get_origin(arg) is typing.Literal)

    assert set(typing.get_args(literal)) == {role.value for role in Role}
