"""Our own generator: the server's operation interface and the typed events of each stream.

Neither third-party generator links an SSE event name to its payload model
through `contentSchema`, nor gives a server typed parameters and answers; this
module reads both from the spec itself. What it cannot express faithfully it
refuses with one line naming the operation and the construct.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from .spec import PY_HEADER, Spec, SpecError, pascal_case, resolve_ref, schema_name, snake_case

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
JSON = "application/json"
EVENT_STREAM = "text/event-stream"
PROBLEM = "application/problem+json"
SUCCESS_STATUSES = (200, 201, 202, 204)
PARAMETER_LOCATIONS = ("path", "query", "header")
# Set by the gateway on every answer, never by a handler.
GATEWAY_HEADERS = frozenset(
    {"x-request-id", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"}
)
# The documented extension that names the event ending a stream normally.
STREAM_END_EXTENSION = "x-streamspec-end"
# What SSE calls an event that has no `event:` line.
DEFAULT_EVENT = "message"

_PRIMITIVES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
_NUMBER_BOUNDS = {
    "minimum": "ge",
    "maximum": "le",
    "exclusiveMinimum": "gt",
    "exclusiveMaximum": "lt",
    "multipleOf": "multiple_of",
}
_STRING_BOUNDS = {"minLength": "min_length", "maxLength": "max_length", "pattern": "pattern"}
_ARRAY_BOUNDS = {"minItems": "min_length", "maxItems": "max_length"}


@dataclass(frozen=True)
class StreamEvent:
    class_name: str
    event: str  # the SSE event name; "message" in a data-only stream
    data_type: str


@dataclass(frozen=True)
class StreamSpec:
    events: tuple[StreamEvent, ...]
    named: bool  # each event has an `event:` line
    end_event: str | None  # the event that ends the stream normally, if any
    end_sentinel: str | None  # data-only streams: the data line that ends it, e.g. [DONE]
    error_event: str | None  # the event whose data is a problem
    # The class of that event; in a data-only stream it shares the event name `message`.
    error_class: str | None = None


@dataclass(frozen=True)
class ParameterSpec:
    name: str  # as on the wire
    field: str  # the Python identifier
    location: str  # path, query or header
    required: bool
    annotation: str  # for the handler's signature
    validated: str  # the same type with the contract's bounds, for the parameters Struct
    default: str | None  # a Python literal
    array: bool


@dataclass(frozen=True)
class HeaderSpec:
    name: str
    field: str
    required: bool
    annotation: str


@dataclass(frozen=True)
class ResponseSpec:
    status: int
    media_type: str | None  # None: no content
    body_type: str | None
    headers: tuple[HeaderSpec, ...]
    class_name: str | None  # the answer class a handler returns, when it must choose


@dataclass(frozen=True)
class OperationSpec:
    operation_id: str
    method_name: str
    http_method: str
    path: str
    summary: str
    parameters: tuple[ParameterSpec, ...]
    request_type: str | None
    body_required: bool
    responses: tuple[ResponseSpec, ...]
    error_statuses: tuple[int, ...]
    problem_types: frozenset[str]
    secured: bool
    stream: StreamSpec | None
    # The 200 documents both JSON and a stream: the handler answers with either.
    json_or_stream: bool = False
    # The one schema and media type of every error response; None: none documented.
    error_type: str | None = None
    error_media_type: str | None = None
    # The request body's schema keeps fields it does not name: the handler gets its bytes too.
    raw_body: bool = False
    # Answer and event schemas that keep fields they do not name: a Struct would drop
    # those, so a handler may give such JSON already encoded (msgspec.Raw), e.g. relayed.
    open_types: frozenset[str] = frozenset()

    @property
    def prefix(self) -> str:
        return pascal_case(self.operation_id)

    @property
    def media_type(self) -> str | None:
        if self.stream and not self.json_or_stream:
            return EVENT_STREAM
        return self.responses[0].media_type

    @property
    def streams(self) -> bool:
        """Whether every answer is a stream (one that may also answer JSON does not)."""
        return self.stream is not None and not self.json_or_stream

    @property
    def event_type(self) -> str:
        """The union of a stream's events."""
        return f"{self.prefix}Event"

    @property
    def events(self) -> tuple[StreamEvent, ...]:
        return self.stream.events if self.stream else ()

    @property
    def response_type(self) -> str:
        """What the handler returns (for a stream: the type of each event)."""
        if self.stream and not self.json_or_stream:
            return self.event_type
        if self.answers_choose:
            return " | ".join(str(r.class_name) for r in self.responses)
        return self.responses[0].body_type or "None"

    @property
    def answers_choose(self) -> bool:
        """Whether the handler says which answer it gives (a status, or headers)."""
        return len(self.responses) > 1 or bool(self.responses[0].headers)

    @property
    def parameters_class(self) -> str | None:
        return f"{self.prefix}Parameters" if self.parameters else None


