"""The Python SDK's whole contract-bound surface, generated: models, parameter dicts,
stream events, error bodies, `Client` and `AsyncClient`, and the package's exports.

The models are the msgspec Structs datamodel-codegen writes for the server, with
every optional field typed `X | None` (a user's `if r.usage is not None` narrows)
and unknown fields allowed (a newer server may add some). `Client` and
`AsyncClient` come from one template: one method per operationId, typed from
the contract, standing on the hand-written runtime (`_base_client`, `_streaming`,
`_exceptions`), which names no operation and no schema.
"""

from __future__ import annotations

import ast
import json
import keyword
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .models import generate_models
from .operations import (
    OperationSpec,
    ParameterSpec,
    read_operations,
    require_distinct_event_names,
)
from .spec import PY_HEADER, Spec, SpecError, resolve_ref, schema_name
from .tools import REPO_ROOT, Toolchain

SDK_RUNTIME = REPO_ROOT / "clients" / "python" / "streamspec_client"


def _declared_all(module: Path) -> list[str]:
    """A hand-written module's `__all__`, read from its source (the SDK is not imported)."""
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return [str(ast.literal_eval(item)) for item in getattr(node.value, "elts", [])]
    raise SpecError(f"{module} declares no __all__")


# Names the hand-written runtime exports; the package re-exports them with the generated ones.
# Every exception is public; of the base client and the streams, only what a user names.
RUNTIME_EXPORTS = {
    "._base_client": ["DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT", "__version__"],
    "._exceptions": _declared_all(SDK_RUNTIME / "_exceptions.py"),
    "._streaming": ["AsyncStream", "Stream"],
}

_PRIMITIVES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


# Models ---------------------------------------------------------------------------------


def sdk_models_source(server_models: str) -> str:
    """The server's models as the SDK's: `X | None = None` for optional, unknown fields kept."""
    source = server_models.replace("forbid_unknown_fields=True", "omit_defaults=True")
    source = re.sub(r"\bUnsetType\b", "None", source)
    source = re.sub(r"= UNSET\b", "= None", source)
    source = re.sub(r"\bclass (\w+)\(Struct\):", r"class \1(Struct, omit_defaults=True):", source)
    source = source.replace(
        "from msgspec import Meta, Struct, UNSET, None", "from msgspec import Meta, Struct"
    )
    source = source.replace("from msgspec import Struct, UNSET, None", "from msgspec import Struct")
    if "UNSET" in source or "UnsetType" in source:
        raise SpecError("the SDK models still mention UNSET after the rewrite")
    return source


# Parameter dicts ------------------------------------------------------------------------


def _object_schemas(spec: Spec) -> dict[str, dict[str, Any]]:
    schemas = spec.get("components", {}).get("schemas", {})
    return {
        name: schema
        for name, schema in schemas.items()
        if schema.get("type") == "object" and "properties" in schema
    }


def param_type(spec: Spec, schema: Any, where: str) -> str:
    """What a caller may pass for `schema`: the model, or the same as plain dicts and strings."""
    if not isinstance(schema, dict):
        return "Any"
    if "$ref" in schema:
        name = schema_name(schema, where)
        target = resolve_ref(spec, schema)
        if "enum" in target:
            return f"{name} | {_literal(target['enum'])}"
        if name in _object_schemas(spec):
            return f"{name} | {name}Param"
        return name
    if "const" in schema:
        return _literal([schema["const"]])
    if "enum" in schema:
        return _literal(schema["enum"])
    for union in ("oneOf", "anyOf"):
        if isinstance(schema.get(union), list):
            return " | ".join(param_type(spec, member, where) for member in schema[union])
    kind = schema.get("type")
    if isinstance(kind, list):  # `type: [string, "null"]`: each type, null as None
        kinds = [param_type(spec, {**schema, "type": k}, where) for k in kind if k != "null"]
        return " | ".join([*kinds, *(["None"] if "null" in kind else [])]) or "None"
    if kind == "array":
        return f"Sequence[{param_type(spec, schema.get('items'), where)}]"
    if kind == "object":
        values = schema.get("additionalProperties")
        if isinstance(values, dict):
            return f"Mapping[str, {param_type(spec, values, where)}]"
        return "Mapping[str, Any]"
    if kind in _PRIMITIVES:
        return "float" if kind == "number" else _PRIMITIVES[kind]
    return "Any"


def _literal(values: list[Any]) -> str:
    return f"Literal[{', '.join(json.dumps(v) for v in values)}]"


