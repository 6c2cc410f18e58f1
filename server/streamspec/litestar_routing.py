"""A fix for Litestar's routing of ASGI route handlers whose path has parameters.

Litestar 2 files an ASGI route's path parameters under the key "asgi" in its
routing trie, then looks them up under the request's method, so an HTTP request
to `/api/models/{model_id:str}` fails with a KeyError (a 500) before the handler
runs. This makes each such lookup find the route's own parameters, whatever the
method. It changes no route: the trie and the router stay Litestar's.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar._asgi.routing_trie.types import RouteTrieNode

__all__ = ["route_asgi_path_parameters"]


def route_asgi_path_parameters(app: Litestar) -> None:
    pending: list[RouteTrieNode] = [app.asgi_router.root_route_map_node]
    seen: set[int] = set()
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        pending.extend(node.children.values())
        if node.is_asgi and node.path_parameters.get("asgi"):
            node.path_parameters = _ForAnyMethod(node.path_parameters)


class _ForAnyMethod(dict[Any, Any]):
    """An ASGI route's parameters, under whatever method the request has (QUERY too)."""

    def __missing__(self, key: Any) -> Any:
        return self["asgi"]
