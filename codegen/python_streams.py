"""The Python SDK's typed stream layer: one event class per `itemSchema` variant.

openapi-python-client buffers `text/event-stream` and models each envelope's
`data` as a plain string. This module links every event name to its payload
model (the `contentSchema`) and writes what the SDK's hand-written client
needs to stream an operation without listing its events by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

from .operations import (
    EVENT_STREAM,
    OperationSpec,
    read_operations,
    require_distinct_event_names,
)
from .spec import PY_HEADER, Spec, SpecError
from .tools import Toolchain


def render_python_streams(spec: Spec) -> str:
    operations = [op for op in read_operations(spec) if op.media_type == EVENT_STREAM]
    for op in operations:
        require_distinct_event_names(op)
        if op.request_type is not None and not op.request_type.isidentifier():
            raise SpecError(f"{op.operation_id}: a stream's body must be a component schema")
    model_names = sorted(
        {op.request_type for op in operations if op.request_type}
        | {event.data_type for op in operations for event in op.events}
    )
    public = ["STREAM_OPERATIONS", "StreamOperation"]
    for op in operations:
        public += [_operation_constant(op), op.response_type]
        public += [event.class_name for event in op.events]

    out: list[str] = [
        PY_HEADER,
        '"""Typed events of every streamed operation, from the itemSchema of the contract."""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Callable, Mapping",
        "from dataclasses import dataclass",
        "from typing import Any, Final, Generic, Literal, TypeAlias, TypeVar",
        "",
    ]
    if model_names:
        out.append(f"from ._generated.models import {', '.join(model_names)}")
    out += [
        "",
        f"__all__ = [{', '.join(_str(name) for name in sorted(public))}]",
        "",
        '_EventT = TypeVar("_EventT")',
        "",
        "",
        "@dataclass(frozen=True, slots=True)",
        "class StreamOperation(Generic[_EventT]):",
        '    """A streamed operation: where to send its request and how to decode its events."""',
        "",
        "    operation_id: str",
        "    method_name: str",
        "    http_method: str",
        "    path: str",
        "    request_type: type | None",
        "    # Event name -> a function from the event's parsed JSON data to its typed event.",
        "    decoders: Mapping[str, Callable[[Any], _EventT]]",
        "    # Events whose data is a problem: the stream ends with an error.",
        "    error_events: frozenset[str]",
        "    # The event that ends the stream normally; it is yielded.",
        "    end_event: str | None",
        "    # A data-only stream's closing data, e.g. [DONE]; it is not yielded.",
        "    end_sentinel: str | None",
        "",
    ]
    for op in operations:
        for event in op.events:
            out += [
                "",
                "@dataclass(frozen=True, slots=True, kw_only=True)",
                f"class {event.class_name}:",
                f'    """The `{event.event}` event of `{op.operation_id}`."""',
                "",
                '    __match_args__ = ("data",)',
                "",
                f"    event: Literal[{_str(event.event)}] = {_str(event.event)}",
                f"    data: {event.data_type}",
                "",
                "    @classmethod",
                f"    def from_data(cls, data: Any) -> {event.class_name}:",
                f"        return cls(data={event.data_type}.from_dict(data))",
                "",
            ]
        union = " | ".join(event.class_name for event in op.events)
        out += ["", f"{op.response_type}: TypeAlias = {union}", ""]

    for op in operations:
        assert op.stream is not None
        errors = [op.stream.error_event] if op.stream.error_event else []
        out += [
            "",
            f"{_operation_constant(op)}: Final[StreamOperation[{op.response_type}]] = (",
            "    StreamOperation(",
            f"        operation_id={_str(op.operation_id)},",
            f"        method_name={_str(op.method_name)},",
            f"        http_method={_str(op.http_method)},",
            f"        path={_str(op.path)},",
            f"        request_type={op.request_type},",
            "        decoders={",
            *(f"            {_str(e.event)}: {e.class_name}.from_data," for e in op.events),
            "        },",
            f"        error_events={_frozenset(errors)},",
            f"        end_event={_optional_str(op.stream.end_event)},",
            f"        end_sentinel={_optional_str(op.stream.end_sentinel)},",
            "    )",
            ")",
        ]
    out += [
        "",
        "STREAM_OPERATIONS: Final[Mapping[str, StreamOperation[Any]]] = {",
        *(f"    {_str(op.operation_id)}: {_operation_constant(op)}," for op in operations),
        "}",
        "",
    ]
    return "\n".join(out)


def _frozenset(values: list[str]) -> str:
    return f"frozenset({{{', '.join(_str(v) for v in values)}}})" if values else "frozenset()"


def _optional_str(value: str | None) -> str:
    return "None" if value is None else _str(value)


def _str(value: str) -> str:
    """A Python string literal in the formatter's style (JSON's escapes are Python's too)."""
    return json.dumps(value)


def _operation_constant(op: OperationSpec) -> str:
    return op.method_name.upper()


def build_python_streams(spec: Spec, output: Path, tools: Toolchain) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_python_streams(spec), encoding="utf-8")
    tools.ruff_format([output], cwd=output.parent)