def render_params(spec: Spec) -> str:
    schemas = _object_schemas(spec)
    out = [
        PY_HEADER,
        '"""Each object schema of the contract as a TypedDict, for callers passing dicts."""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Mapping, Sequence",
        "from typing import Any, Literal, Required, TypedDict",
        "",
        "from .models import *  # noqa: F403",
        "",
        f"__all__ = [{', '.join(json.dumps(f'{name}Param') for name in sorted(schemas))}]",
        "",
    ]
    for name, schema in schemas.items():
        required = set(schema.get("required", []))
        out += [
            "",
            f"class {name}Param(TypedDict, total=False):",
            f'    """`{name}` as a dict."""',
            "",
        ]
        for prop, prop_schema in schema["properties"].items():
            annotation = param_type(spec, prop_schema, f"{name}.{prop}")
            if not prop.isidentifier() or keyword.iskeyword(prop):
                raise SpecError(f"{name}.{prop}: cannot be a TypedDict key in class syntax")
            field = f"Required[{annotation}]" if prop in required else annotation
            out.append(f"    {prop}: {field}")
        out.append("")
    return "\n".join(out) + "\n"


# The client -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Argument:
    name: str  # the Python keyword
    wire: str
    location: str  # path, query, header or body
    annotation: str
    required: bool


def _arguments(spec: Spec, op: OperationSpec) -> tuple[list[_Argument], bool]:
    """The method's arguments, and whether the body is sent as its properties (not `body=`)."""
    arguments = [
        _Argument(p.field, p.name, p.location, _parameter_annotation(p), p.required)
        for p in op.parameters
    ]
    spread = False
    if op.request_type is not None:
        path_item = spec["paths"][op.path][op.http_method.lower()]
        body = resolve_ref(spec, path_item["requestBody"])["content"]["application/json"]["schema"]
        schema = resolve_ref(spec, body)
        properties = schema.get("properties") if schema.get("type") == "object" else None
        if isinstance(properties, dict) and properties:
            spread = True
            required = set(schema.get("required", [])) if op.body_required else set()
            for prop, prop_schema in properties.items():
                if not prop.isidentifier() or keyword.iskeyword(prop):
                    raise SpecError(
                        f"{op.operation_id}: body property {prop!r} cannot be a keyword"
                    )
                annotation = param_type(spec, prop_schema, f"{op.operation_id} body {prop}")
                arguments.append(_Argument(prop, prop, "body", annotation, prop in required))
        else:
            annotation = param_type(spec, body, f"{op.operation_id} body")
            arguments.append(_Argument("body", "body", "body", annotation, op.body_required))
    names = [a.name for a in arguments]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise SpecError(f"{op.operation_id}: {clashes} name both a parameter and a body property")
    return arguments, spread


def _parameter_annotation(p: ParameterSpec) -> str:
    annotation = p.annotation.removesuffix(" | None")
    if annotation.startswith("list["):
        annotation = "Sequence[" + annotation[5:]
    return annotation


def _signature(args: list[_Argument]) -> list[str]:
    path = [a for a in args if a.location == "path"]
    rest = [a for a in args if a.location != "path"]
    rest.sort(key=lambda a: not a.required)
    params = ["self", *(f"{a.name}: {a.annotation}" for a in path)]
    if rest:
        params.append("*")
        for a in rest:
            params.append(
                f"{a.name}: {a.annotation}"
                if a.required
                else f"{a.name}: {a.annotation} | None = None"
            )
    return params


def _mapping(args: list[_Argument], location: str) -> str:
    chosen = [a for a in args if a.location == location]
    if not chosen:
        return "None"
    return "{" + ", ".join(f"{json.dumps(a.wire)}: {a.name}" for a in chosen) + "}"


def _answer_type(op: OperationSpec) -> str:
    if op.answers_choose:
        return " | ".join(str(r.class_name) for r in op.responses)
    return op.responses[0].body_type or "None"


def _render_answer_classes(op: OperationSpec) -> list[str]:
    out: list[str] = []
    for r in op.responses:
        fields = []
        if r.body_type:
            fields.append(f"    body: {r.body_type}")
        fields += [f"    {h.field}: {h.annotation}" for h in r.headers if h.required]
        fields += [
            f"    {h.field}: {h.annotation} | None = None" for h in r.headers if not h.required
        ]
        out += [
            "",
            "@dataclass(frozen=True, slots=True, kw_only=True)",
            f"class {r.class_name}:",
            f'    """The {r.status} answer of `{op.operation_id}`."""',
            "",
            f"    status: Literal[{r.status}] = {r.status}",
            *fields,
            "",
        ]
    return out


