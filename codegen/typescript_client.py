"""The TypeScript SDK's public surface: the contract's models by name, and one client method
per operationId with its argument, its answers and its documented errors.

Only types and plain data are generated. The hand-written runtime (src/client.ts) builds
each method from the `clientOperations` table, so it names no operation and no schema.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .operations import EVENT_STREAM, OperationSpec
from .spec import TS_HEADER, Spec, SpecError, pascal_case, resolve_ref

__all__ = ["camel_case", "render_typescript_client", "render_typescript_models"]

_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_TS_PRIMITIVES = {"str": "string", "int": "number", "float": "number", "bool": "boolean"}
_HEADER_KINDS = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
# Exported by the other generated modules, so no model or operation may take them.
_RESERVED = frozenset(
    {
        "components",
        "operations",
        "paths",
        "webhooks",
        "$defs",
        "StreamOperation",
        "streamOperations",
        "ErrorBody",
        "RequestOptions",
        "OperationDescriptor",
        "AnswerDescriptor",
        "NoArguments",
        "StreamspecClient",
        "clientOperations",
    }
)
# What RFC 9457 promises of a problem, when the contract names no problem schema.
_RFC9457 = "{ type: string; title: string; status: number; detail?: string; instance?: string }"


def camel_case(operation_id: str) -> str:
    name = pascal_case(operation_id)
    return name[:1].lower() + name[1:]


def _ts_string(value: str) -> str:
    return json.dumps(value)


def _key(name: str) -> str:
    return name if _IDENTIFIER.fullmatch(name) else _ts_string(name)


def ts_type(python: str, where: str) -> str:
    """A body type as operations.py spells it (`Model`, `list[Model]`, `dict[str, int]`) in TS."""
    python = python.strip()
    if python in _TS_PRIMITIVES:
        return _TS_PRIMITIVES[python]
    if python.startswith("list[") and python.endswith("]"):
        return f"{_wrap(ts_type(python[5:-1], where))}[]"
    if python.startswith("dict[str, ") and python.endswith("]"):
        return f"Record<string, {ts_type(python[10:-1], where)}>"
    if _IDENTIFIER.fullmatch(python):
        return python
    raise SpecError(f"{where}: the type {python!r} has no TypeScript spelling")


def _wrap(ts: str) -> str:
    return f"({ts})" if " " in ts else ts


# The models ----------------------------------------------------------------------------


def _envelopes(spec: Spec) -> set[str]:
    """Schemas that are only a stream's SSE item: the event unions replace them."""
    names: set[str] = set()
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for response in (operation.get("responses") or {}).values():
                media = (response.get("content") or {}).get(EVENT_STREAM) or {}
                item = media.get("itemSchema") or {}
                for node in [item, *(resolve_ref(spec, item).get("oneOf") or [])]:
                    ref = node.get("$ref") if isinstance(node, dict) else None
                    if isinstance(ref, str):
                        names.add(ref.rsplit("/", 1)[1])
    return names


def model_names(spec: Spec) -> list[str]:
    envelopes = _envelopes(spec)
    names = [n for n in spec.get("components", {}).get("schemas", {}) if n not in envelopes]
    for name in names:
        if not _IDENTIFIER.fullmatch(name) or name in _RESERVED:
            raise SpecError(f"components/schemas/{name} cannot be exported under its name")
    return names


def render_typescript_models(spec: Spec, operations: list[OperationSpec]) -> str:
    problems = sorted({name for op in operations for name in op.problem_types})
    out = [
        TS_HEADER,
        "// Every schema of the contract under its own name, but a stream's SSE item envelopes:",
        "// the event unions of streams.ts type those.",
        "",
        'import type { components } from "./openapi.js";',
        "",
    ]
    for name in model_names(spec):
        description = spec["components"]["schemas"][name].get("description")
        if isinstance(description, str) and "*/" not in description:
            out.append(f"/** {' '.join(description.split())} */")
        out.append(f'export type {name} = components["schemas"][{_ts_string(name)}];')
    out += [
        "",
        "/** What an error response and an error event carry: the contract's problem schema. */",
        f"export type ErrorBody = {' | '.join(problems) if problems else _RFC9457};",
        "",
    ]
    return "\n".join(out)


