#!/usr/bin/env bash
# Check the layers (import-linter contracts in pyproject.toml) on the package as it installs:
# the stage folders map into newsagg.* only through pyproject's package-dir, which import-linter
# cannot follow in the source tree, so it reads an install of this tree into a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# built from a copy: setuptools leaves a build/ folder beside the sources it builds
mkdir "$tmp/src"
tar --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./.cache --exclude='*.egg-info' -cf - . | tar -xf - -C "$tmp/src"
python3 -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation --target "$tmp/site" "$tmp/src" >/dev/null
cd "$tmp" && PYTHONPATH="$tmp/site" python3 -c "import sys; from importlinter.cli import lint_imports_command; sys.argv[0] = 'lint-imports'; sys.exit(lint_imports_command())" "$root/pyproject.toml" --no-cache
