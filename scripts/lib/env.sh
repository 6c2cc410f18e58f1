# Sourced by scripts/*: builds the environments a script needs, once, and
# rebuilds one when the files that pin it change.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
export PATH="$VENV/bin:$PATH"
source "$ROOT/scripts/lib/system.sh"

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

# The pin files of an environment: `runtime` (what scripts/serve needs) or `dev` (everything,
# runtime included).
_python_pins() {
  echo pyproject.toml requirements/runtime.txt requirements/constraints.txt
  [ "$1" = runtime ] || echo clients/python/pyproject.toml requirements/dev.txt
}

_python_env_is() {
  # shellcheck disable=SC2046 # the pin paths hold no spaces
  [ -x "$VENV/bin/python" ] &&
    [ "$(cat "$VENV/.fingerprint-$1" 2>/dev/null)" = "$(_fingerprint $(_python_pins "$1"))" ]
}

# ensure_python_env [dev|runtime]: .venv with at least that profile's pins. A dev .venv serves as
# a runtime one; a runtime .venv becomes a dev one by installing the rest on top.
ensure_python_env() {
  local profile="${1:-dev}" python
  _python_env_is "$profile" && return
  [ "$profile" = runtime ] && _python_env_is dev && return
  if [ "$profile" = dev ] && _python_env_is runtime; then
    echo "==> adding the development tools to .venv" >&2
  else
    echo "==> building .venv ($profile: pins changed or first run)" >&2
    rm -rf "$VENV"
    python="$(_pick_python)"
    ensure_venv_support "$python"
    "$python" -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$ROOT/requirements/$profile.txt" -c "$ROOT/requirements/constraints.txt"
  # shellcheck disable=SC2046
  _fingerprint $(_python_pins "$profile") >"$VENV/.fingerprint-$profile"
  if [ "$profile" = dev ]; then
    # shellcheck disable=SC2046
    _fingerprint $(_python_pins runtime) >"$VENV/.fingerprint-runtime"
  fi
}

# ensure_pinned_venv DIR PINS: a venv of its own from one file that pins every package exactly,
# transitive ones included (hence --no-deps), rebuilt only when that file changes.
ensure_pinned_venv() {
  local venv="$ROOT/$1" want
  want="$(_fingerprint "$2")"
  if ! [ -x "$venv/bin/python" ] || [ "$(cat "$venv/.fingerprint" 2>/dev/null)" != "$want" ]; then
    echo "==> building $1 ($2 changed or first run)" >&2
    rm -rf "$venv"
    "$(_pick_python)" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
      --no-deps -r "$ROOT/$2"
    echo "$want" >"$venv/.fingerprint"
  fi
}

# ensure_node_env DIR [prod]: npm ci in a folder with a package-lock.json, again only when the
# lock changes. `prod` is enough for a caller that needs only the dependencies (not the
# devDependencies); a full install serves it too.
ensure_node_env() {
  local dir="$ROOT/$1" mode="${2:-full}" want have
  command -v npm >/dev/null || { echo "streamspec needs node and npm on PATH" >&2; return 1; }
  want="$(_fingerprint "$1/package.json" "$1/package-lock.json")"
  have="$(cat "$dir/node_modules/.fingerprint" 2>/dev/null || true)"
  if [ -d "$dir/node_modules" ] && { [ "$have" = "$want full" ] || [ "$have" = "$want $mode" ]; }; then
    return
  fi
  local flags=()
  # --ignore-scripts: a package's own prepare script would build it with its devDependencies.
  [ "$mode" = prod ] && flags=(--omit=dev --ignore-scripts)
  echo "==> npm ci${flags[*]:+ ${flags[*]}} in $1" >&2
  (cd "$dir" && npm ci --silent --no-audit --no-fund "${flags[@]}")
  echo "$want $mode" >"$dir/node_modules/.fingerprint"
}
