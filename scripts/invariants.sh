#!/usr/bin/env bash
# Stateful fuzzing of Settlement's money invariants with Foundry (npm @foundry-rs/forge).
#
#   scripts/invariants.sh [extra forge test flags]     (e.g. -vvv, --fuzz-seed 7)
#   FOUNDRY_INVARIANT_RUNS=500 FOUNDRY_INVARIANT_DEPTH=64 scripts/invariants.sh   (longer)
#
# Config: contracts/test/invariant/foundry.toml (offline, no solc auto-detection, solc =
# scripts/solcjs_native.py: the npm solcjs behind a native-solc front, so forge never downloads
# a compiler). Output in build/forge. Poseidon(4) is circomlibjs's bytecode, written here.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/forge
node -e 'process.stdout.write(require("circomlibjs").poseidonContract.createCode(4))' \
    > build/forge/poseidon4.hex.tmp
mv build/forge/poseidon4.hex.tmp build/forge/poseidon4.hex
FOUNDRY_CONFIG=contracts/test/invariant/foundry.toml exec node_modules/.bin/forge test --root . "$@"
