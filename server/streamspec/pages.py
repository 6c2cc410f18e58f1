"""What the browser pages (/docs and the chat page at /) share: a strict CSP, and assets
built into the package, served with year-long caching behind versioned URLs."""

from __future__ import annotations

from pathlib import Path

from litestar import Response
from litestar.exceptions import NotFoundException
from litestar.response import File

ASSETS_ROOT = Path(__file__).parent / "_assets"
# Written last by scripts/lib/assets.sh, so its presence means a build is complete; it also
# versions the asset URLs, so a rebuild is never hidden by the year-long cache.
FINGERPRINT = "fingerprint"

PAGE_CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        # Swagger UI's css draws icons as data: SVGs; the chat page's favicon is `data:,`.
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
ASSET_HEADERS = {
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
}


def built_version(assets_dir: Path) -> str | None:
    """The build's version, or None when the assets have not been built."""
    try:
        return (assets_dir / FINGERPRINT).read_text().strip()[:16]
    except FileNotFoundError:
        return None


def page(html: str) -> Response[str]:
    return Response(
        html,
        media_type="text/html",
        headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"},
    )


def assets_missing(what: str, assets_dir: Path) -> Response[str]:
    return Response(
        f"503 Service Unavailable: {what} not built.\n\n"
        f"Run scripts/serve, which builds server/streamspec/_assets/{assets_dir.name}/\n"
        "(or run: source scripts/lib/env.sh scripts/lib/assets.sh && ensure_assets).\n",
        status_code=503,
        media_type="text/plain",
    )


def asset(assets_dir: Path, name: str, media_types: dict[str, str]) -> File:
    """One of the built files named in `media_types`; anything else is a 404."""
    media_type = media_types.get(name)
    path = assets_dir / name
    if media_type is None or not path.is_file():
        raise NotFoundException()
    return File(
        path,
        filename=name,
        media_type=media_type,
        content_disposition_type="inline",
        headers=ASSET_HEADERS,
    )