def read_operations(spec: Spec) -> list[OperationSpec]:
    operations: list[OperationSpec] = []
    for path, path_item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in path_item:
                operations.append(_read_operation(spec, path, method, path_item[method]))
    seen: set[str] = set()
    for op in operations:
        if op.method_name in seen:
            raise SpecError(f"two operations map to the method name {op.method_name!r}")
        seen.add(op.method_name)
    return operations


def _read_operation(spec: Spec, path: str, method: str, op: dict[str, Any]) -> OperationSpec:
    where = f"{method.upper()} {path}"
    operation_id = op.get("operationId")
    if not isinstance(operation_id, str):
        raise SpecError(f"{where}: every operation needs an operationId")
    where = f"{operation_id} ({where})"
    parameters = _read_parameters(spec, path, op, where)

    request_type = None
    body_required = False
    raw_body = False
    if "requestBody" in op:
        body = resolve_ref(spec, op["requestBody"])
        content = body.get("content", {})
        if set(content) != {JSON}:
            raise SpecError(f"{where}: request bodies must be {JSON} only, got {sorted(content)}")
        request_type = python_type(spec, content[JSON].get("schema"), f"{where} request body")
        body_required = body.get("required", False) is True
        schema = content[JSON].get("schema")
        raw_body = resolve_ref(spec, schema).get("additionalProperties") is True

    responses: dict[Any, Any] = op.get("responses", {})
    for status in responses:
        if not str(status).isdigit():
            raise SpecError(f"{where}: response {status!r} is not a plain status code")
    statuses = sorted(int(status) for status in responses)
    error_statuses = tuple(s for s in statuses if s >= 400)
    success = [s for s in statuses if s < 400]
    for status in success:
        if status not in SUCCESS_STATUSES:
            raise SpecError(
                f"{where}: success status {status} is not supported (only {SUCCESS_STATUSES})"
            )
    if not success:
        raise SpecError(f"{where}: no success response (2xx)")
    problem_types = _problem_types(spec, responses, error_statuses, where)
    error_type, error_media_type = _error_schema(spec, responses, error_statuses, where)

    stream = None
    json_or_stream = False
    read: list[ResponseSpec] = []
    for status in success:
        response = resolve_ref(spec, responses.get(str(status), responses.get(status)))
        content = response.get("content") or {}
        if EVENT_STREAM in content:
            json_or_stream = set(content) == {JSON, EVENT_STREAM}
            if len(success) > 1 or (set(content) != {EVENT_STREAM} and not json_or_stream):
                raise SpecError(
                    f"{where}: a {EVENT_STREAM} answer must be the only success, "
                    f"alone or beside {JSON}"
                )
            stream = _read_stream(
                spec, operation_id, content[EVENT_STREAM], problem_types, error_type, where
            )
            if json_or_stream:
                response = {**response, "content": {JSON: content[JSON]}}
        read.append(_read_response(spec, operation_id, status, response, where))
    if (stream is None or json_or_stream) and len(read) == 1 and not read[0].headers:
        read = [_without_class(read[0])]

    security = op.get("security", spec.get("security")) or []
    if not isinstance(security, list):
        raise SpecError(f"{where}: security must be a list of requirements")
    summary = op.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise SpecError(f"{where}: every operation needs a summary")
    if '"""' in summary or "\\" in summary or "*/" in summary:
        raise SpecError(f"{where}: the summary cannot become a docstring or comment")
    return OperationSpec(
        operation_id=operation_id,
        method_name=snake_case(operation_id),
        http_method=method.upper(),
        path=path,
        summary=summary.strip(),
        parameters=parameters,
        request_type=request_type,
        body_required=body_required,
        responses=tuple(read),
        error_statuses=error_statuses,
        problem_types=problem_types,
        secured=bool(security) and all(requirement for requirement in security),
        stream=stream,
        json_or_stream=json_or_stream,
        error_type=error_type,
        error_media_type=error_media_type,
        raw_body=raw_body,
        # A problem event is written by the server itself, never relayed.
        open_types=_open_types(
            spec,
            problem_types,
            [r.body_type or "" for r in read]
            + [e.data_type for e in (stream.events if stream else ())],
        ),
    )