# The client ----------------------------------------------------------------------------

_PREAMBLE = [
    "/** Per-request options, the optional last argument of every method. */",
    "export interface RequestOptions {",
    "  /** Aborting it cancels the request, or the stream as it runs; the call rejects with",
    "   * its reason. */",
    "  signal?: AbortSignal | undefined;",
    "  /** Sent with this request, after the client's own headers. */",
    "  headers?: Record<string, string> | undefined;",
    "}",
    "",
    "/** The argument of an operation that takes none. */",
    "export type NoArguments = Record<string, never>;",
    "",
    "/** One documented success answer, as the SDK reads it. */",
    "export interface AnswerDescriptor {",
    "  readonly status: number;",
    "  /** Whether it carries a JSON body. */",
    "  readonly body: boolean;",
    "  readonly headers: readonly {",
    "    readonly name: string;",
    '    readonly type: "string" | "integer" | "number" | "boolean";',
    "    readonly required: boolean;",
    "  }[];",
    "}",
    "",
    "/** What the SDK needs to send one operation and read its answer. */",
    "export interface OperationDescriptor {",
    "  readonly operationId: string;",
    "  readonly method: string;",
    "  readonly path: string;",
    "  /** Keys of the argument object sent as parameters; its other keys are the body's. */",
    "  readonly parameters: readonly {",
    "    readonly name: string;",
    '    readonly in: "path" | "query" | "header";',
    "  }[];",
    "  /** The body: the argument's other keys, its `body` key, or none. */",
    '  readonly body: "properties" | "key" | null;',
    "  readonly bodyRequired: boolean;",
    "  readonly answers: readonly AnswerDescriptor[];",
    "  /** Whether the method resolves to `{ status, body, headers }` rather than to the body. */",
    "  readonly choose: boolean;",
    "  /** The error statuses the contract documents, each thrown as its error class. */",
    "  readonly errors: readonly number[];",
    "  readonly stream: StreamOperation | null;",
    "}",
]


def _object_schema(spec: Spec, name: str) -> dict[str, Any] | None:
    """The schema a body's properties can be spread from, or None for a `body` key."""
    schema = spec.get("components", {}).get("schemas", {}).get(name)
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return None
    if any(key in schema for key in ("oneOf", "anyOf", "allOf")):
        return None
    if isinstance(schema.get("additionalProperties"), dict):
        return None
    return schema


