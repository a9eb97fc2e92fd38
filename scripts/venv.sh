# Sourced by scripts/test.sh: leaves a virtual environment active (and `python3` its interpreter).
# A system Python may be "externally managed" (PEP 668: Debian 12, Ubuntu 23.04+) and pip refuses
# to install into it; so outside a virtual environment, this makes .venv (once) and activates it.
# Needs $SUDO set ("" as root).
if ! python3 -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)'; then
  if [ ! -x .venv/bin/python3 ]; then
    echo "== creating a virtual environment in .venv"
    if ! python3 -m venv .venv 2>/dev/null; then
      rm -rf .venv  # Debian ships venv's ensurepip apart, in python3-venv
      echo "== installing python3-venv (apt-get)"
      ${SUDO:-} apt-get update -qq
      DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv .venv
    fi
  fi
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi
