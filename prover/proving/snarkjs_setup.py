"""Groth16 keys for a compiled circuit via snarkjs (ceremony path), cached by content hash.

The key set (zkey, verification key, Solidity verifier) is keyed by the circuit's compile key,
the powers-of-tau file's digest and the snarkjs version, so it is made once per circuit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prover.build import cache, ptau, snarkjs_cli, toolchain
from prover.build.circom import CompiledCircuit
from prover.errors import DarkbookError


@dataclass(frozen=True)
class KeySet:
    zkey: Path
    vkey: Path
    verifier_sol: Path
    insecure: bool

    def vkey_json(self) -> dict[str, Any]:
        return json.loads(self.vkey.read_text())


def snarkjs_keys(
    circuit: CompiledCircuit, ptau_file: Path | None = None, *, progress: bool = False
) -> KeySet:
    """zkey with one contribution, its verification key and verifier; dev ceremony if no ptau."""
    needed = ptau.power_for(circuit.constraints)
    if ptau_file is None:
        source, insecure = ptau.dev_ptau(needed, progress=progress), True
    else:
        source, insecure = Path(ptau_file), False
        have = ptau.ptau_power(source)
        if have < needed:
            raise DarkbookError(
                f"{source} supports 2^{have} constraints but {circuit.name} needs 2^{needed}; "
                "use a larger powers-of-tau file"
            )
    key = cache.content_key(
        circuit.key, cache.file_digest(source), toolchain.tool_version("snarkjs")
    )
    found = cache.lookup("zkey", key)
    if found is None:
        if progress:
            print(f"groth16 setup of {circuit.name} ({circuit.constraints} constraints) ...")
        label = f"{circuit.name} snarkjs{' INSECURE' if insecure else ''}"
        with cache.building("zkey", key, label=label) as scratch:
            zkey = snarkjs_cli.groth16_setup(circuit.r1cs, source, scratch / "circuit.zkey")
            snarkjs_cli.export_vkey(zkey, scratch / "verification_key.json")
            snarkjs_cli.export_verifier(zkey, scratch / "Verifier.sol")
            (scratch / "insecure").write_text("1" if insecure else "0")
        found = cache.entry_path("zkey", key)
    return KeySet(
        zkey=found / "circuit.zkey",
        vkey=found / "verification_key.json",
        verifier_sol=found / "Verifier.sol",
        insecure=(found / "insecure").read_text() == "1",
    )
