"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.enums import ScopeType
from litestar.handlers import ASGIRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from streamspec._generated.operations import Operations
from streamspec.admission import Admission, StreamSlots
from streamspec.api import ChatAPI
from streamspec.auth_failures import FailedAuthBudget
from streamspec.callers import Callers
from streamspec.chat_page import chat_page_route_handlers
from streamspec.contract import contract_yaml
from streamspec.cors import vary_on_origin
from streamspec.docs import docs_route_handlers
from streamspec.errors import exception_handlers
from streamspec.framing import refuse_ambiguous_requests
from streamspec.gc_tuning import tuned_for_serving
from streamspec.head import HeadWithoutBody
from streamspec.providers import Provider
from streamspec.providers.echo import EchoProvider
from streamspec.providers.openai import OpenAIProvider
from streamspec.providers.transport import aiohttp_transport
from streamspec.rate_limit import RateLimiter
from streamspec.request_id import RequestIdLogFilter, RequestIdMiddleware
from streamspec.routing import Limits, operation_route_handlers
from streamspec.settings import Settings
from streamspec.shutdown import Shutdown

__all__ = ["app_from_env", "create_app"]


def create_app(
    settings: Settings, upstream_transport: httpx.AsyncBaseTransport | None = None
) -> Litestar:
    """Build the server. A given `upstream_transport` is used for the provider and left open."""
    owned_transport: httpx.AsyncBaseTransport | None = None
    provider: Provider
    if settings.openai_base_url:
        if upstream_transport is None:
            upstream_transport = owned_transport = aiohttp_transport()
        provider = OpenAIProvider(
            upstream_transport,
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key,
            default_model=settings.default_model,
            first_byte_timeout=settings.upstream_timeout,
            idle_timeout=settings.upstream_idle_timeout,
        )
    else:
        provider = EchoProvider(settings.echo_delay_ms)
    operations: Operations = ChatAPI(provider)

    shutdown = Shutdown(settings.shutdown_grace_seconds)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        shutdown.install_signal_handler()
        try:
            with tuned_for_serving():
                yield
        finally:
            if owned_transport is not None:
                await owned_transport.aclose()

    admission = Admission(
        Callers(settings.api_keys, settings.trusted_proxies),
        RateLimiter(settings.rate_limit, settings.redis_url) if settings.rate_limit else None,
        StreamSlots(settings.max_streams_per_caller),
        FailedAuthBudget(settings.auth_failure_limit, settings.redis_url)
        if settings.api_keys
        else None,
    )
    operation_handlers = operation_route_handlers(
        operations,
        admission=admission,
        limits=Limits.from_settings(settings),
        shutdown=shutdown,
    )
    app = Litestar(
        route_handlers=[
            *operation_handlers,
            # The operations tag their own answers; these pages get the middleware.
            Router(
                "/",
                route_handlers=[*docs_route_handlers(contract_yaml()), *chat_page_route_handlers()],
                middleware=[RequestIdMiddleware, HeadWithoutBody],
            ),
        ],
        exception_handlers=exception_handlers,
        lifespan=[lifespan],
        openapi_config=None,
        logging_config=None,
        cors_config=cors_config(settings.cors_origins),
    )
    route_operations_directly(app, operation_handlers)
    vary_on_origin(app)
    refuse_ambiguous_requests(app)
    return app


def route_operations_directly(app: Litestar, handlers: list[ASGIRouteHandler]) -> None:
    """Send requests for the operations' exact paths straight to their endpoints.

    Measured with py-spy on a streaming worker: Litestar's router and the exception
    wrapper it puts around every `send` took about 11% of the CPU. The endpoints answer
    their own errors, so they skip both. With CORS configured everything stays on
    Litestar's path, since its CORS handling lives there. Everything else (docs, chat
    page, 404s) goes through Litestar as before.
    """
    if app.cors_config is not None:
        return
    routed = app.asgi_handler
    endpoints: dict[str, ASGIApp] = {}
    for handler in handlers:
        endpoints.update(dict.fromkeys(handler.paths, handler.fn))

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = endpoints.get(scope["path"]) if scope["type"] == ScopeType.HTTP else None
        await (endpoint or routed)(scope, receive, send)

    app.asgi_handler = dispatch


# What browsers may send and read across origins.
CORS_ALLOW_HEADERS = ["authorization", "content-type", "x-request-id"]
CORS_EXPOSE_HEADERS = [
    "x-request-id",
    "retry-after",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
]


def cors_config(origins: tuple[str, ...]) -> CORSConfig | None:
    if not origins:
        return None
    return CORSConfig(
        allow_origins=list(origins),
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        max_age=600,
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
