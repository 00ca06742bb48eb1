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
want=$(.venv/bin/python -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml","rb").read() + open("constraints.txt","rb").read()).hexdigest())')
if ! grep -qx "test $want" "$stamp" 2>/dev/null; then
    say "installing the test tools into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
    echo "test $want" >"$stamp"
fi

. .venv/bin/activate
# Compiled modules are cached for this run, even where the environment sets PYTHONDONTWRITEBYTECODE:
# without the cache each pytest worker compiles every module from source and rewrites every test
# module's asserts, and every vnetplan process a test starts compiles vnetplan again (~0.5 s each).
# The cache is filled on the second core while mypy runs on the first (__pycache__ is git-ignored).
unset PYTHONDONTWRITEBYTECODE
(python -m compileall -q netplan checks tui vnetplan tests && pytest -q -p no:cacheprovider --collect-only) \
    >/dev/null 2>&1 &
warm=$!
trap 'wait "$warm" 2>/dev/null || true' EXIT
echo "== ruff" >&2
ruff check .
echo "== mypy" >&2
mypy
echo "== import contracts" >&2
lint-imports
wait "$warm" || true  # a collection error is reported by the run below
echo "== pytest" >&2
pytest -q -p no:cacheprovider -n "${VNETPLAN_TEST_WORKERS:-auto}" --dist worksteal "$@"
