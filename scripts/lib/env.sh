# Sourced by scripts/*: builds the environments a script needs, once, and
# rebuilds one when the files that pin it change.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
export PATH="$VENV/bin:$PATH"

_fingerprint() {
  # A pyproject.toml counts up to its first [tool.*] table: tool settings don't change what is installed.
  (cd "$ROOT" && for file in "$@"; do
    case "$file" in
      *pyproject.toml) sed '/^\[tool\./,$d' "$file" 2>/dev/null ;;
      *) cat "$file" 2>/dev/null ;;
    esac
  done) | sha256sum | cut -d' ' -f1
}

_pick_python() {
  local candidate
  for candidate in "${STREAMSPEC_PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  echo "streamspec needs Python 3.11 or newer on PATH (or STREAMSPEC_PYTHON)" >&2
  return 1
}

ensure_python_env() {
  local want
  want="$(_fingerprint pyproject.toml clients/python/pyproject.toml requirements/dev.txt requirements/constraints.txt)"
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.fingerprint" 2>/dev/null)" = "$want" ]; then
    return
  fi
  echo "==> building .venv (pins changed or first run)" >&2
  rm -rf "$VENV"
  "$(_pick_python)" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$ROOT/requirements/dev.txt" -c "$ROOT/requirements/constraints.txt"
  echo "$want" >"$VENV/.fingerprint"
}

# npm ci in a folder with a package-lock.json, again only when the lock changes.
ensure_node_env() {
  local dir="$ROOT/$1" want
  command -v npm >/dev/null || { echo "streamspec needs node and npm on PATH" >&2; return 1; }
  want="$(_fingerprint "$1/package.json" "$1/package-lock.json")"
  if [ -d "$dir/node_modules" ] && [ "$(cat "$dir/node_modules/.fingerprint" 2>/dev/null)" = "$want" ]; then
    return
  fi
  echo "==> npm ci in $1" >&2
  (cd "$dir" && npm ci --silent --no-audit --no-fund)
  echo "$want" >"$dir/node_modules/.fingerprint"
}
