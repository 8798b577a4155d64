#!/usr/bin/env bash
# Runs every test of flask-sfsync. Checked on Debian 12 (as root); written for Debian 12/13 and
# Ubuntu 22.04/24.04, with or without root (README.md, "Set-up: two commands", says what was
# checked and what else a system may need).
#
# It finds or installs what the tests need and starts what they run against:
#   - a Python 3.11 or newer: $PYTHON, else python3.13, python3.12, python3.11, python3;
#   - a virtualenv (.venv, or $SFSYNC_VENV) with the package and its test/dev extras (the venv
#     module comes from Debian's and Ubuntu's pythonX.Y-venv package, installed if missing);
#   - a Chromium that Playwright drives for the browser tests: $SFSYNC_CHROMIUM, else
#     /usr/bin/chromium, or chromium, chromium-browser, google-chrome on PATH (not a snap);
#     else Debian's chromium package, else Playwright's own (playwright install --with-deps);
#     its path goes to the tests in SFSYNC_CHROMIUM;
#   - a throwaway PostgreSQL cluster, so the database tests run on PostgreSQL beside SQLite.
# Operating-system packages are installed with apt-get, as root or through sudo, and the script
# says so before it asks; SFSYNC_NO_APT=1 makes it name what is missing and stop instead.
# Redis and the local Salesforce org are started by the tests themselves.
# Then: ruff, the layers and import cycles, mypy --strict, the Sphinx docs with warnings as
# errors, the whole suite and the example app's tests on SQLite, and the database tests again
# on PostgreSQL. Arguments replace the test paths: ./scripts/test.sh tests/emulator -x

say() { printf '%s\n' "$*" >&2; }
step() { printf '\n==> %s\n' "$*"; }
die() { printf '\nerror: %s\n' "$*" >&2; exit 1; }

# -- Python ----------------------------------------------------------------------------------

python_ok() {  # is "$1" a runnable Python 3.11 or newer?
  "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

find_python() {  # prints the command of a Python >= 3.11, or says how to point at one
  local candidate
  if [ -n "${PYTHON:-}" ]; then
    python_ok "$PYTHON" && { echo "$PYTHON"; return 0; }
    say "PYTHON=$PYTHON is not a Python 3.11 or newer ($("$PYTHON" --version 2>/dev/null || echo 'it does not run'))."
  else
    for candidate in python3.13 python3.12 python3.11 python3; do
      if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
        echo "$candidate"
        return 0
      fi
    done
    say "No Python 3.11 or newer found (tried python3.13, python3.12, python3.11, python3)."
  fi
  say "flask-sfsync needs Python 3.11 or newer. Debian 12 and 13 and Ubuntu 24.04 have one as"
  say "python3 (apt-get install python3); Ubuntu 22.04's python3 is 3.10: install a newer one"
  say "(for example with pyenv or uv), then point this script at it:"
  say "    PYTHON=/path/to/python3.11 ./scripts/${0##*/}"
  return 1
}

venv_ok() {  # can "$1" make a virtualenv with pip in it?
  "$1" -c 'import venv, ensurepip' >/dev/null 2>&1
}

venv_package() {  # the Debian/Ubuntu package that brings "$1"'s venv module
  "$1" -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])'
}

make_venv() {  # make_venv PYTHON VENV: create the virtualenv, installing pythonX.Y-venv if needed
  local py=$1 venv=$2
  if [ -x "$venv/bin/python" ]; then
    python_ok "$venv/bin/python" && return 0
    die "$venv holds a Python older than 3.11: remove it (rm -rf $venv) and run again"
  fi
  if ! venv_ok "$py"; then
    say "$py cannot make a virtualenv: its venv module (ensurepip) is missing; on Debian and"
    say "Ubuntu it is the package $(venv_package "$py")."
    apt_install "$(venv_package "$py")"
    venv_ok "$py" || die "$py still cannot make a virtualenv after installing $(venv_package "$py")"
  fi
  "$py" -m venv "$venv"
}

# -- operating-system packages ---------------------------------------------------------------

