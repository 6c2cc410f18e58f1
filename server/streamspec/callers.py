"""Who is calling: an API key when keys are configured, else the client's address.

API keys are compared in constant time. `X-Forwarded-For` is believed only when
the connection comes from a proxy named in `STREAMSPEC_TRUSTED_PROXIES`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable
from contextvars import ContextVar

from litestar.types import Scope

from streamspec.asgi import header
from streamspec.errors import Unauthorized

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="streamspec"'}
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# The caller of the request being served, once admitted: for the access log and the
# tokens metric, which never see the key itself.
current_caller: ContextVar[str] = ContextVar("streamspec_caller", default="-")


def _digest(key: str) -> bytes:
    # Equal-length digests make compare_digest's time independent of the key's length too.
    return hashlib.sha256(key.encode()).digest()


class Callers:
    def __init__(self, api_keys: Iterable[str], trusted_proxies: Iterable[str]) -> None:
        self._digests = tuple(_digest(key) for key in api_keys)
        self._proxies: tuple[Network, ...] = tuple(
            ipaddress.ip_network(proxy.strip(), strict=False) for proxy in trusted_proxies
        )

    @property
    def requires_key(self) -> bool:
        return bool(self._digests)

    def identify(self, scope: Scope) -> str:
        """The caller's identity for rate limits; raises `Unauthorized` for a bad key."""
        if not self._digests:
            return "addr:" + self.client_address(scope)
        authorization = (header(scope, b"authorization") or b"").decode("latin-1")
        scheme, _, presented = authorization.partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            raise Unauthorized(
                "Send an API key as `Authorization: Bearer <key>`.", headers=_CHALLENGE
            )
        candidate = _digest(presented.strip())
        matched = False
        for digest in self._digests:  # no early exit: every key is compared every time
            matched |= hmac.compare_digest(candidate, digest)
        if not matched:
            raise Unauthorized("The API key is not valid.", headers=_CHALLENGE)
        return "key:" + candidate.hex()[:32]

    def client_address(self, scope: Scope) -> str:
        client = scope.get("client")
        peer = client[0] if client else "unknown"
        if not self._proxies or not self._is_trusted(peer):
            return peer
        # Every X-Forwarded-For line counts, in order: a proxy may add its own line.
        forwarded = ",".join(
            value.decode("latin-1") for key, value in scope["headers"] if key == b"x-forwarded-for"
        )
        # Walk from the nearest hop outwards; the first untrusted address is the client.
        for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
            if not self._is_trusted(hop):
                return hop
        return peer

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._proxies)
