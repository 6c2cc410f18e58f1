from __future__ import annotations

from typing import Any

import pytest
import yaml
from litestar import Litestar
from litestar.routes import ASGIRoute

from streamspec._generated.operations import Operations
from streamspec.api import ChatAPI
from streamspec.app import create_app
from streamspec.providers.echo import EchoProvider
from streamspec.routing import MissingOperationHandlers, field_error, operation_route_handlers
from streamspec.settings import Settings
from tests.conftest import ROOT

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace", "query"}


def _contract_operations() -> set[tuple[str, str, str]]:
    spec: dict[str, Any] = yaml.safe_load((ROOT / "schema/openapi.yaml").read_bytes())
    return {
        (method.upper(), path, operation["operationId"])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def _app_operations(app: Litestar) -> set[tuple[str, str, str]]:
    """Routes bound to an operation of the contract: raw ASGI endpoints tagged with it."""
    found: set[tuple[str, str, str]] = set()
    for route in app.routes:
        if isinstance(route, ASGIRoute) and "operation_id" in route.route_handler.opt:
            opt = route.route_handler.opt
            found.add((opt["http_method"], route.path, opt["operation_id"]))
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


def test_app_refuses_to_start_when_an_operation_has_no_handler() -> None:
    class WithoutStreaming:
        def __init__(self) -> None:
            self._api = ChatAPI(EchoProvider())
            self.get_health = self._api.get_health
            self.create_chat = self._api.create_chat

    incomplete: Any = WithoutStreaming()
    with pytest.raises(MissingOperationHandlers, match="streamChat") as caught:
        operation_route_handlers(incomplete)
    assert caught.value.operation_ids == ["streamChat"]


def test_chat_api_satisfies_the_generated_interface() -> None:
    # The annotation is the check (mypy --strict); the assert keeps the test honest at runtime.
    operations: Operations = ChatAPI(EchoProvider())
    assert all(callable(getattr(operations, name)) for name in ("get_health", "create_chat"))


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