def _open_types(spec: Spec, problem_types: frozenset[str], type_names: list[str]) -> frozenset[str]:
    schemas = spec.get("components", {}).get("schemas", {})
    return frozenset(
        name
        for name in type_names
        if name in schemas
        and name not in problem_types
        and schemas[name].get("additionalProperties", True) is not False
    )


def _without_class(response: ResponseSpec) -> ResponseSpec:
    return ResponseSpec(response.status, response.media_type, response.body_type, (), None)


def _problem_types(
    spec: Spec, responses: dict[Any, Any], statuses: tuple[int, ...], where: str
) -> frozenset[str]:
    """The schemas of the operation's problem responses: an event carrying one is an error."""
    names: set[str] = set()
    for status in statuses:
        response = resolve_ref(spec, responses.get(str(status), responses.get(status)))
        media = (response.get("content") or {}).get(PROBLEM)
        if media is not None:
            names.add(schema_name(media.get("schema"), f"{where} {status}"))
    return frozenset(names)


def _error_schema(
    spec: Spec, responses: dict[Any, Any], statuses: tuple[int, ...], where: str
) -> tuple[str | None, str | None]:
    """The one schema, and media type, of the operation's error bodies: it decides their shape."""
    found: set[tuple[str, str]] = set()
    for status in statuses:
        response = resolve_ref(spec, responses.get(str(status), responses.get(status)))
        for media_type, media in (response.get("content") or {}).items():
            found.add((schema_name(media.get("schema"), f"{where} {status}"), media_type))
    if len(found) > 1:
        raise SpecError(f"{where}: error responses mix bodies {sorted(found)}; use one schema")
    return next(iter(found), (None, None))


def _read_response(
    spec: Spec, operation_id: str, status: int, response: dict[str, Any], where: str
) -> ResponseSpec:
    content = response.get("content") or {}
    where = f"{where} {status}"
    media_type: str | None
    if not content:
        media_type, body_type = None, None
    elif set(content) == {JSON}:
        media_type, body_type = JSON, python_type(spec, content[JSON].get("schema"), where)
    elif set(content) == {EVENT_STREAM}:
        media_type, body_type = EVENT_STREAM, None
    else:
        raise SpecError(f"{where}: content must be {JSON} or {EVENT_STREAM}, got {sorted(content)}")
    if status == 204 and media_type is not None:
        raise SpecError(f"{where}: a 204 answer has no content")
    headers: list[HeaderSpec] = []
    for name, header_ref in (response.get("headers") or {}).items():
        if name.lower() in GATEWAY_HEADERS or name.lower() == "content-type":
            continue
        header = resolve_ref(spec, header_ref)
        schema = resolve_ref(spec, header.get("schema", {}))
        kind = schema.get("type")
        if kind not in _PRIMITIVES:
            raise SpecError(f"{where}: header {name}: only string, integer, number or boolean")
        headers.append(
            HeaderSpec(
                name, _identifier(name, where), header.get("required") is True, _PRIMITIVES[kind]
            )
        )
    phrase = pascal_case(HTTPStatus(status).phrase.title().replace(" ", ""))
    class_name = None if media_type == EVENT_STREAM else f"{pascal_case(operation_id)}{phrase}"
    return ResponseSpec(status, media_type, body_type, tuple(headers), class_name)


