#!/usr/bin/env bash
# Runs the demo on a fresh Debian/Ubuntu machine with Python 3.11: a virtualenv with the
# package, then Redis, the local Salesforce org (seeded), an RQ worker and the demo host at
# http://127.0.0.1:5000. It prints the logins; Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${SFSYNC_VENV:-$(pwd)/.venv}
[ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[demo]"
export PATH="$VENV/bin:$PATH"
exec "$VENV/bin/python" -m host_demo.run "$@"