def _render_answer_reader(op: OperationSpec) -> list[str]:
    name = f"_{op.method_name}_answer"
    out = ["", f"def {name}(response: httpx.Response) -> {_answer_type(op)}:"]
    if not op.answers_choose:
        body = op.responses[0].body_type
        out.append(f"    return {_decode_body(body)}" if body else "    return None")
        return out
    for r in op.responses:
        values = []
        if r.body_type:
            values.append(f"body={_decode_body(r.body_type)}")
        for h in r.headers:
            read = f"header(response, {json.dumps(h.name)}, {h.annotation}, required={h.required})"
            values.append(f"{h.field}={read}")
        out += [
            f"    if response.status_code == {r.status}:",
            f"        return {r.class_name}({', '.join(values)})",
        ]
    out.append("    raise unexpected_status(response)")
    return out


def _decode_body(body_type: str) -> str:
    return f"msgspec.json.decode(response.content, type={body_type})"


def _render_stream_events(op: OperationSpec) -> list[str]:
    assert op.stream is not None
    out: list[str] = []
    for event in op.events:
        out += [
            "",
            "@dataclass(frozen=True, slots=True, kw_only=True)",
            f"class {event.class_name}:",
            f'    """The `{event.event}` event of `{op.operation_id}`."""',
            "",
            '    __match_args__ = ("data",)',
            "",
            f"    event: Literal[{json.dumps(event.event)}] = {json.dumps(event.event)}",
            f"    data: {event.data_type}",
            "",
        ]
    union = " | ".join(e.class_name for e in op.events)
    out += ["", f"{op.response_type}: TypeAlias = {union}", ""]
    return out


def _render_stream_operation(op: OperationSpec) -> list[str]:
    assert op.stream is not None
    decoders = [
        f"        {json.dumps(e.event)}: lambda data: "
        f"{e.class_name}(data=msgspec.json.decode(data, type={e.data_type})),"
        for e in op.events
        if e.event != op.stream.error_event
    ]
    errors = [op.stream.error_event] if op.stream.error_event else []
    return [
        "",
        f"_{op.method_name.upper()}: Final[StreamOperation[{op.response_type}]] = StreamOperation(",
        f"    operation_id={json.dumps(op.operation_id)},",
        f"    http_method={json.dumps(op.http_method)},",
        f"    path={json.dumps(op.path)},",
        "    decoders={",
        *decoders,
        "    },",
        f"    error_events=frozenset({{{', '.join(json.dumps(e) for e in errors)}}}),",
        f"    end_event={_optional(op.stream.end_event)},",
        f"    end_sentinel={_optional(op.stream.end_sentinel)},",
        f"    decode_error={_error_decoder_of(op)},",
        ")",
    ]


def _streams(op: OperationSpec) -> bool:
    """Whether the SDK streams the operation; one that may answer JSON is called for JSON."""
    if not op.streams:
        return False
    require_distinct_event_names(op)
    return True


def _error_decoder(schema: str) -> str:
    return f"_decode_{schema}"


def _error_decoder_of(op: OperationSpec) -> str:
    """The decoder of the operation's problem schema; None where its errors are not problems."""
    error_type = op.error_type or next(iter(sorted(op.problem_types)), None)
    return _error_decoder(error_type) if error_type in op.problem_types else "None"


def _optional(value: str | None) -> str:
    return "None" if value is None else json.dumps(value)


def render_client(spec: Spec, operations: list[OperationSpec]) -> str:
    # RFC 9457 problems are what `APIStatusError.problem` holds; an operation whose errors
    # are another shape (OpenAI's envelope on /v1) leaves it None and keeps the raw response.
    problem_types = sorted({t for op in operations for t in op.problem_types})
    error_body = " | ".join(problem_types) or "object"
    out = [
        PY_HEADER,
        '"""`Client` and `AsyncClient`: one method per operationId, from one template."""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Mapping, Sequence",
        "from dataclasses import dataclass",
        "from typing import Any, Final, Literal, TypeAlias",
        "",
        "import httpx",
        "import msgspec",
        "",
        "from .._base_client import (",
        "    AsyncAPIClient, Endpoint, SyncAPIClient, header, unexpected_status,",
        ")",
        "from .._streaming import AsyncStream, Stream, StreamOperation",
        "from .models import *  # noqa: F403",
        "from .params import *  # noqa: F403",
        "",
        "# The schemas of the contract's error bodies, as `APIStatusError.problem` holds them.",
        f"ErrorBody: TypeAlias = {error_body}",
        "",
    ]
    for name in problem_types:
        out += [
            "",
            f"def {_error_decoder(name)}(data: bytes | str) -> {name}:",
            f"    return msgspec.json.decode(data, type={name})",
            "",
        ]
    for op in operations:
        if _streams(op):
            out += _render_stream_events(op)
        elif op.answers_choose:
            out += _render_answer_classes(op)
    for op in operations:
        if _streams(op):
            out += _render_stream_operation(op)
        else:
            out += _render_answer_reader(op)
            out += [
                "",
                f"_{op.method_name.upper()}: Final[Endpoint[{_answer_type(op)}]] = Endpoint(",
                f"    {json.dumps(op.operation_id)}, {json.dumps(op.http_method)},",
                f"    {json.dumps(op.path)}, _{op.method_name}_answer, {_error_decoder_of(op)},",
                ")",
            ]
    for flavour in ("sync", "async"):
        out += _render_client_class(spec, operations, flavour)
    return "\n".join(out) + "\n"