def _read_parameters(
    spec: Spec, path: str, op: dict[str, Any], where: str
) -> tuple[ParameterSpec, ...]:
    declared: dict[tuple[str, str], dict[str, Any]] = {}
    # Operation parameters override the path item's of the same name and location.
    for node in (*spec["paths"][path].get("parameters", []), *op.get("parameters", [])):
        parameter = resolve_ref(spec, node)
        location = parameter.get("in")
        name = parameter.get("name")
        if location not in PARAMETER_LOCATIONS:
            raise SpecError(f"{where}: parameter {name!r} in {location!r} is not supported")
        if not isinstance(name, str) or not name:
            raise SpecError(f"{where}: a parameter needs a name")
        key = (location, name.lower() if location == "header" else name)
        declared[key] = parameter
    path_names = {part[1:-1] for part in path.split("/") if part.startswith("{")}
    in_path = {name for location, name in declared if location == "path"}
    if path_names != in_path:
        raise SpecError(
            f"{where}: path parameters {sorted(in_path)} are not the path's {sorted(path_names)}"
        )
    read = [_read_parameter(spec, p, where) for p in declared.values()]
    read.sort(key=lambda p: PARAMETER_LOCATIONS.index(p.location))
    fields = [p.field for p in read]
    if len(set(fields)) != len(fields) or {"body", "raw_body"} & set(fields):
        raise SpecError(f"{where}: parameters {fields} do not make distinct Python names")
    return tuple(read)


def _read_parameter(spec: Spec, parameter: dict[str, Any], where: str) -> ParameterSpec:
    name: str = parameter["name"]
    location: str = parameter["in"]
    where = f"{where} {location} parameter {name!r}"
    for key in ("content", "allowReserved"):
        if key in parameter:
            raise SpecError(f"{where}: {key} is not supported")
    style = parameter.get("style")
    if style not in (None, {"path": "simple", "query": "form", "header": "simple"}[location]):
        raise SpecError(f"{where}: style {style!r} is not supported")
    schema = parameter.get("schema")
    if not isinstance(schema, dict):
        raise SpecError(f"{where}: a parameter needs a schema")
    required = parameter.get("required") is True
    if location == "path" and not required:
        raise SpecError(f"{where}: a path parameter must be required")
    resolved = resolve_ref(spec, schema)
    array = resolved.get("type") == "array"
    if array and (location != "query" or parameter.get("explode") is False):
        raise SpecError(f"{where}: arrays are supported as exploded query parameters only")
    annotation, validated = _parameter_type(spec, schema, where, allow_array=array)
    default = resolved.get("default")
    if default is not None and required:
        raise SpecError(f"{where}: a required parameter has no default")
    literal = None if default is None else _python_literal(default, where)
    if not required and default is None:
        annotation, validated = f"{annotation} | None", f"{validated} | None"
        literal = "None"
    return ParameterSpec(
        name=name,
        field=_identifier(name, where),
        location=location,
        required=required,
        annotation=annotation,
        validated=validated,
        default=literal,
        array=array,
    )


def _parameter_type(
    spec: Spec, schema: dict[str, Any], where: str, *, allow_array: bool
) -> tuple[str, str]:
    """The parameter's type, plain and with the contract's bounds as msgspec.Meta."""
    if "$ref" in schema:
        resolved = resolve_ref(spec, schema)
        if "enum" not in resolved:
            raise SpecError(f"{where}: a referenced parameter schema must be an enum")
        name = schema_name(schema, where)
        return name, name
    kind = schema.get("type")
    if kind == "array" and allow_array:
        item, item_validated = _parameter_type(
            spec, schema.get("items", {}), where, allow_array=False
        )
        plain = f"list[{item}]"
        return plain, _annotated(f"list[{item_validated}]", schema, _ARRAY_BOUNDS)
    if kind not in _PRIMITIVES:
        raise SpecError(f"{where}: type {kind!r} is not supported")
    if "enum" in schema:
        values = schema["enum"]
        literal = f"Literal[{', '.join(_python_literal(v, where) for v in values)}]"
        return literal, literal
    plain = _PRIMITIVES[kind]
    bounds = _STRING_BOUNDS if kind == "string" else _NUMBER_BOUNDS if kind != "boolean" else {}
    return plain, _annotated(plain, schema, bounds)


def _annotated(plain: str, schema: dict[str, Any], bounds: dict[str, str]) -> str:
    meta = [f"{bounds[key]}={json.dumps(schema[key])}" for key in bounds if key in schema]
    return f"Annotated[{plain}, msgspec.Meta({', '.join(meta)})]" if meta else plain


