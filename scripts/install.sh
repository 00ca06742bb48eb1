#!/usr/bin/env bash
# Install vnetplan to *use* it: a virtualenv in .venv with vnetplan (editable) and its runtime
# dependencies only - no test tools, no servers. Needs Python 3.11+; when `python3 -m venv` cannot
# work (Debian/Ubuntu without the python3-venv package) it installs that package if running as
# root, else says in one line what to install. Idempotent: a second run installs nothing unless
# pyproject.toml changed. Then run: .venv/bin/vnetplan tui
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
say() { echo "install.sh: $*" >&2; }

if ! command -v "$PY" >/dev/null 2>&1; then
    say "$PY not found: install Python 3.11 or newer (Debian/Ubuntu: apt-get install python3 python3-venv)"
    exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    say "vnetplan needs Python 3.11 or newer, $PY is $("$PY" -V 2>&1): set PYTHON=/path/to/python3.11 and run this again"
    exit 1
fi

venv_works() { [ -x .venv/bin/python ] && .venv/bin/python -m pip --version >/dev/null 2>&1; }

if ! venv_works; then
    if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        ver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
            say "installing python${ver}-venv with apt-get (python3 -m venv needs it)"
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "python${ver}-venv" >/dev/null \
                || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
        else
            say "python3 -m venv does not work: install the venv package (sudo apt-get install python${ver}-venv), then run this again"
            exit 1
        fi
    fi
    rm -rf .venv
    "$PY" -m venv .venv
fi

# .venv/.vnetplan-installed holds "runtime <hash>" / "test <hash>" of the pyproject.toml installed.
stamp=.venv/.vnetplan-installed
want=$(.venv/bin/python -c 'import hashlib,sys; print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest())')
if ! grep -qxE "(runtime|test) $want" "$stamp" 2>/dev/null; then
    say "installing vnetplan and its runtime dependencies into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check -e .
    echo "runtime $want" >"$stamp"
fi
say "ready: .venv/bin/vnetplan tui (or . .venv/bin/activate, then vnetplan --help)"
