#!/usr/bin/env bash
# The one test command: installs what the suite needs on a fresh Debian/Ubuntu
# machine (redis-server, the Python packages) and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
if ! command -v redis-server >/dev/null; then
  echo "== installing redis-server (apt-get)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi
# The test suite starts its own redis-server on free loopback ports; a system one, if any, is left alone.

# Outside a virtual environment, use (and make) .venv: a system Python may refuse pip (PEP 668).
. scripts/venv.sh

echo "== installing newsagg with its dev extra (pip, in $(python3 -c 'import sys; print(sys.prefix)'))"
python3 -m pip install -q --disable-pip-version-check -e ".[dev,ops]"

echo "== lint (ruff)"
python3 -m ruff check .

echo "== layers (import-linter)"
lint-imports

echo "== the dedupe wheel from PyPI, for the packaging test (tests/test_packaging.py)"
python3 -m pip download -q --disable-pip-version-check --no-deps dedupe -d .cache/wheels \
  || echo "   (no network: the packaging test will skip)"

echo "== running the test suite"
exec python3 -m pytest -q -p no:cacheprovider "$@"