def _python_literal(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float, str)):
        return json.dumps(value) if isinstance(value, str) else repr(value)
    raise SpecError(f"{where}: default {value!r} is not a string, number or boolean")


def _identifier(name: str, where: str) -> str:
    identifier = snake_case(name)
    if not identifier.isidentifier() or identifier in {"self", "cls"}:
        raise SpecError(f"{where}: {name!r} cannot become a Python name")
    return identifier


def python_type(spec: Spec, schema: Any, where: str) -> str:
    """The Python type of a JSON body: a component's model, or a list or map of one."""
    if not isinstance(schema, dict):
        raise SpecError(f"{where}: a JSON body needs a schema")
    if "$ref" in schema:
        return schema_name(schema, where)
    kind = schema.get("type")
    if kind == "array":
        return f"list[{python_type(spec, schema.get('items'), where)}]"
    if kind == "object" and set(schema) <= {"type", "additionalProperties", "description"}:
        values = schema.get("additionalProperties")
        if isinstance(values, dict):
            return f"dict[str, {python_type(spec, values, where)}]"
    if kind in _PRIMITIVES and "enum" not in schema:
        return _PRIMITIVES[kind]
    raise SpecError(
        f"{where}: an inline {kind or 'untyped'} schema is not supported; "
        "move it to components/schemas"
    )


def _read_stream(
    spec: Spec,
    operation_id: str,
    media: dict[str, Any],
    problem_types: frozenset[str],
    error_type: str | None,
    where: str,
) -> StreamSpec:
    """The events of a stream, from an itemSchema in any of the common styles.

    - one `oneOf` variant per event, each with a `const` event name;
    - one object whose `event` is an `enum`, with one `data` schema;
    - data-only events (no `event`), JSON or a sentinel such as `[DONE]`.
    `data` is a string with `contentMediaType`/`contentSchema`, or a schema itself.
    """
    if "itemSchema" not in media:
        raise SpecError(f"{where}: {EVENT_STREAM} needs an itemSchema")
    prefix = pascal_case(operation_id)
    item = resolve_ref(spec, media["itemSchema"])
    variants = item.get("oneOf")
    nodes = (
        [(f"oneOf[{i}]", resolve_ref(spec, v)) for i, v in enumerate(variants)]
        if isinstance(variants, list) and variants
        else [("", item)]
    )
    named_events: list[tuple[str, str]] = []  # (event name, data type)
    sentinels: list[str] = []
    data_only_types: list[str] = []
    for label, node in nodes:
        node_where = f"{where} itemSchema {label}".rstrip()
        properties = node.get("properties", {})
        event = resolve_ref(spec, properties.get("event", {})) if "event" in properties else None
        data_kinds = _data_alternatives(spec, properties.get("data", {}), node_where)
        if event is None:
            for kind, value in data_kinds:
                (sentinels if kind == "sentinel" else data_only_types).append(value)
            continue
        names = [event["const"]] if "const" in event else event.get("enum")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise SpecError(f"{node_where}: properties.event needs a string const or enum")
        if len(data_kinds) != 1 or data_kinds[0][0] != "json":
            raise SpecError(f"{node_where}: a named event needs one JSON data schema")
        named_events += [(name, data_kinds[0][1]) for name in names]

    if named_events and (sentinels or data_only_types):
        raise SpecError(f"{where}: mixes named and data-only events")
    if named_events:
        events = tuple(StreamEvent(f"{prefix}{pascal_case(n)}", n, t) for n, t in named_events)
        names = [e.event for e in events]
        if len(set(names)) != len(names):
            raise SpecError(f"{where}: an event name appears twice in {names}")
        mapping = item.get("discriminator", {}).get("mapping", {})
        for event_name, target in mapping.items():
            if event_name not in names or {"$ref": target} not in (variants or []):
                raise SpecError(
                    f"{where}: discriminator mapping {event_name!r} disagrees with oneOf"
                )
        end = media.get(STREAM_END_EXTENSION)
        if end is not None and end not in names:
            raise SpecError(
                f"{where}: {STREAM_END_EXTENSION} {end!r} is none of the events {names}"
            )
        errors = [e for e in events if e.data_type in problem_types]
        if len(errors) > 1:
            names = [e.event for e in errors]
            raise SpecError(f"{where}: more than one event carries a problem: {names}")
        error = errors[0] if errors else None
        return StreamSpec(
            events,
            True,
            end,
            None,
            error.event if error else None,
            error.class_name if error else None,
        )

    # Data-only: one JSON schema for the events, and optionally the operation's own error
    # schema for the one that ends the stream with a failure (as OpenAI's streams do).
    failures = [t for t in data_only_types if t == error_type or t in problem_types]
    data_types = [t for t in data_only_types if t not in failures]
    if len(data_types) != 1 or len(sentinels) > 1 or len(failures) > 1:
        raise SpecError(
            f"{where}: a data-only stream needs one JSON data schema, at most one error "
            "schema (the operation's) and at most one sentinel"
        )
    end = media.get(STREAM_END_EXTENSION, sentinels[0] if sentinels else None)
    if end is not None and end not in sentinels:
        raise SpecError(f"{where}: {STREAM_END_EXTENSION} {end!r} is not the stream's sentinel")
    event = StreamEvent(f"{prefix}{pascal_case(DEFAULT_EVENT)}", DEFAULT_EVENT, data_types[0])
    if not failures:
        return StreamSpec((event,), False, None, end, None)
    failure = StreamEvent(f"{prefix}Error", DEFAULT_EVENT, failures[0])
    return StreamSpec((event, failure), False, None, end, DEFAULT_EVENT, failure.class_name)


