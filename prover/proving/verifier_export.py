"""Solidity verifier from a verification key, whichever setup made it.

`snarkjs zkey export solidityverifier` needs a .zkey, and dev keys have none. snarkjs renders
its template from the verification key alone (ejs over verification_key.json), so we render
the same pinned template from the key: one gas-efficient `Groth16Verifier` for dev and
ceremony keys alike, byte-identical to snarkjs's own export for a ceremony key.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

from prover.build import toolchain
from prover.errors import ToolError

_RENDER = """
const fs = require("fs");
const ejs = require(process.argv[1] + "/ejs");
const tpl = fs.readFileSync(
  process.argv[1] + "/snarkjs/templates/verifier_groth16.sol.ejs", "utf8");
const vk = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(ejs.render(tpl, vk));
"""


def solidity_verifier(vkey: dict[str, Any]) -> str:
    """The Groth16Verifier contract for this verification key (snarkjs's template)."""
    missing = {"vk_alpha_1", "vk_beta_2", "vk_gamma_2", "vk_delta_2", "IC", "nPublic"} - set(vkey)
    if missing or vkey.get("protocol") != "groth16":
        raise ToolError(f"not a Groth16 verification key (missing {sorted(missing)})")
    proc = subprocess.run(
        ["node", "-e", _RENDER, str(toolchain.node_modules())],
        input=json.dumps(vkey),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or "contract Groth16Verifier" not in proc.stdout:
        raise ToolError(f"rendering the verifier template failed:\n{toolchain.tail(proc.stderr)}")
    return proc.stdout
