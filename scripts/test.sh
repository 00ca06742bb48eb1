#!/usr/bin/env bash
# Install everything (see scripts/install.sh) and run every check: lint, types, import
# contracts, and the whole test suite (unit, integration with real DNS/ARM-emulator servers on
# loopback, TUI). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
. .venv/bin/activate
echo "== ruff" >&2
ruff check .
echo "== mypy" >&2
mypy
echo "== import contracts" >&2
lint-imports
echo "== pytest" >&2
pytest -q -p no:cacheprovider "$@"