def require_distinct_event_names(op: OperationSpec) -> None:
    """The SDKs decode a stream's events by name: a data-only stream with an error schema,
    whose events all arrive as `message`, is served but not yet streamed by them."""
    names = [event.event for event in op.events]
    if len(set(names)) != len(names):
        raise SpecError(
            f"{op.operation_id}: the SDKs cannot stream a data-only stream with an error schema"
        )


def _data_alternatives(spec: Spec, data: dict[str, Any], where: str) -> list[tuple[str, str]]:
    """What an event's `data` may be: ("json", schema name) or ("sentinel", its text)."""
    if "$ref" in data:
        return [("json", schema_name(data, f"{where} data"))]
    options = data.get("oneOf") or data.get("anyOf")
    if isinstance(options, list):
        found: list[tuple[str, str]] = []
        for option in options:
            found += _data_alternatives(spec, option, where)
        return found
    if "const" in data and isinstance(data["const"], str):
        return [("sentinel", data["const"])]
    if "contentSchema" in data:
        if data.get("contentMediaType", JSON) != JSON:
            raise SpecError(f"{where}: data.contentMediaType must be {JSON}")
        return [("json", schema_name(data["contentSchema"], f"{where} data.contentSchema"))]
    raise SpecError(f"{where}: data needs a contentSchema, a $ref to a schema, or a const sentinel")


# The server's module -------------------------------------------------------------------


def render_operations(operations: list[OperationSpec]) -> str:
    model_names = sorted(
        {name for op in operations for t in _types(op) if (name := _model(t)) is not None}
    )
    public = ["OPERATIONS", "Answer", "Operation", "Operations", "Parameter", "Stream"]
    for op in operations:
        if op.stream:
            public += [op.event_type, *(event.class_name for event in op.events)]
        if op.parameters_class:
            public.append(op.parameters_class)
        if op.answers_choose:
            public += [str(r.class_name) for r in op.responses]

    out: list[str] = [
        PY_HEADER,
        '"""The typed interface of every operation in the contract, its answers and its events."""',
        "",
        "from collections.abc import AsyncIterator, Sequence",
        "from dataclasses import dataclass",
        "from typing import Annotated, ClassVar, Final, Literal, Protocol, TypeAlias",
        "",
        "import msgspec",
        "",
    ]
    if model_names:
        out.append(f"from .models import {', '.join(model_names)}")
    out += ["", f"__all__ = [{', '.join(repr(name) for name in sorted(public))}]", ""]
    out += _RUNTIME_TYPES

    for op in operations:
        out += _render_parameters(op) + _render_answers(op) + _render_events(op)

    out += [
        "",
        "class Operations(Protocol):",
        '    """What a server implements: one method per operationId."""',
    ]
    for op in operations:
        out += ["", f"    {_signature(op)}", f'        """{op.summary}"""', "        ..."]

    out += ["", "", "OPERATIONS: Final[tuple[Operation, ...]] = ("]
    for op in operations:
        out += _render_operation(op)
    out += [")", ""]
    return "\n".join(out)


