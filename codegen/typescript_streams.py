"""The TypeScript SDK's stream layer: one event union and one runtime descriptor per SSE operation.

openapi-typescript types each envelope's `data` as a plain string; this links
every event name to its `contentSchema` payload, as operations.py does for the server.
"""

from __future__ import annotations

import json
import re

from .operations import EVENT_STREAM, OperationSpec, require_distinct_event_names
from .spec import TS_HEADER, SpecError, pascal_case

__all__ = ["render_typescript_streams"]


def _schema(name: str) -> str:
    return f'components["schemas"][{json.dumps(name)}]'


def _descriptor_name(op: OperationSpec) -> str:
    return f"{op.operation_id}Operation"


def render_typescript_streams(operations: list[OperationSpec]) -> str:
    streams = [op for op in operations if op.media_type == EVENT_STREAM]
    for op in streams:
        require_distinct_event_names(op)
    out = [
        TS_HEADER,
        "// The typed events of each Server-Sent Events operation, linked by event name to the",
        "// payload schema that the spec's itemSchema names in each variant's contentSchema.",
        "",
        'import type { components } from "./openapi.js";',
        "",
        "/** What the SDK needs to open a stream and decode its events. */",
        "export interface StreamOperation<Event extends string = string> {",
        "  readonly operationId: string;",
        "  readonly method: string;",
        "  readonly path: string;",
        "  readonly events: readonly Event[];",
        "  /** The event whose data is a Problem: it ends the stream with a StreamError. */",
        "  readonly errorEvent: Event | null;",
        "  /** The event that ends the stream normally; it is yielded. */",
        "  readonly endEvent: Event | null;",
        "  /** A data-only stream's closing data, e.g. [DONE]; it is not yielded. */",
        "  readonly endSentinel: string | null;",
        "}",
    ]
    for op in streams:
        if not re.fullmatch(r"[A-Za-z_$][\w$]*", op.operation_id):
            raise SpecError(f"{op.operation_id!r} cannot name a TypeScript constant")
        assert op.stream is not None
        out += ["", f"/** One event of `{op.operation_id}`: {op.summary}. */"]
        out.append(f"export type {op.response_type} =")
        out += [
            f"  | {{ event: {json.dumps(e.event)}; data: {_schema(e.data_type)} }}"
            for e in op.events
        ]
        out[-1] += ";"
        if op.request_type is not None:
            out += [
                "",
                f"export type {pascal_case(op.operation_id)}Request = {_schema(op.request_type)};",
            ]
        out += [
            "",
            f"export const {_descriptor_name(op)} = {{",
            f"  operationId: {json.dumps(op.operation_id)},",
            f"  method: {json.dumps(op.http_method)},",
            f"  path: {json.dumps(op.path)},",
            f"  events: [{', '.join(json.dumps(e.event) for e in op.events)}],",
            f"  errorEvent: {json.dumps(op.stream.error_event)},",
            f"  endEvent: {json.dumps(op.stream.end_event)},",
            f"  endSentinel: {json.dumps(op.stream.end_sentinel)},",
            f'}} as const satisfies StreamOperation<{op.response_type}["event"]>;',
        ]
    out += [
        "",
        "/** Every stream operation, by operationId. */",
        "export const streamOperations = {",
        *(f"  {op.operation_id}: {_descriptor_name(op)}," for op in streams),
        "} as const;",
        "",
    ]
    return "\n".join(out)
