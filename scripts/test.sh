#!/usr/bin/env bash
# Install what the tests need and run every check: lint, types, import contracts, and the whole
# test suite (unit, integration with real DNS/ARM-emulator servers on loopback, TUI).
#   * vnetplan itself, via scripts/install.sh (.venv);
#   * the test extras (pytest, ruff, mypy, ...) into .venv;
#   * the Debian packages the tests start (.ci/apt-packages.txt: a DNS server, tmux) - with apt-get
#     when running as root (or with passwordless sudo), else one line saying what to install.
# Idempotent: a second run installs nothing. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "test.sh: $*" >&2; }

bash scripts/install.sh

if [ -s .ci/apt-packages.txt ] && command -v dpkg >/dev/null 2>&1; then
    mapfile -t pkgs < <(grep -vE '^\s*(#|$)' .ci/apt-packages.txt)
    missing=()
    for p in "${pkgs[@]}"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        SUDO=""
        if [ "$(id -u)" -ne 0 ]; then
            if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
                say "the tests need Debian packages ${missing[*]}: sudo apt-get install ${missing[*]}, then run this again"
                exit 1
            fi
        fi
        say "installing Debian packages: ${missing[*]}"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
fi

stamp=.venv/.vnetplan-installed
want=$(.venv/bin/python -c 'import hashlib,sys; print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest())')
if ! grep -qx "test $want" "$stamp" 2>/dev/null; then
    say "installing the test tools into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
    echo "test $want" >"$stamp"
fi

. .venv/bin/activate
echo "== ruff" >&2
ruff check .
echo "== mypy" >&2
mypy
echo "== import contracts" >&2
lint-imports
echo "== pytest" >&2
pytest -q -p no:cacheprovider -n "${VNETPLAN_TEST_WORKERS:-auto}" --dist worksteal "$@"
