"""What a request body must be declared as before it is read: JSON, in UTF-8, not compressed.

RFC 8259 allows JSON only in UTF-8, so a body declared in another charset is refused
rather than read as UTF-8 and misunderstood. Compressed bodies are refused (RFC 7694:
415 naming the accepted codings) rather than decompressed: a small gzip body can
inflate past any cap before the cap is checked.
"""

from __future__ import annotations

from litestar.types import Scope

from streamspec.errors import UnsupportedMediaType

_IDENTITY = {b"", b"identity"}
_UTF8 = {b"utf-8", b"utf8"}


def require_json_body(scope: Scope) -> None:
    """Raise the 415 problem that refuses the body's declared type, charset or coding."""
    content_type: bytes | None = None
    coding = b""
    for name, value in scope["headers"]:  # one pass: this runs on every request
        if name == b"content-type" and content_type is None:
            content_type = value
        elif name == b"content-encoding":
            coding = value
    if content_type != b"application/json":
        _require_json_utf8(content_type or b"")
    if coding and coding.strip().lower() not in _IDENTITY:
        raise UnsupportedMediaType(
            "The body must not be compressed; send it without Content-Encoding.",
            headers={"Accept-Encoding": "identity"},
        )


def _require_json_utf8(content_type: bytes) -> None:
    media_type, _, parameters = content_type.partition(b";")
    media_type = media_type.strip().lower()
    if media_type != b"application/json" and not media_type.endswith(b"+json"):
        raise UnsupportedMediaType("The body must be application/json.")
    for parameter in parameters.split(b";"):
        name, _, value = parameter.partition(b"=")
        if name.strip().lower() == b"charset" and value.strip().strip(b'"').lower() not in _UTF8:
            raise UnsupportedMediaType("JSON bodies must be UTF-8 (charset=utf-8, or none).")
