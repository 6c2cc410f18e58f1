"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from litestar import Litestar

from streamspec._generated.operations import Operations
from streamspec.api import ChatAPI
from streamspec.auth import api_key_guard
from streamspec.contract import contract_yaml
from streamspec.docs import docs_route_handlers
from streamspec.errors import exception_handlers
from streamspec.providers import Provider
from streamspec.providers.echo import EchoProvider
from streamspec.providers.openai import OpenAIProvider
from streamspec.request_id import RequestIdLogFilter, RequestIdMiddleware
from streamspec.routing import operation_route_handlers
from streamspec.settings import Settings

__all__ = ["app_from_env", "create_app"]


def create_app(settings: Settings, http_client: httpx.AsyncClient | None = None) -> Litestar:
    """Build the server. A given `http_client` is used for the upstream and left open."""
    owned_client: httpx.AsyncClient | None = None
    provider: Provider
    if settings.openai_base_url:
        if http_client is None:
            http_client = owned_client = upstream_client(settings)
        provider = OpenAIProvider(
            http_client,
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key,
            default_model=settings.default_model,
        )
    else:
        provider = EchoProvider(settings.echo_delay_ms)
    operations: Operations = ChatAPI(provider)

    @asynccontextmanager
    async def close_owned_client(_: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owned_client is not None:
                await owned_client.aclose()

    guards = [api_key_guard(settings.api_keys)] if settings.api_keys else []
    return Litestar(
        route_handlers=[
            *operation_route_handlers(operations, secured_guards=guards),
            *docs_route_handlers(contract_yaml()),
        ],
        middleware=[RequestIdMiddleware],
        exception_handlers=exception_handlers,
        lifespan=[close_owned_client],
        openapi_config=None,
        request_max_body_size=settings.max_body_bytes,
        logging_config=None,
    )


def upstream_client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.upstream_timeout),
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=100),
        follow_redirects=False,
    )


def app_from_env() -> Litestar:
    """The factory the ASGI servers call: settings from the environment, logging set up."""
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return create_app(settings)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdLogFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
