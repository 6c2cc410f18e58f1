"""Guards on openapi-python-client behaviour that the hand-written SDK relies on or works around."""

from __future__ import annotations

import importlib
from types import ModuleType

import httpx


def sdk(module: str) -> ModuleType:
    # By name, because mypy cannot follow the SDK's editable install from this folder.
    return importlib.import_module(f"streamspec_client._generated.{module}")


def test_problem_from_dict_parses_a_problem_without_optional_fields() -> None:
    problem_type = sdk("models.problem").Problem

    problem = problem_type.from_dict({"type": "about:blank", "title": "Not Found", "status": 404})

    assert (problem.type_, problem.status) == ("about:blank", 404)
    assert problem.detail is sdk("types").UNSET
    assert problem.errors is sdk("types").UNSET


def test_generated_stream_operation_does_not_parse_events_so_streaming_stays_ours() -> None:
    response = httpx.Response(
        200,
        headers={"content-type": "text/event-stream"},
        content=b'event: delta\ndata: {"content":"x"}\n\n',
    )
    client = sdk("client").Client(base_url="http://test")

    parsed = sdk("api.chat.stream_chat")._parse_response(client=client, response=response)

    assert parsed is None
