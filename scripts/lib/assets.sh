# Sourced after scripts/lib/env.sh: builds the browser assets the server serves itself
# (the offline /docs page, and the chat page at / bundled from the TypeScript SDK) from
# the npm packages pinned in server/web. They are build output, gitignored, and rebuilt
# only when what they are built from changes.

SWAGGER_UI_ASSETS="$ROOT/server/streamspec/_assets/swagger-ui"
CHAT_ASSETS="$ROOT/server/streamspec/_assets/chat"

ensure_assets() {
  _ensure_swagger_ui_assets
  _ensure_chat_assets
}

_ensure_swagger_ui_assets() {
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

_ensure_chat_assets() {
  local web="$ROOT/server/web" sdk="$ROOT/clients/typescript" want tmp
  # shellcheck disable=SC2046 # the source lists hold no spaces
  want="$(_fingerprint server/web/package-lock.json clients/typescript/package-lock.json \
    scripts/lib/assets.sh $(cd "$ROOT" && find server/web/chat clients/typescript/src -type f | LC_ALL=C sort))"
  if [ "$(cat "$CHAT_ASSETS/fingerprint" 2>/dev/null)" = "$want" ]; then
    return
  fi
  ensure_node_env server/web
  # The bundle needs the SDK's dependencies only, not its build tools.
  ensure_node_env clients/typescript prod
  echo "==> bundling the chat page into server/streamspec/_assets/chat" >&2
  mkdir -p "$(dirname "$CHAT_ASSETS")"
  tmp="$(mktemp -d "$CHAT_ASSETS.XXXXXX")"
  "$web/node_modules/.bin/esbuild" "$web/chat/main.ts" --bundle --format=esm --platform=browser \
    --target=es2022 --minify --log-level=warning --outfile="$tmp/chat.js" \
    --banner:js="/*! Streamspec chat page; bundles eventsource-parser (MIT): see LICENSES.txt */" ||
    { rm -rf "$tmp"; return 1; }
  cp "$web/chat/chat.css" "$tmp/" || { rm -rf "$tmp"; return 1; }
  for package in eventsource-parser; do
    printf '%s\n\n' "== $package" && cat "$sdk/node_modules/$package/LICENSE" && printf '\n'
  done >"$tmp/LICENSES.txt"
  chmod 755 "$tmp"
  # Written last: the server takes its presence to mean the bundle is complete.
  echo "$want" >"$tmp/fingerprint"
  rm -rf "$CHAT_ASSETS"
  mv "$tmp" "$CHAT_ASSETS"
}
