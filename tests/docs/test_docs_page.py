from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect

from tests.conftest import ROOT

SPEC_PATH = ROOT / "schema" / "openapi.yaml"

pytestmark = pytest.mark.browser

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")


def _spec_operations() -> list[tuple[str, str, str, str]]:
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_bytes())
    return [
        (method.upper(), path, operation["operationId"], operation["summary"])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


class PageLog:
    def __init__(self, page: Page) -> None:
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.console_errors: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfailed", self._on_request_failed)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _on_request_failed(self, request: Request) -> None:
        self.failed.append(f"{request.url}: {request.failure}")

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location})")


@pytest.fixture
def docs_page(
    request: pytest.FixtureRequest, browser: Browser, docs_server: str
) -> Iterator[tuple[Page, PageLog]]:
    context = browser.new_context(base_url=docs_server)
    page = context.new_page()
    log = PageLog(page)
    page.goto(getattr(request, "param", "/docs"))
    yield page, log
    context.close()


def test_docs_page_renders_every_operation_of_the_contract(
    docs_page: tuple[Page, PageLog],
) -> None:
    page, _ = docs_page
    expected = _spec_operations()
    operations = page.locator(".opblock")
    expect(operations).to_have_count(len(expected))

    rendered = [
        (
            operation.locator(".opblock-summary-method").inner_text(),
            operation.locator(".opblock-summary-path").get_attribute("data-path"),
            operation.locator(".opblock-summary-operation-id").inner_text(),
            operation.locator(".opblock-summary-description").inner_text(),
        )
        for operation in operations.all()
    ]
    assert sorted(rendered) == sorted(expected)
    assert {("GET", "/api/models/{model_id}"), ("POST", "/api/chat/stream")} <= {
        (method, path) for method, path, _, _ in rendered
    }
    for operation in operations.all():
        expect(operation).to_be_visible()


# Litestar answers "/docs/" too, where the page's relative links must still find the assets.
@pytest.mark.parametrize("docs_page", ["/docs", "/docs/"], indirect=True)
def test_docs_page_loads_nothing_from_beyond_its_own_origin(
    docs_page: tuple[Page, PageLog], docs_server: str
) -> None:
    page, log = docs_page
    expect(page.locator(".opblock").first).to_be_visible()
    page.wait_for_load_state("networkidle")

    assert log.requests, "the page made no requests at all"
    foreign = [url for url in log.requests if not url.startswith(f"{docs_server}/")]
    assert foreign == []
    assert f"{docs_server}/openapi.yaml" in log.requests
    assert log.failed == []
    assert log.console_errors == []


def test_docs_page_forbids_sources_other_than_its_own_origin(docs_server: str) -> None:
    response = httpx.get(f"{docs_server}/docs")
    policy = response.headers["content-security-policy"]
    directives = dict(directive.strip().split(" ", 1) for directive in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"


def test_openapi_yaml_is_the_contract_byte_for_byte(docs_server: str) -> None:
    response = httpx.get(f"{docs_server}/openapi.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/yaml"
    assert response.content == SPEC_PATH.read_bytes()


def test_openapi_json_is_the_contract_as_json(docs_server: str) -> None:
    response = httpx.get(f"{docs_server}/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == yaml.safe_load(SPEC_PATH.read_bytes())
