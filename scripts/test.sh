#!/usr/bin/env bash
# Runs every test of flask-sfsync on a fresh Debian/Ubuntu machine with Python 3.11.
#
# It installs what the tests need and starts what they run against:
#   - a virtualenv (.venv) with the package and its test/dev extras;
#   - Debian's chromium for the browser tests (Playwright drives /usr/bin/chromium);
#   - a throwaway PostgreSQL cluster, so the database tests run on PostgreSQL beside SQLite.
# Redis and the local Salesforce org are started by the tests themselves.
# Then: ruff, the layers and import cycles, mypy --strict, the Sphinx docs with warnings as errors, the whole suite on SQLite,
# and the database tests again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${SFSYNC_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}

step() { printf '\n==> %s\n' "$*"; }

step "virtualenv $VENV"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[dev]"

step "operating-system packages"
apt_install() {
  if [ "$(id -u)" = 0 ]; then
    [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq; APT_UPDATED=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    [ -n "${APT_UPDATED:-}" ] || { sudo apt-get update -qq; APT_UPDATED=1; }
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}
[ -x /usr/bin/chromium ] || apt_install chromium
find_pg_bin() {
  for dir in /usr/lib/postgresql/*/bin /usr/local/bin /usr/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}
PG_BIN=$(find_pg_bin) || { apt_install postgresql; PG_BIN=$(find_pg_bin); }

step "PostgreSQL (throwaway cluster)"
PG_DIR=$(mktemp -d /tmp/sfsync-pg.XXXXXX)
PG_PORT=$("$VENV/bin/python" -c 'from flask_sfsync.redis_server import free_port; print(free_port())')
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home "$PG_DIR" postgres
  chown postgres "$PG_DIR"
fi
cleanup() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap cleanup EXIT
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"

step "ruff"
"$VENV/bin/ruff" check flask_sfsync host_demo tests benchmarks scripts
step "layers (import-linter) and import cycles, imports inside functions included"
"$VENV/bin/lint-imports" --no-cache
"$VENV/bin/python" scripts/check_import_cycles.py
step "mypy --strict (the package and the demo host)"
"$VENV/bin/mypy" flask_sfsync host_demo
step "docs (Sphinx, warnings are errors)"
"$VENV/bin/sphinx-build" -q -W -b html docs docs/_build/html

step "tests on SQLite (the whole suite)"
"$VENV/bin/pytest" "$@"

step "database tests on PostgreSQL"
SFSYNC_TEST_DATABASE_URL="$PG_URL" "$VENV/bin/pytest" -m "db and not browser" "$@"
