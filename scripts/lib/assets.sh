# Sourced after scripts/lib/env.sh: builds the browser assets the server serves itself
# (the offline /docs page) from the npm packages pinned in server/web. They are build
# output, gitignored, and rebuilt only when the lock file or this script changes.

SWAGGER_UI_ASSETS="$ROOT/server/streamspec/_assets/swagger-ui"

ensure_assets() {
  local src="$ROOT/server/web/node_modules/swagger-ui-dist" want tmp
  want="$(_fingerprint server/web/package-lock.json scripts/lib/assets.sh)"
  if [ "$(cat "$SWAGGER_UI_ASSETS/fingerprint" 2>/dev/null)" = "$want" ]; then
    return
  fi
  ensure_node_env server/web
  echo "==> copying Swagger UI assets into server/streamspec/_assets" >&2
  mkdir -p "$(dirname "$SWAGGER_UI_ASSETS")"
  tmp="$(mktemp -d "$SWAGGER_UI_ASSETS.XXXXXX")"
  # The bundle's LICENSE.txt lists what it bundles; Apache-2.0 asks for LICENSE and NOTICE.
  cp "$src/swagger-ui-bundle.js" "$src/swagger-ui-bundle.js.LICENSE.txt" \
    "$src/swagger-ui.css" "$src/favicon-32x32.png" "$src/LICENSE" "$src/NOTICE" "$tmp/" ||
    { rm -rf "$tmp"; return 1; }
  chmod 755 "$tmp"
  # Written last: the server takes its presence to mean the copy is complete.
  echo "$want" >"$tmp/fingerprint"
  rm -rf "$SWAGGER_UI_ASSETS"
  mv "$tmp" "$SWAGGER_UI_ASSETS"
}
