"""Requests whose framing or target a proxy and the server could read differently are
refused before any route sees them, with a 400 problem that closes the connection.

- Content-Length together with Transfer-Encoding (RFC 9112 6.1): hypercorn reads such a
  body as chunked and keeps the connection, so a request hidden in the body would run
  as a second request (smuggling). Refused here, the connection closes with the answer
  and the hidden bytes are never parsed.
- More than one Content-Length, or one that is not a number.
- An HTTP/1.1 request without exactly one Host (RFC 9112 3.2); granian serves both.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from streamspec.asgi import encode_headers, send_body
from streamspec.errors import PROBLEM_MEDIA_TYPE, InvalidBody, encode_problem, problem_for
from streamspec.request_id import REQUEST_ID_KEY, request_id_for

__all__ = ["ambiguity", "refuse_ambiguous_requests"]

_PROBLEM = PROBLEM_MEDIA_TYPE.encode()


class AmbiguousRequest(InvalidBody):
    type = "urn:streamspec:problem:ambiguous-request"


def ambiguity(scope: Scope) -> str | None:
    """Why the request's framing or host is ambiguous, or None when it is not."""
    hosts = lengths = codings = 0
    length = host = b""
    for name, value in scope["headers"]:
        if name == b"host":
            hosts += 1
            host = value
        elif name == b"content-length":
            lengths += 1
            length = value
        elif name == b"transfer-encoding":
            codings += 1
    if codings and lengths:
        return "A request must not carry both Content-Length and Transfer-Encoding."
    if lengths > 1 or (lengths and not length.strip().isdigit()):
        return "A request must carry at most one Content-Length, a number."
    version = scope.get("http_version", "1.1")
    # granian passes a missing Host on as an empty one.
    if hosts > 1 or (version == "1.1" and not host.strip()):
        return "An HTTP/1.1 request must carry exactly one Host header."
    return None


def refuse_ambiguous_requests(app: Litestar) -> None:
    """Put the check in front of everything the app serves, its 404s included."""
    inner: ASGIApp = app.asgi_handler

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        reason = ambiguity(scope) if scope["type"] == ScopeType.HTTP else None
        if reason is None:
            await inner(scope, receive, send)
            return
        request_id = request_id_for(scope)
        problem, _ = problem_for(AmbiguousRequest(reason), request_id)
        await send_body(
            send,
            problem.status,
            encode_problem(problem),
            _PROBLEM,
            [(REQUEST_ID_KEY, request_id.encode()), *encode_headers({"Connection": "close"})],
            head=scope.get("method") == "HEAD",
        )

    app.asgi_handler = guarded
