from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from litestar import Litestar
from litestar.enums import ScopeType
from litestar.routes import ASGIRoute
from litestar.testing import TestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from streamspec._generated.operations import OPERATIONS, Operations
from streamspec.api import ChatAPI
from streamspec.app import create_app
from streamspec.providers.echo import EchoProvider
from streamspec.routing import (
    MissingOperationHandlers,
    field_error,
    litestar_path,
    operation_route_handlers,
)
from streamspec.settings import Settings
from tests.conftest import ROOT

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace", "query"}


def _contract_operations() -> set[tuple[str, str, str]]:
    spec: dict[str, Any] = yaml.safe_load((ROOT / "schema/openapi.yaml").read_bytes())
    return {
        (method.upper(), litestar_path(path), operation["operationId"])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def _app_operations(app: Litestar) -> set[tuple[str, str, str]]:
    """Routes bound to operations of the contract: ASGI route handlers tagged with them."""
    found: set[tuple[str, str, str]] = set()
    for route in app.routes:
        if isinstance(route, ASGIRoute) and "operations" in route.route_handler.opt:
            for method, operation_id in route.route_handler.opt["operations"].items():
                found.add((method, route.path, operation_id))
    return found


def test_app_routes_are_exactly_the_contract_operations() -> None:
    app = create_app(Settings())
    assert _app_operations(app) == _contract_operations()


def test_app_serves_nothing_but_the_contract_its_docs_and_metrics() -> None:
    app = create_app(Settings())
    paths = {route.path for route in app.routes}
    contract_paths = {path for _, path, _ in _contract_operations()}
    docs_paths = {"/openapi.yaml", "/openapi.json", "/docs", "/docs/assets/{name:str}"}
    chat_page_paths = {"/", "/chat/assets/{name:str}"}
    assert paths == contract_paths | docs_paths | chat_page_paths | {"/metrics"}


@pytest.mark.parametrize("left_out", [op.operation_id for op in OPERATIONS])
def test_app_refuses_to_start_when_an_operation_has_no_handler(left_out: str) -> None:
    api = ChatAPI(EchoProvider())
    handlers = {op.method_name: getattr(api, op.method_name) for op in OPERATIONS}
    del handlers[next(op.method_name for op in OPERATIONS if op.operation_id == left_out)]
    incomplete: Any = SimpleNamespace(**handlers)

    with pytest.raises(MissingOperationHandlers, match=left_out) as caught:
        operation_route_handlers(incomplete)
    assert caught.value.operation_ids == [left_out]


def test_a_method_inherited_from_the_generated_protocol_is_no_handler() -> None:
    class Unfinished(Operations):
        pass

    with pytest.raises(MissingOperationHandlers) as caught:
        operation_route_handlers(Unfinished())  # type: ignore[abstract]  # what it tests
    assert caught.value.operation_ids == [op.operation_id for op in OPERATIONS]


def test_chat_api_implements_every_operation() -> None:
    # mypy --strict checks the signatures (app.py's final subclass names what is missing).
    operations: Operations = ChatAPI(EchoProvider())
    handlers = operation_route_handlers(operations)
    assert sum(len(h.opt["operations"]) for h in handlers) == len(OPERATIONS)


def test_contract_paths_become_litestar_paths_with_string_parameters() -> None:
    assert litestar_path("/api/models/{model_id}") == "/api/models/{model_id:str}"
    assert litestar_path("/a/{x}/b/{y}") == "/a/{x:str}/b/{y:str}"
    assert litestar_path("/api/chat") == "/api/chat"


@pytest.mark.parametrize(
    ("message", "location", "reason"),
    [
        ("Expected `str`, got `int` - at `$.messages[0].content`", "$.messages[0].content",
         "Expected `str`, got `int`"),
        ("Object contains unknown field `foo`", "$.foo", "Object contains unknown field `foo`"),
        ("Object missing required field `role` - at `$.messages[1]`", "$.messages[1].role",
         "Object missing required field `role`"),
        ("Expected `object`, got `array`", "$", "Expected `object`, got `array`"),
    ],
)  # fmt: skip
def test_validation_errors_name_the_failing_field(message: str, location: str, reason: str) -> None:
    error = field_error(message)
    assert (error.location, error.message) == (location, reason)


def test_middleware_given_to_create_app_sees_every_operation_with_its_path_parameters() -> None:
    seen: list[tuple[str, str, dict[str, Any]]] = []

    def recording(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == ScopeType.HTTP:
                seen.append((scope["method"], scope["path_template"], dict(scope["path_params"])))
            await app(scope, receive, send)

        return middleware

    chat = {"messages": [{"role": "user", "content": "hi"}]}
    with TestClient(create_app(Settings(), middleware=[recording])) as client:
        assert client.get("/health").status_code == 200
        assert client.post("/api/chat", json=chat).status_code == 200
        assert client.post("/api/chat/stream", json=chat).status_code == 200
        assert client.get("/api/models").status_code == 200
        assert client.get("/api/models/echo").status_code == 200
        completion = {"model": "echo", **chat}
        assert client.post("/v1/chat/completions", json=completion).status_code == 200
        assert client.get("/v1/models").status_code == 200
        assert client.get("/v1/models/echo").status_code == 200

    assert {(method, template) for method, template, _ in seen} == {
        (op.http_method, op.path) for op in OPERATIONS
    }
    assert ("GET", "/api/models/{model_id}", {"model_id": "echo"}) in seen


def test_head_answers_a_get_operation_with_its_headers_and_no_body() -> None:
    with TestClient(create_app(Settings())) as client:
        got = client.get("/api/models")
        head = client.head("/api/models")

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]
    assert head.headers["content-type"] == "application/json"


def test_a_method_the_path_does_not_document_is_a_405_problem_with_allow() -> None:
    with TestClient(create_app(Settings())) as client:
        refused = client.delete("/api/models/echo")

    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD"
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == "/api/models/{model_id} answers GET, HEAD."


def test_cors_allows_every_method_the_contract_uses() -> None:
    settings = Settings(cors_origins=("https://app.example",))
    with TestClient(create_app(settings)) as client:
        preflight = client.options(
            "/api/models",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
        )

    allowed = {m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")}
    assert allowed >= {op.http_method for op in OPERATIONS} | {"HEAD", "OPTIONS"}


@pytest.mark.parametrize("method", ["DELETE", "QUERY", "PATCH"])
def test_any_other_method_on_a_path_with_parameters_is_a_405(method: str) -> None:
    with TestClient(create_app(Settings())) as client:
        refused = client.request(method, "/api/models/echo")

    assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD")
