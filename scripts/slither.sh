#!/usr/bin/env bash
# Slither static analysis of contracts/ with the project's npm solc; exit 1 on a high finding.
#
#   scripts/slither.sh [extra slither flags]       (e.g. --json out.json)
#   SLITHER_FAIL=--fail-medium scripts/slither.sh  (stricter gate; default --fail-high)
#
# slither-analyzer needs web3<8, so it lives in its own venv (made here on first use, pinned,
# kept in the build cache per slither and Python version so a fresh clone reuses it). solcjs
# is not a native solc: scripts/solcjs_native.py answers the two calls crytic-compile makes
# (--version, --standard-json). OpenZeppelin resolves from
# node_modules; findings in node_modules and contracts/test (hostile test tokens) are filtered.
set -euo pipefail
cd "$(dirname "$0")/.."
SLITHER=0.11.6
PYV=$("${PYTHON:-python3}" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
VENV="${DARKBOOK_CACHE:-$HOME/.cache/darkbook}/slither-venv/$SLITHER-py$PYV"
if [ ! -x "$VENV/bin/slither" ]; then
    "${PYTHON:-python3}" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "slither-analyzer==$SLITHER"
fi
exec "$VENV/bin/slither" contracts/ \
    --solc-standard-json \
    --solc scripts/solcjs_native.py \
    --solc-remaps "@openzeppelin/=node_modules/@openzeppelin/" \
    --filter-paths "node_modules|contracts/test" \
    --exclude-dependencies \
    "${SLITHER_FAIL:---fail-high}" \
    "$@"
