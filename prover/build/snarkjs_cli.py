"""snarkjs, the reference Groth16 toolchain: setup, contribution, prove, verify, export."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from prover.build import toolchain
from prover.errors import SnarkjsError


def groth16_setup(r1cs: Path, ptau: Path, zkey_out: Path) -> Path:
    """Phase-2 setup plus one contribution (a zkey with none has gamma = delta: forgeable)."""
    initial = zkey_out.with_suffix(".0.zkey")
    toolchain.run_tool("snarkjs", ["groth16", "setup", r1cs, ptau, initial])
    toolchain.run_tool(
        "snarkjs",
        ["zkey", "contribute", initial, zkey_out, "--name=darkbook", "-e=" + secrets.token_hex(32)],
    )
    initial.unlink()
    return zkey_out


def export_vkey(zkey: Path, out: Path) -> dict[str, Any]:
    toolchain.run_tool("snarkjs", ["zkey", "export", "verificationkey", zkey, out])
    return json.loads(out.read_text())


def export_verifier(zkey: Path, out: Path) -> Path:
    toolchain.run_tool("snarkjs", ["zkey", "export", "solidityverifier", zkey, out])
    return out


def prove(zkey: Path, wtns: Path, proof_out: Path, public_out: Path) -> tuple[dict, list[str]]:
    toolchain.run_tool("snarkjs", ["groth16", "prove", zkey, wtns, proof_out, public_out])
    return json.loads(proof_out.read_text()), json.loads(public_out.read_text())


def verify(vkey: Path, public: Path, proof: Path) -> bool:
    """True iff snarkjs accepts the proof; a rejected proof is False, not an exception."""
    try:
        proc = toolchain.run_tool("snarkjs", ["groth16", "verify", vkey, public, proof])
    except SnarkjsError:
        return False
    return "OK" in proc.stdout


def check_witness(r1cs: Path, wtns: Path) -> bool:
    """True iff the witness satisfies every constraint of the r1cs (`snarkjs wtns check`)."""
    try:
        toolchain.run_tool("snarkjs", ["wtns", "check", r1cs, wtns])
    except SnarkjsError:
        return False
    return True


def solidity_calldata(proof: Path, public: Path) -> tuple[list, list, list, list]:
    """(a, b, c, inputs) as ints, in the order the generated verifier takes (pi_b swapped)."""
    proc = toolchain.run_tool("snarkjs", ["zkey", "export", "soliditycalldata", public, proof])
    a, b, c, inputs = json.loads("[" + proc.stdout.strip() + "]")
    return _ints(a), _ints(b), _ints(c), _ints(inputs)


def _ints(value: Any) -> Any:
    if isinstance(value, list):
        return [_ints(v) for v in value]
    return int(value, 16) if isinstance(value, str) and value.startswith("0x") else int(value)
