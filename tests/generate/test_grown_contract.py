"""The contract can grow: a scratch copy of the repo gets every operation shape, is
regenerated, refuses to start until the handlers exist, then serves each one live."""

from __future__ import annotations

import sys

import httpx
import pytest

from codegen.spec import snake_case
from tests.conftest import LiveServer
from tests.fixtures import grown_operation_ids
from tests.generate.conftest import ScratchTree
from tests.integration.sse import read_events, sse_lines


def _events(response: httpx.Response) -> list[tuple[str, object]]:
    return [(e.event, e.json()) for e in read_events(sse_lines(response.iter_bytes()))]


def _new_method_names() -> list[str]:
    return [snake_case(operation_id) for operation_id in grown_operation_ids()]


def test_server_refuses_to_start_until_each_new_operation_has_a_handler(
    scratch: ScratchTree,
) -> None:
    started = scratch.run(
        sys.executable,
        "-c",
        "from streamspec.app import create_app; from streamspec.settings import Settings; "
        "create_app(Settings())",
    )

    assert started.returncode != 0
    refusal = started.stderr.strip().splitlines()[-1]
    assert refusal.startswith("streamspec.routing.MissingOperationHandlers: no handler for")
    for operation_id in grown_operation_ids():
        assert operation_id in refusal

    checked = scratch.mypy()
    assert checked.returncode == 1, checked.stdout
    missing = checked.stdout.split("has abstract attributes", 1)[1].splitlines()[0]
    for method_name in _new_method_names():
        assert f'"{method_name}"' in missing, checked.stdout


def test_created_answer_is_201_with_its_location(grown_server: LiveServer) -> None:
    created = httpx.post(
        grown_server.url + "/api/conversations", json={"title": "hello there", "tags": ["work"]}
    )

    assert created.status_code == 201
    body = created.json()
    assert created.headers["location"] == f"/api/conversations/{body['id']}"
    assert body["title"] == "hello there"
    fetched = httpx.get(grown_server.url + created.headers["location"])
    assert (fetched.status_code, fetched.json()) == (200, body)


def test_an_optional_body_may_be_left_out(grown_server: LiveServer) -> None:
    created = httpx.post(grown_server.url + "/api/conversations")

    assert created.status_code == 201
    assert created.json()["title"] == "untitled"


def test_delete_is_204_with_no_body_then_the_resource_is_a_404(grown_server: LiveServer) -> None:
    location = httpx.post(grown_server.url + "/api/conversations").headers["location"]

    deleted = httpx.delete(grown_server.url + location)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert "content-type" not in deleted.headers
    gone = httpx.get(grown_server.url + location)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
    assert gone.json()["detail"] == f"No conversation {location.rsplit('/', 1)[1]}."


def test_a_handler_chooses_between_documented_answers(grown_server: LiveServer) -> None:
    small = httpx.post(grown_server.url + "/api/conversations", json={"title": "small"})
    big = httpx.post(grown_server.url + "/api/conversations", json={"title": "big"})

    done = httpx.post(grown_server.url + small.headers["location"] + "/exports")
    later = httpx.post(grown_server.url + big.headers["location"] + "/exports")

    assert (done.status_code, done.json()["text"]) == (200, "# small")
    assert later.status_code == 202
    assert later.headers["retry-after"] == "5"
    assert later.headers["location"].endswith("/exports/1")
    assert later.content == b""


def test_query_parameters_are_typed_and_unknown_ones_ignored(grown_server: LiveServer) -> None:
    for title in ("one", "two", "three"):
        httpx.post(grown_server.url + "/api/conversations", json={"title": title, "tags": ["home"]})

    page = httpx.get(
        grown_server.url + "/api/conversations",
        params={"limit": "2", "tag": ["home", "work"], "archived": "true", "unknown": "x"},
        headers={"X-Tenant": "acme"},
    )

    assert page.status_code == 200
    assert len(page.json()["conversations"]) == 2
    assert page.json()["next_cursor"] == "p2"


@pytest.mark.parametrize(
    ("path", "params", "headers", "location"),
    [
        ("/api/conversations", {"limit": "0"}, {}, "query.limit"),
        ("/api/conversations", {"limit": "many"}, {}, "query.limit"),
        ("/api/conversations", {"tag": ["work", "gym"]}, {}, "query.tag[1]"),
        ("/api/conversations", {}, {"X-Tenant": "ACME"}, "header.x-tenant"),
        ("/api/conversations/nope", {}, {}, "path.conversation_id"),
    ],
)
def test_a_bad_parameter_is_a_422_naming_it(
    grown_server: LiveServer,
    path: str,
    params: dict[str, str | list[str]],
    headers: dict[str, str],
    location: str,
) -> None:
    refused = httpx.get(grown_server.url + path, params=params, headers=headers)

    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert [error["location"] for error in refused.json()["errors"]] == [location]


def test_an_undocumented_method_is_a_405_naming_the_allowed_ones(
    grown_server: LiveServer,
) -> None:
    refused = httpx.put(grown_server.url + "/api/conversations")

    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, POST"
    assert refused.json()["status"] == 405


def test_a_stream_with_its_own_events_ends_at_its_end_event(grown_server: LiveServer) -> None:
    location = httpx.post(
        grown_server.url + "/api/conversations", json={"title": "a long day"}
    ).headers["location"]

    with httpx.stream("POST", grown_server.url + location + "/summary", json={}) as response:
        events = _events(response)

    assert [event for event, _ in events] == ["progress", "chunk", "chunk", "chunk", "final"]
    assert events[-1][1] == {"text": "a long day"}


def test_an_enum_named_stream_in_the_aspnet_style_is_served(grown_server: LiveServer) -> None:
    with httpx.stream("GET", grown_server.url + "/api/ticks", params={"count": 2}) as response:
        events = _events(response)

    assert events == [("tick", {"n": 0}), ("tick", {"n": 1}), ("end", {"n": 2})]


def test_a_data_only_stream_ends_with_its_sentinel(grown_server: LiveServer) -> None:
    chat = {"messages": [{"role": "user", "content": "one two"}]}
    with httpx.stream("POST", grown_server.url + "/api/completions/stream", json=chat) as r:
        body = r.read()

    assert r.headers["content-type"] == "text/event-stream"
    assert body == b'data: {"text":"one"}\n\ndata: {"text":"two"}\n\ndata: [DONE]\n\n'
