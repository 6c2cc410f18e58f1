# Sourced by scripts/lib/env.sh: the Debian packages the scripts need from the machine. The
# one place they are installed, for a developer's scripts/test and for .ci/run alike: through
# apt-get when running as root, else a one-line error naming the command to run.

# ensure_commands WHO COMMAND=PACKAGE...: install the packages of the commands not on PATH.
ensure_commands() {
  local who="$1" pair missing=()
  shift
  for pair in "$@"; do
    command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}")
  done
  [ ${#missing[@]} -eq 0 ] || apt_install "$who" "${missing[@]}"
}

# apt_install WHO PACKAGE...
apt_install() {
  local who="$1"
  shift
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$who needs $*: run sudo apt-get install -y $*" >&2
    return 1
  fi
  echo "==> apt-get install $* (for $who)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# What the tests drive: headless pages, and the shared rate-limit state.
ensure_test_system_packages() {
  ensure_commands scripts/test chromium=chromium redis-server=redis-server
}

# Debian splits venv (ensurepip) out of python3.
ensure_venv_support() {
  local python="$1" version
  "$python" -c 'import ensurepip' 2>/dev/null && return
  version="$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  apt_install "scripts/$(basename "$0")" "python$version-venv"
}
