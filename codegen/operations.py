"""Our own generator: the server's operation interface and the typed events of each stream.

Neither third-party generator links an SSE event name to its payload model
through `contentSchema`; this module does, from the spec itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .spec import PY_HEADER, Spec, SpecError, pascal_case, resolve_ref, schema_name, snake_case

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
JSON = "application/json"
EVENT_STREAM = "text/event-stream"


@dataclass(frozen=True)
class StreamEvent:
    class_name: str
    event: str
    data_type: str


@dataclass(frozen=True)
class OperationSpec:
    operation_id: str
    method_name: str
    http_method: str
    path: str
    summary: str
    request_type: str | None
    response_type: str
    media_type: str
    error_statuses: tuple[int, ...]
    secured: bool
    events: tuple[StreamEvent, ...]


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
    if op.get("parameters") or spec["paths"][path].get("parameters"):
        raise SpecError(f"{where}: parameters are not supported by the generator yet")

    request_type = None
    if "requestBody" in op:
        content = resolve_ref(spec, op["requestBody"]).get("content", {})
        if set(content) != {JSON}:
            raise SpecError(f"{where}: request bodies must be {JSON} only")
        request_type = schema_name(content[JSON].get("schema"), f"{where} request body")

    responses: dict[Any, Any] = op.get("responses", {})
    statuses = [str(status) for status in responses]
    if "200" not in statuses:
        raise SpecError(f"{where}: no 200 response")
    for status in statuses:
        if not status.isdigit():
            raise SpecError(f"{where}: response {status!r} is not a plain status code")
    error_statuses = tuple(sorted(int(s) for s in statuses if int(s) >= 400))

    ok_content = resolve_ref(spec, responses.get("200", responses.get(200))).get("content", {})
    events: tuple[StreamEvent, ...] = ()
    if set(ok_content) == {JSON}:
        media_type = JSON
        response_type = schema_name(ok_content[JSON].get("schema"), f"{where} 200")
    elif set(ok_content) == {EVENT_STREAM}:
        media_type = EVENT_STREAM
        prefix = pascal_case(operation_id)
        response_type = f"{prefix}Event"
        events = _read_events(spec, prefix, ok_content[EVENT_STREAM], where)
    else:
        raise SpecError(f"{where}: 200 must be {JSON} or {EVENT_STREAM}, got {sorted(ok_content)}")

    security = op.get("security", spec.get("security")) or []
    if not isinstance(security, list):
        raise SpecError(f"{where}: security must be a list of requirements")
    summary = op.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise SpecError(f"{where}: every operation needs a summary")
    if '"""' in summary or "\\" in summary:
        raise SpecError(f"{where}: the summary cannot become a docstring")
    return OperationSpec(
        operation_id=operation_id,
        method_name=snake_case(operation_id),
        http_method=method.upper(),
        path=path,
        summary=summary.strip(),
        request_type=request_type,
        response_type=response_type,
        media_type=media_type,
        error_statuses=error_statuses,
        secured=bool(security) and all(requirement for requirement in security),
        events=events,
    )


def _read_events(
    spec: Spec, prefix: str, media: dict[str, Any], where: str
) -> tuple[StreamEvent, ...]:
    if "itemSchema" not in media:
        raise SpecError(f"{where}: {EVENT_STREAM} needs an itemSchema")
    item = resolve_ref(spec, media["itemSchema"])
    variants = item.get("oneOf")
    if not isinstance(variants, list) or not variants:
        raise SpecError(f"{where}: the itemSchema must be a oneOf, one variant per event")
    events: list[StreamEvent] = []
    for index, variant_ref in enumerate(variants):
        variant_where = f"{where} itemSchema oneOf[{index}]"
        properties = resolve_ref(spec, variant_ref).get("properties", {})
        event = resolve_ref(spec, properties.get("event", {})).get("const")
        if not isinstance(event, str):
            raise SpecError(f"{variant_where}: properties.event needs a string const")
        data = resolve_ref(spec, properties.get("data", {}))
        data_type = schema_name(data.get("contentSchema"), f"{variant_where} data.contentSchema")
        events.append(StreamEvent(f"{prefix}{pascal_case(event)}", event, data_type))
    names = [e.event for e in events]
    if len(set(names)) != len(names):
        raise SpecError(f"{where}: an event name appears twice in {names}")
    mapping = item.get("discriminator", {}).get("mapping", {})
    for event_name, target in mapping.items():
        if event_name not in names or {"$ref": target} not in variants:
            raise SpecError(f"{where}: discriminator mapping {event_name!r} disagrees with oneOf")
    return tuple(events)


def render_operations(operations: list[OperationSpec]) -> str:
    model_names = sorted(
        {op.request_type for op in operations if op.request_type}
        | {op.response_type for op in operations if op.media_type == JSON}
        | {event.data_type for op in operations for event in op.events}
    )
    public = ["OPERATIONS", "Operation", "Operations"]
    public += [op.response_type for op in operations if op.events]
    public += [event.class_name for op in operations for event in op.events]

    out: list[str] = [
        PY_HEADER,
        '"""The typed interface of every operation in the contract, and its stream events."""',
        "",
        "from collections.abc import AsyncIterator",
        "from dataclasses import dataclass",
        "from typing import Final, Protocol, TypeAlias",
        "",
        "import msgspec",
        "",
    ]
    if model_names:
        out.append(f"from .models import {', '.join(model_names)}")
    out += ["", f"__all__ = [{', '.join(repr(name) for name in sorted(public))}]", ""]

    for op in operations:
        for event in op.events:
            out += [
                "",
                f"class {event.class_name}(",
                f'    msgspec.Struct, frozen=True, tag_field="event", tag={event.event!r}',
                "):",
                f'    """The `{event.event}` event of `{op.operation_id}`."""',
                "",
                f"    data: {event.data_type}",
                "",
            ]
        if op.events:
            union = " | ".join(event.class_name for event in op.events)
            out += ["", f"{op.response_type}: TypeAlias = {union}", ""]

    out += [
        "",
        "class Operations(Protocol):",
        '    """What a server implements: one method per operationId."""',
    ]
    for op in operations:
        params = "self" + (f", body: {op.request_type}" if op.request_type else "")
        if op.events:
            signature = f"def {op.method_name}({params}) -> AsyncIterator[{op.response_type}]:"
        else:
            signature = f"async def {op.method_name}({params}) -> {op.response_type}:"
        out += ["", f"    {signature}", f'        """{op.summary}"""', "        ..."]

    out += [
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
        "    request_type: type | None",
        "    response_type: object",
        "    media_type: str",
        "    error_statuses: tuple[int, ...]",
        "    secured: bool",
        "",
        "",
        "OPERATIONS: Final[tuple[Operation, ...]] = (",
    ]
    for op in operations:
        out += [
            "    Operation(",
            f"        operation_id={op.operation_id!r},",
            f"        method_name={op.method_name!r},",
            f"        http_method={op.http_method!r},",
            f"        path={op.path!r},",
            f"        request_type={op.request_type},",
            f"        response_type={op.response_type},",
            f"        media_type={op.media_type!r},",
            f"        error_statuses={op.error_statuses!r},",
            f"        secured={op.secured!r},",
            "    ),",
        ]
    out += [")", ""]
    return "\n".join(out)


INIT_SOURCE = f'''{PY_HEADER}
"""Code generated from schema/openapi.yaml: msgspec models and the operation interface."""
'''
