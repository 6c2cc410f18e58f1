"""The pure checks behind the hostile-input refusals: framing, body headers, Vary, and the
budget for wrong keys."""

from __future__ import annotations

from typing import cast

import pytest
from litestar.types import Scope

from streamspec.auth_failures import FailedAuthBudget
from streamspec.body_headers import require_json_body
from streamspec.cors import _with_origin
from streamspec.errors import RateLimited, UnsupportedMediaType
from streamspec.framing import ambiguity


def _scope(*headers: tuple[bytes, bytes], version: str = "1.1") -> Scope:
    return cast(Scope, {"type": "http", "http_version": version, "headers": list(headers)})


HOST = (b"host", b"127.0.0.1")


@pytest.mark.parametrize(
    "headers",
    [
        (HOST, (b"content-length", b"4"), (b"transfer-encoding", b"chunked")),
        (HOST, (b"content-length", b"4"), (b"content-length", b"5")),
        (HOST, (b"content-length", b"-1")),
        (),
        ((b"host", b""),),
        (HOST, (b"host", b"evil.example")),
    ],
    ids=["length-and-coding", "two-lengths", "bad-length", "no-host", "empty-host", "two-hosts"],
)
def test_ambiguous_framing_or_host_is_named(headers: tuple[tuple[bytes, bytes], ...]) -> None:
    assert ambiguity(_scope(*headers)) is not None


@pytest.mark.parametrize(
    "scope",
    [
        _scope(HOST),
        _scope(HOST, (b"content-length", b"12")),
        _scope(HOST, (b"transfer-encoding", b"chunked")),
        _scope(version="1.0"),
        _scope(version="2"),
    ],
)
def test_plain_requests_are_not_ambiguous(scope: Scope) -> None:
    assert ambiguity(scope) is None


@pytest.mark.parametrize(
    "content_type",
    [
        b"application/json",
        b"application/json; charset=utf-8",
        b'application/json;charset="UTF8"',
        b"application/problem+json",
    ],
)
def test_json_in_utf8_is_accepted(content_type: bytes) -> None:
    require_json_body(_scope((b"content-type", content_type)))


@pytest.mark.parametrize(
    ("headers", "accept_encoding"),
    [
        (((b"content-type", b"text/plain"),), None),
        (((b"content-type", b"application/json; charset=latin-1"),), None),
        (((b"content-type", b"application/json"), (b"content-encoding", b"gzip")), "identity"),
    ],
)
def test_other_types_charsets_and_codings_are_415s(
    headers: tuple[tuple[bytes, bytes], ...], accept_encoding: str | None
) -> None:
    with pytest.raises(UnsupportedMediaType) as refused:
        require_json_body(_scope(*headers))
    assert refused.value.headers.get("Accept-Encoding") == accept_encoding


def test_vary_gains_origin_once() -> None:
    assert _with_origin([]) == [(b"vary", b"Origin")]
    assert _with_origin([(b"vary", b"Accept-Encoding")]) == [(b"vary", b"Accept-Encoding, Origin")]
    assert _with_origin([(b"Vary", b"Origin")]) == [(b"Vary", b"Origin")]


async def test_an_address_over_its_wrong_key_budget_is_refused_before_any_key_is_seen() -> None:
    budget = FailedAuthBudget("3/minute")
    for _ in range(3):
        budget.check("192.0.2.1")
        await budget.spend("192.0.2.1")
    with pytest.raises(RateLimited):
        await budget.spend("192.0.2.1")
    with pytest.raises(RateLimited) as refused:
        budget.check("192.0.2.1")
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 60
    budget.check("192.0.2.2")  # another address has its own budget