def _render_client_class(spec: Spec, operations: list[OperationSpec], flavour: str) -> list[str]:
    is_async = flavour == "async"
    name, base = ("AsyncClient", "AsyncAPIClient") if is_async else ("Client", "SyncAPIClient")
    stream = "AsyncStream" if is_async else "Stream"
    doc = (
        "The Streamspec API, awaited: the same methods as `Client`; `async with` a stream."
        if is_async
        else "The Streamspec API. Close it, or use it in `with`."
    )
    out = [
        "",
        "",
        f"class {name}({base}):",
        f'    """{doc}"""',
    ]
    for op in operations:
        args, spread = _arguments(spec, op)
        params = ", ".join(_signature(args))
        call = [
            f"path={_mapping(args, 'path')}",
            f"query={_mapping(args, 'query')}",
            f"headers={_mapping(args, 'header')}",
        ]
        if op.request_type is not None:
            call.append(f"body={_mapping(args, 'body')}" if spread else "body=body")
        constant = f"_{op.method_name.upper()}"
        if _streams(op):
            out += [
                "",
                f"    def {op.method_name}({params}) -> {stream}[{op.response_type}]:",
                f'        """{op.summary}."""',
                f"        return self._stream({constant}, {', '.join(call)})",
            ]
        else:
            prefix = "async def" if is_async else "def"
            awaited = "await " if is_async else ""
            out += [
                "",
                f"    {prefix} {op.method_name}({params}) -> {_answer_type(op)}:",
                f'        """{op.summary}."""',
                f"        return {awaited}self._request({constant}, {', '.join(call)})",
            ]
    return out


# The package's exports ------------------------------------------------------------------


def render_package_init(spec: Spec, operations: list[OperationSpec], model_names: list[str]) -> str:
    generated: dict[str, list[str]] = {
        "._generated.models": model_names,
        "._generated.params": [f"{name}Param" for name in _object_schemas(spec)],
        "._generated.client": ["AsyncClient", "Client", "ErrorBody"],
    }
    for op in operations:
        if _streams(op):
            generated["._generated.client"] += [
                op.response_type,
                *(e.class_name for e in op.events),
            ]
        elif op.answers_choose:
            generated["._generated.client"] += [str(r.class_name) for r in op.responses]
    modules = {**RUNTIME_EXPORTS, **generated}
    everything = sorted({name for names in modules.values() for name in names})
    title = spec.get("info", {}).get("title", "the API")
    out = [
        PY_HEADER,
        f'"""Typed Python SDK for {title}: `Client` and `AsyncClient`, streams included."""',
        "",
    ]
    for module, names in modules.items():
        out.append(f"from {module} import {', '.join(sorted(set(names)))}")
    out += ["", f"__all__ = [{', '.join(json.dumps(name) for name in everything)}]", ""]
    return "\n".join(out)


def model_class_names(models_source: str) -> list[str]:
    return re.findall(r"^class (\w+)\(", models_source, flags=re.MULTILINE) + re.findall(
        r"^(\w+): TypeAlias", models_source, flags=re.MULTILINE
    )


def build_python_client(spec: Spec, spec_path: Path, package: Path, tools: Toolchain) -> list[Path]:
    """Write the SDK's generated modules into `package`; return the files written."""
    generated = package / "_generated"
    generated.mkdir(parents=True, exist_ok=True)
    models = generated / "models.py"
    generate_models(spec_path, models, tools)
    source = sdk_models_source(models.read_text(encoding="utf-8"))
    models.write_text(source, encoding="utf-8")
    operations = read_operations(spec)
    files = {
        generated
        / "__init__.py": f'{PY_HEADER}\n"""Generated from the contract by scripts/generate."""\n',
        generated / "params.py": render_params(spec),
        generated / "client.py": render_client(spec, operations),
        package / "__init__.py": render_package_init(spec, operations, model_class_names(source)),
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    written = [models, *files]
    tools.ruff_format(written, cwd=package)
    return written


__all__ = ["build_python_client", "render_client", "render_params", "sdk_models_source"]
