#!/usr/bin/env bash
# Set up vnetplan on a fresh Debian/Ubuntu machine: system packages the tests need (from
# .ci/apt-packages.txt), a virtualenv in .venv, and vnetplan with its test extras, editable.
# Idempotent: re-running it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ -s .ci/apt-packages.txt ] && command -v apt-get >/dev/null 2>&1; then
    mapfile -t pkgs < <(grep -vE '^\s*(#|$)' .ci/apt-packages.txt)
    missing=()
    for p in "${pkgs[@]}"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        echo "installing Debian packages: ${missing[*]}" >&2
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
fi

if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'
echo "vnetplan installed in .venv (activate with: . .venv/bin/activate)" >&2