APT_UPDATED=
as_root() {  # run "$@" as root: directly when we are root, else through sudo
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {  # apt_install PACKAGE...: says that it needs root before asking for it
  if [ -n "${SFSYNC_NO_APT:-}" ]; then
    die "needs the packages $*: install them (as root: apt-get install $*) and run again"
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    die "needs the packages $* and this system has no apt-get: install their equivalents with its package manager, then run again"
  fi
  if [ "$(id -u)" = 0 ]; then
    say "Installing $* with apt-get (running as root)."
  elif command -v sudo >/dev/null 2>&1; then
    say "Installing $* needs root: running 'sudo apt-get install $*' (sudo may ask for your password; SFSYNC_NO_APT=1 stops here instead)."
  else
    die "needs the packages $*: this user cannot use sudo; as root run: apt-get install $*"
  fi
  [ -n "$APT_UPDATED" ] || { as_root apt-get update -qq; APT_UPDATED=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# -- Chromium --------------------------------------------------------------------------------

is_snap() {  # is "$1" a snap (or a wrapper that starts one)? Playwright cannot drive it reliably
  case "$(readlink -f "$1")" in /snap/*) return 0 ;; esac
  [ "$(head -c 2 "$1" 2>/dev/null)" = "#!" ] && grep -q '/snap' "$1" 2>/dev/null
}

find_chromium() {  # prints the path of a Chromium on this machine that Playwright can drive
  local candidate path
  for candidate in /usr/bin/chromium chromium chromium-browser google-chrome google-chrome-stable; do
    path=$(command -v "$candidate" 2>/dev/null) || continue
    [ -f "$path" ] && [ -x "$path" ] || continue
    if is_snap "$path"; then
      say "Not using $path: it is a snap, whose confinement keeps Playwright from driving it."
      continue
    fi
    echo "$path"
    return 0
  done
  return 1
}

is_debian() { [ -r /etc/os-release ] && grep -qx 'ID=debian' /etc/os-release; }

playwright_chromium() {  # installs Playwright's own Chromium (and its libraries); prints its path
  say "Installing Playwright's Chromium: 'playwright install --with-deps chromium' downloads the"
  say "browser and installs the libraries it needs with apt-get, as root or through sudo."
  [ -z "${SFSYNC_NO_APT:-}" ] || die "needs a Chromium: set SFSYNC_CHROMIUM=/path/to/chromium, or allow apt (unset SFSYNC_NO_APT)"
  if [ "$(id -u)" = 0 ]; then
    "$VENV/bin/python" -m playwright install --with-deps chromium >&2
  else
    "$VENV/bin/python" -m playwright install chromium >&2
    as_root "$VENV/bin/python" -m playwright install-deps chromium >&2
  fi
  "$VENV/bin/python" -c 'from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    print(p.chromium.executable_path)'
}

ensure_chromium() {  # sets and exports SFSYNC_CHROMIUM
  local path
  if [ -n "${SFSYNC_CHROMIUM:-}" ]; then
    [ -x "$SFSYNC_CHROMIUM" ] || die "SFSYNC_CHROMIUM=$SFSYNC_CHROMIUM is not an executable"
    path=$SFSYNC_CHROMIUM
  elif ! path=$(find_chromium); then
    if is_debian; then
      apt_install chromium  # Debian's chromium is a plain package (Ubuntu's is a snap)
      path=/usr/bin/chromium
    else
      path=$(playwright_chromium)
    fi
  fi
  [ -x "$path" ] || die "no usable Chromium at $path"
  export SFSYNC_CHROMIUM=$path
  say "Chromium for the browser tests: $SFSYNC_CHROMIUM"
}

# -- PostgreSQL ------------------------------------------------------------------------------

find_pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin /usr/local/bin /usr/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {  # a throwaway cluster; sets PG_URL
  PG_DIR=$(mktemp -d /tmp/sfsync-pg.XXXXXX)
  PG_PORT=$("$VENV/bin/python" -c 'from flask_sfsync.redis_server import free_port; print(free_port())')
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home "$PG_DIR" postgres
    chown postgres "$PG_DIR"
  fi
  trap stop_postgres EXIT
  as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
}

stop_postgres() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}

# -- the run ---------------------------------------------------------------------------------

main() {
  cd "$(dirname "$0")/.."
  ROOT=$(pwd)
  VENV=${SFSYNC_VENV:-$ROOT/.venv}

  step "Python and the virtualenv $VENV"
  PY=$(find_python) || exit 1
  say "Python: $PY ($("$PY" --version 2>&1))"
  make_venv "$PY" "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[dev]"

  step "operating-system packages: Chromium, PostgreSQL"
  ensure_chromium
  PG_BIN=$(find_pg_bin) || { apt_install postgresql; PG_BIN=$(find_pg_bin); }

  step "PostgreSQL (throwaway cluster)"
  start_postgres

  step "ruff"
  "$VENV/bin/ruff" check flask_sfsync host_demo tests examples benchmarks scripts
  step "layers (import-linter) and import cycles, imports inside functions included"
  "$VENV/bin/lint-imports" --no-cache
  "$VENV/bin/python" scripts/check_import_cycles.py
  step "mypy --strict (the package, the demo host, the example app)"
  "$VENV/bin/mypy" flask_sfsync host_demo examples
  step "docs (Sphinx, warnings are errors; every public name of the reference documented)"
  "$VENV/bin/sphinx-build" -q -W -b html docs docs/_build/html
  "$VENV/bin/sphinx-build" -q -b coverage docs docs/_build/coverage 2>/dev/null
  "$VENV/bin/python" scripts/check_docs_coverage.py docs/_build/coverage/python.txt

  [ $# -gt 0 ] || set -- tests examples
  # The two runs go side by side: most of a test's time is spent waiting on the real
  # processes it drives (workers, the org, Chromium), so two share the cores well. Each has
  # its own temporary folder, Redis and local org; the PostgreSQL run's output follows.
  local pg_log pg_tmp pg_pid pg_rc=0 sqlite_rc=0
  pg_log=$(mktemp) pg_tmp=$(mktemp -d)
  step "tests on SQLite: $* (the database tests on PostgreSQL run beside them)"
  SFSYNC_TEST_DATABASE_URL="$PG_URL" "$VENV/bin/pytest" -m "db and not browser" \
    --basetemp "$pg_tmp/pytest" -p no:cacheprovider "$@" >"$pg_log" 2>&1 &
  pg_pid=$!
  "$VENV/bin/pytest" "$@" || sqlite_rc=$?
  wait "$pg_pid" || pg_rc=$?
  step "database tests on PostgreSQL"
  cat "$pg_log"
  rm -rf "$pg_log" "$pg_tmp"
  [ "$sqlite_rc" -eq 0 ] || { echo "tests on SQLite failed ($sqlite_rc)" >&2; return "$sqlite_rc"; }
  [ "$pg_rc" -eq 0 ] || { echo "database tests on PostgreSQL failed ($pg_rc)" >&2; return "$pg_rc"; }
}

# Sourced (for example to try one function: source scripts/test.sh; find_python), it only
# defines the functions.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  main "$@"
fi