class _Surface:
    """The generated TypeScript of one operation."""

    def __init__(self, spec: Spec, op: OperationSpec) -> None:
        self.op = op
        self.name = camel_case(op.operation_id)
        self.where = f"{op.operation_id} ({op.http_method} {op.path})"
        if not _IDENTIFIER.fullmatch(self.name):
            raise SpecError(f"{self.where}: {self.name!r} cannot name a TypeScript method")
        self.prefix = pascal_case(op.operation_id)
        self.body_schema = (
            _object_schema(spec, op.request_type) if op.request_type is not None else None
        )
        self.body_mode = (
            None if op.request_type is None else "properties" if self.body_schema else "key"
        )
        self._check_collisions()

    def _check_collisions(self) -> None:
        names = [p.name for p in self.op.parameters]
        body_keys: set[str] = set()
        if self.body_mode == "properties":
            assert self.body_schema is not None
            body_keys = set(self.body_schema.get("properties") or {})
        elif self.body_mode == "key":
            body_keys = {"body"}
        clash = sorted(body_keys.intersection(names))
        if clash:
            raise SpecError(
                f"{self.where}: parameter {clash[0]!r} is also a body property; "
                "the argument object cannot hold both"
            )

    @property
    def args_type(self) -> str:
        return f"{self.prefix}Args"

    @property
    def result_type(self) -> str:
        if self.op.streams:
            return self.op.response_type
        if self.op.answers_choose:
            return f"{self.prefix}Result"
        body = self.op.responses[0].body_type
        return "void" if body is None else ts_type(body, self.where)

    @property
    def args_required(self) -> bool:
        if any(p.required for p in self.op.parameters):
            return True
        if not self.op.body_required:
            return False
        if self.body_mode == "key":
            return True
        assert self.body_schema is not None
        return bool(self.body_schema.get("required"))

    def _args_parts(self) -> list[str]:
        operation = f'operations[{_ts_string(self.op.operation_id)}]["parameters"]'
        parts: list[str] = []
        for location in ("path", "query", "header"):
            if any(p.location == location for p in self.op.parameters):
                parts.append(f"NonNullable<{operation}[{_ts_string(location)}]>")
        if self.body_mode == "properties":
            assert self.op.request_type is not None
            assert self.body_schema is not None
            body = self.op.request_type
            if self.op.body_required or not self.body_schema.get("required"):
                parts.append(body)
            else:
                parts.append(f"({body} | {{ [Key in keyof {body}]?: never }})")
        elif self.body_mode == "key":
            assert self.op.request_type is not None
            optional = "" if self.op.body_required else "?"
            parts.append(f"{{ body{optional}: {ts_type(self.op.request_type, self.where)} }}")
        return parts

    def declarations(self) -> list[str]:
        parts = self._args_parts()
        out = [
            "",
            f"/** The argument of `{self.name}`: its parameters and its body's properties. */",
            f"export type {self.args_type} = {' & '.join(parts) if parts else 'NoArguments'};",
        ]
        if self.op.answers_choose and not self.op.streams:
            for r in self.op.responses:
                fields = [f"status: {r.status}"]
                if r.body_type is not None:
                    fields.append(f"body: {ts_type(r.body_type, self.where)}")
                headers = [
                    f"{_key(h.name.lower())}{'' if h.required else '?'}: "
                    f"{_TS_PRIMITIVES[h.annotation]}"
                    for h in r.headers
                ]
                fields.append(f"headers: {{ {'; '.join(headers)} }}" if headers else "headers: {}")
                out += [
                    "",
                    f"/** The {r.status} answer of `{self.name}`. */",
                    f"export interface {r.class_name} {{",
                    *(f"  {field};" for field in fields),
                    "}",
                ]
            union = " | ".join(str(r.class_name) for r in self.op.responses)
            out += ["", f"export type {self.result_type} = {union};"]
        return out

    def exported_names(self) -> list[str]:
        names = [self.args_type]
        if self.op.answers_choose and not self.op.streams:
            names += [str(r.class_name) for r in self.op.responses] + [self.result_type]
        return names

    def method(self) -> list[str]:
        optional = "" if self.args_required else "?"
        returns = (
            f"AsyncIterable<{self.result_type}>"
            if self.op.streams
            else f"Promise<{self.result_type}>"
        )
        doc = [
            "  /**",
            f"   * {self.op.summary}.",
            "   *",
            f"   * `{self.op.http_method} {self.op.path}`",
        ]
        if self.op.streams:
            doc.append("   * The request is sent when iteration starts.")
        if self.op.error_statuses:
            statuses = ", ".join(str(s) for s in self.op.error_statuses)
            doc.append(f"   * Documented errors: {statuses}; each is thrown as its error class.")
        doc.append("   */")
        signature = f"args{optional}: {self.args_type}, options?: RequestOptions"
        return [*doc, f"  {self.name}({signature}): {returns};"]

    def descriptor(self) -> list[str]:
        op = self.op
        parameters = ", ".join(
            f"{{ name: {_ts_string(p.name)}, in: {_ts_string(p.location)} }}" for p in op.parameters
        )
        answers: list[str] = []
        for r in op.responses:
            headers = ", ".join(
                f"{{ name: {_ts_string(h.name.lower())}, type: "
                f"{_ts_string(_HEADER_KINDS[h.annotation])}, required: {json.dumps(h.required)} }}"
                for h in r.headers
            )
            body = r.media_type is not None and r.media_type != EVENT_STREAM
            answers.append(
                f"{{ status: {r.status}, body: {json.dumps(body)}, headers: [{headers}] }}"
            )
        stream = f"{op.operation_id}Operation" if op.streams else "null"
        return [
            f"  {self.name}: {{",
            f"    operationId: {_ts_string(op.operation_id)},",
            f"    method: {_ts_string(op.http_method)},",
            f"    path: {_ts_string(op.path)},",
            f"    parameters: [{parameters}],",
            f"    body: {json.dumps(self.body_mode)},",
            f"    bodyRequired: {json.dumps(op.body_required)},",
            f"    answers: [{', '.join(answers)}],",
            f"    choose: {json.dumps(op.answers_choose and not op.streams)},",
            f"    errors: [{', '.join(str(s) for s in op.error_statuses)}],",
            f"    stream: {stream},",
            "  },",
        ]


