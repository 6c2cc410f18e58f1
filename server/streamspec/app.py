"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Literal, final

import httpx
from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.enums import HttpMethod
from litestar.plugins import PluginProtocol
from litestar.types import Method, Middleware

from streamspec._generated.operations import OPERATIONS, Operations
from streamspec.access import observe_requests
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
from streamspec.litestar_routing import route_asgi_path_parameters
from streamspec.logs import configure_logging
from streamspec.metrics import Metrics, metrics_route_handler
from streamspec.providers import Provider
from streamspec.providers.echo import EchoProvider
from streamspec.providers.openai import OpenAIProvider
from streamspec.providers.transport import aiohttp_transport
from streamspec.rate_limit import QUOTA_HEADERS, RateLimiter
from streamspec.request_id import RequestIdMiddleware
from streamspec.routing import Limits, operation_route_handlers
from streamspec.settings import Settings
from streamspec.shutdown import Shutdown
from streamspec.tracing import tracing_plugins

__all__ = ["app_from_env", "create_app"]


def create_app(
    settings: Settings,
    upstream_transport: httpx.AsyncBaseTransport | None = None,
    *,
    handlers: Callable[[Provider, Metrics], Operations] | None = None,
    middleware: Sequence[Middleware] = (),
    plugins: Sequence[PluginProtocol] = (),
) -> Litestar:
    """Build the server. A given `upstream_transport` is used for the provider and left open.

    `handlers` builds the implementation of the contract's operations from the provider
    and the metrics; `middleware` and `plugins` are Litestar's, and apply to every operation.
    """
    metrics = Metrics(settings.prometheus_multiproc_dir)
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
            metrics=metrics,
        )
    else:
        provider = EchoProvider(settings.echo_delay_ms)
    operations = (handlers or chat_api)(provider, metrics)

    shutdown = Shutdown(settings.shutdown_grace_seconds)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        shutdown.install_signal_handler()
        try:
            with tuned_for_serving():
                yield
        finally:
            metrics.worker_stopped()
            if owned_transport is not None:
                await owned_transport.aclose()

    admission = Admission(
        Callers(settings.api_keys, settings.trusted_proxies),
        RateLimiter(settings.rate_limit, settings.redis_url) if settings.rate_limit else None,
        StreamSlots(settings.max_streams_per_caller),
        metrics,
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
                route_handlers=[
                    *docs_route_handlers(contract_yaml()),
                    *chat_page_route_handlers(),
                    metrics_route_handler(metrics),
                ],
                middleware=[RequestIdMiddleware, HeadWithoutBody],
            ),
        ],
        middleware=list(middleware),
        exception_handlers=exception_handlers,
        plugins=[*tracing_plugins(settings.tracing), *plugins],
        lifespan=[lifespan],
        openapi_config=None,
        logging_config=None,
        cors_config=cors_config(settings.cors_origins),
    )
    route_asgi_path_parameters(app)
    vary_on_origin(app)
    refuse_ambiguous_requests(app)
    observe_requests(app, metrics, access_log=settings.access_log)
    return app


# What browsers may send and read across origins.
CORS_ALLOW_HEADERS = ["authorization", "content-type", "x-request-id"]
CORS_EXPOSE_HEADERS = [
    "x-request-id",
    "retry-after",
    *(name.lower() for name in QUOTA_HEADERS),
]


def cors_config(origins: tuple[str, ...]) -> CORSConfig | None:
    if not origins:
        return None
    return CORSConfig(
        allow_origins=list(origins),
        allow_methods=cors_methods(),
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        max_age=600,
    )


@final
class _ProductHandlers(ChatAPI):
    """Final, so that mypy names here every operation of the contract ChatAPI lacks."""


def chat_api(provider: Provider, metrics: Metrics) -> Operations:
    return _ProductHandlers(provider, metrics)


def cors_methods() -> list[Method | Literal["*"]]:
    """Every method the contract uses, HEAD with GET, and the preflight's OPTIONS."""
    methods = {HttpMethod(op.http_method) for op in OPERATIONS} | {HttpMethod.OPTIONS}
    if HttpMethod.GET in methods:
        methods.add(HttpMethod.HEAD)
    return [*sorted(methods)]


def app_from_env() -> Litestar:
    """The factory the ASGI servers call: settings from the environment, logging set up."""
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