_RUNTIME_TYPES = [
    "",
    "@dataclass(frozen=True, slots=True)",
    "class Parameter:",
    '    """Where one handler argument comes from: a path, query or header parameter."""',
    "",
    "    location: Literal['path', 'query', 'header']",
    "    name: str  # as on the wire; lower case for a header",
    "    field: str",
    "    array: bool",
    "",
    "",
    "@dataclass(frozen=True, slots=True)",
    "class Answer:",
    '    """One documented success answer: its status, its body, and the headers it sets."""',
    "",
    "    status: int",
    "    media_type: str | None",
    "    # The answer class a handler returns to choose this answer; None: it returns the body.",
    "    answer_class: type | None",
    "    headers: tuple[tuple[str, bytes], ...]  # (field, header name)",
    "",
    "",
    "@dataclass(frozen=True, slots=True)",
    "class Stream:",
    '    """How a stream of events is written, from its itemSchema."""',
    "",
    "    error_event: type | None  # the event that carries a problem",
    "    end_event: str | None  # the event that ends it normally",
    "    end: bytes  # written after the last event: a data-only stream's sentinel",
    "",
    "",
    "@dataclass(frozen=True, slots=True)",
    "class Operation:",
    '    """One operation of the contract, as the server routes it."""',
    "",
    "    operation_id: str",
    "    method_name: str",
    "    http_method: str",
    "    path: str",
    "    parameters: type[msgspec.Struct] | None",
    "    parameter_sources: tuple[Parameter, ...]",
    "    request_type: object",
    "    body_required: bool",
    "    response_type: object",
    "    media_type: str | None",
    "    answers: tuple[Answer, ...]",
    "    stream: Stream | None",
    "    error_statuses: tuple[int, ...]",
    "    secured: bool",
    "    # The 200 is JSON or a stream, as the handler chooses by what it returns.",
    "    json_or_stream: bool",
    "    # The model every error body of the operation is; None: none is documented.",
    "    error_type: type | None",
    "    error_media_type: str | None",
    "    # The handler also gets the body's bytes: its schema keeps fields it does not name.",
    "    raw_body: bool",
    "",
]


def _types(op: OperationSpec) -> list[str]:
    found = [p.annotation for p in op.parameters] + [op.request_type or ""]
    found += [r.body_type or "" for r in op.responses]
    found += [e.data_type for e in op.events]
    found += [op.error_type or ""]
    return found


def _model(type_expression: str) -> str | None:
    """The component model a type expression names, if any (`list[Model]` names Model)."""
    for word in type_expression.replace("[", " ").replace("]", " ").replace(",", " ").split():
        word = word.strip("|")
        if word and word[0].isupper() and word not in {"Annotated", "Literal", "None"}:
            return word
    return None


def _signature(op: OperationSpec) -> str:
    path = [f"{p.field}: {p.annotation}" for p in op.parameters if p.location == "path"]
    rest = [f"{p.field}: {p.annotation}" for p in op.parameters if p.location != "path"]
    params = ["self", *path]
    if op.request_type:
        params.append(f"body: {op.request_type}" + ("" if op.body_required else " | None"))
    if op.raw_body:
        rest.append("raw_body: bytes")
    if rest:
        params += ["*", *rest]
    joined = ", ".join(params)
    if op.stream and not op.json_or_stream:
        return f"def {op.method_name}({joined}) -> {_event_source(op)}:"
    answer = op.response_type
    if not op.answers_choose and op.responses[0].body_type:
        answer = _or_raw(answer, op)
    if op.json_or_stream:
        answer += f" | {_event_source(op)}"
    return f"async def {op.method_name}({joined}) -> {answer}:"


def _event_source(op: OperationSpec) -> str:
    """What a stream handler returns: events, or sequences of events that are ready
    together (a provider's read), which the server writes at once, not a step per event."""
    return f"AsyncIterator[{op.event_type} | Sequence[{op.event_type}]]"


def _or_raw(type_expression: str, op: OperationSpec) -> str:
    """An open schema's type, or the same JSON already encoded (a relay's upstream bytes)."""
    return (
        f"{type_expression} | msgspec.Raw" if type_expression in op.open_types else type_expression
    )


def _render_parameters(op: OperationSpec) -> list[str]:
    if not op.parameters:
        return []
    out = [
        "",
        f"class {op.parameters_class}(msgspec.Struct, frozen=True, kw_only=True):",
        f'    """The path, query and header parameters of `{op.operation_id}`."""',
        "",
    ]
    for p in op.parameters:
        default = f" = {p.default}" if p.default is not None else ""
        out.append(f"    {p.field}: {p.validated}{default}")
    return [*out, ""]


def _render_answers(op: OperationSpec) -> list[str]:
    if not op.answers_choose:
        return []
    out: list[str] = []
    for r in op.responses:
        out += [
            "",
            f"class {r.class_name}(msgspec.Struct, frozen=True, kw_only=True):",
            f'    """The {r.status} answer of `{op.operation_id}`."""',
            "",
            f"    status: ClassVar[int] = {r.status}",
        ]
        if r.body_type:
            out.append(f"    body: {_or_raw(r.body_type, op)}")
        required = [h for h in r.headers if h.required]
        optional = [h for h in r.headers if not h.required]
        out += [f"    {h.field}: {h.annotation}" for h in required]
        out += [f"    {h.field}: {h.annotation} | None = None" for h in optional]
        out.append("")
    return out


def _render_events(op: OperationSpec) -> list[str]:
    if not op.stream:
        return []
    out: list[str] = []
    for event in op.events:
        tag = f', tag_field="event", tag={event.event!r}' if op.stream.named else ""
        prefix = f"event: {event.event}\ndata: " if op.stream.named else "data: "
        out += [
            "",
            f"class {event.class_name}(msgspec.Struct, frozen=True{tag}):",
            f'    """The `{event.event}` event of `{op.operation_id}`."""',
            "",
            f"    sse_prefix: ClassVar[bytes] = {prefix.encode()!r}",
            f"    data: {_or_raw(event.data_type, op)}",
            "",
        ]
    union = " | ".join(event.class_name for event in op.events)
    return [*out, "", f"{op.event_type}: TypeAlias = {union}", ""]


def _render_operation(op: OperationSpec) -> list[str]:
    sources = [
        f"Parameter({p.location!r}, {(p.name.lower() if p.location == 'header' else p.name)!r}, "
        f"{p.field!r}, {p.array!r}),"
        for p in op.parameters
    ]
    answers: list[str] = []
    for r in op.responses:
        answer_class = r.class_name if op.answers_choose else None
        headers = tuple((h.field, h.name.lower().encode()) for h in r.headers)
        answers.append(f"Answer({r.status}, {r.media_type!r}, {answer_class}, {headers!r}),")
    stream = "None"
    if op.stream:
        error = op.stream.error_class
        end = f"data: {op.stream.end_sentinel}\n\n".encode() if op.stream.end_sentinel else b""
        stream = f"Stream({error}, {op.stream.end_event!r}, {end!r})"
    response_type = (
        op.response_type
        if (op.stream and not op.json_or_stream) or op.answers_choose
        else (op.responses[0].body_type or "None")
    )
    return [
        "    Operation(",
        f"        operation_id={op.operation_id!r},",
        f"        method_name={op.method_name!r},",
        f"        http_method={op.http_method!r},",
        f"        path={op.path!r},",
        f"        parameters={op.parameters_class},",
        f"        parameter_sources=({''.join(sources)}),",
        f"        request_type={op.request_type},",
        f"        body_required={op.body_required!r},",
        f"        response_type={response_type},",
        f"        media_type={op.media_type!r},",
        f"        answers=({''.join(answers)}),",
        f"        stream={stream},",
        f"        error_statuses={op.error_statuses!r},",
        f"        secured={op.secured!r},",
        f"        json_or_stream={op.json_or_stream!r},",
        f"        error_type={op.error_type},",
        f"        error_media_type={op.error_media_type!r},",
        f"        raw_body={op.raw_body!r},",
        "    ),",
    ]


INIT_SOURCE = f'''{PY_HEADER}
"""Code generated from schema/openapi.yaml: msgspec models and the operation interface."""
'''
