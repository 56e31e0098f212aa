#!/bin/sh
# Create the project's virtual environment with nothing but Python >= 3.11 and pip.
# Usage: scripts/bootstrap_venv.sh PYTHON VENV
# Debian/Ubuntu split `ensurepip` into the python3.X-venv package, so a plain `python3 -m venv`
# can fail there; we then create the venv without pip and let the system pip install pip into
# it (`pip --python`, pip >= 22.3), and only as a last resort ask apt-get for python3-venv.
set -eu
PY=${1:-python3}
VENV=${2:-.venv}

say() { printf 'make install: %s\n' "$*" >&2; }

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    exit 0
fi
if ! command -v "$PY" >/dev/null 2>&1; then
    say "no '$PY' on PATH; install Python >= 3.11 or run: make PYTHON=/path/to/python3.11"
    exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    say "privsynth needs Python >= 3.11, '$PY' is $("$PY" -V 2>&1); run: make PYTHON=python3.11"
    exit 1
fi

rm -rf "$VENV"
if "$PY" -m venv "$VENV" >/dev/null 2>&1; then
    exit 0
fi
say "'$PY -m venv' failed (no ensurepip?); creating the venv without pip and adding pip to it"
rm -rf "$VENV"
if "$PY" -m venv --without-pip "$VENV" \
    && "$PY" -m pip --python "$VENV/bin/python" install --quiet pip; then
    exit 0
fi
rm -rf "$VENV"
if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo -n"
    say "installing Debian's python3-venv with apt-get"
    if $SUDO apt-get install -y -qq python3-venv >/dev/null && "$PY" -m venv "$VENV"; then
        exit 0
    fi
fi
say "could not create $VENV: install pip for $PY (Debian: apt-get install python3-pip or python3-venv)"
exit 1