def render_typescript_client(spec: Spec, operations: list[OperationSpec]) -> str:
    surfaces = [_Surface(spec, op) for op in operations]
    _check_names(spec, surfaces)
    body = [*_PREAMBLE]
    for s in surfaces:
        body += s.declarations()
    body += ["", "/** The client `createClient` returns: one method per operationId. */"]
    body.append("export interface StreamspecClient {")
    for s in surfaces:
        body += s.method()
    body += ["}", "", "/** Every operation, by method name: what `createClient` builds. */"]
    body.append("export const clientOperations = {")
    for s in surfaces:
        body += s.descriptor()
    body += [
        "} as const satisfies { readonly [Name in keyof StreamspecClient]: OperationDescriptor };",
        "",
    ]

    text = "\n".join(body)
    words = set(re.findall(r"[A-Za-z_$][\w$]*", text))
    models = sorted(words.intersection(model_names(spec)))
    streams = [s.op for s in surfaces if s.op.streams]
    stream_names = ["type StreamOperation"]
    stream_names += [f"type {op.response_type}" for op in streams]
    stream_names += [f"{op.operation_id}Operation" for op in streams]
    out = [
        TS_HEADER,
        "// One method per operationId: its argument, its answers and its documented errors,",
        "// and the table from which the SDK's runtime (src/client.ts) builds every method.",
        "",
    ]
    if models:
        out.append(f'import type {{ {", ".join(models)} }} from "./models.js";')
    if "operations" in words:
        out.append('import type { operations } from "./openapi.js";')
    stream_names.sort(key=lambda name: name.removeprefix("type "))
    out += [f'import {{ {", ".join(stream_names)} }} from "./streams.js";', "", text]
    return "\n".join(out)


def _check_names(spec: Spec, surfaces: list[_Surface]) -> None:
    """Every exported name is distinct across the generated modules, or the generator stops."""
    owners: dict[str, str] = {name: "the SDK" for name in _RESERVED}
    for name in model_names(spec):
        owners[name] = f"components/schemas/{name}"
    methods: dict[str, str] = {}
    for s in surfaces:
        if s.name in methods:
            raise SpecError(f"{s.where}: {s.name!r} is also the method of {methods[s.name]}")
        methods[s.name] = s.op.operation_id
        streamed = [s.op.response_type, f"{s.op.operation_id}Operation"] if s.op.streams else []
        if s.op.streams and s.op.request_type is not None:
            streamed.append(f"{pascal_case(s.op.operation_id)}Request")
        for name in [*s.exported_names(), *streamed]:
            if name in owners:
                raise SpecError(f"{s.where}: the exported name {name!r} is taken by {owners[name]}")
            owners[name] = s.op.operation_id
