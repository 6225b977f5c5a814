"""End-to-end smoke flow through the real tools: compile, set up, prove, verify."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from prover.build import snarkjs_cli, solidity
from prover.build.anvil import deploy, local_chain
from prover.build.circom import compile_circuit
from prover.build.toolchain import repo_root
from prover.proving import snarkjs_setup, witness

SMOKE_INPUT = {"a": 3, "b": 11, "product": 33}


@dataclass(frozen=True)
class SmokeReport:
    constraints: int
    offchain_ok: bool
    onchain_ok: bool
    onchain_tampered_rejected: bool
    public_signals: list[str]

    @property
    def passed(self) -> bool:
        return self.offchain_ok and self.onchain_ok and self.onchain_tampered_rejected


def run_smoke(*, progress: bool = False, say=print) -> SmokeReport:
    circuit = compile_circuit(repo_root() / "circuits" / "smoke.circom", progress=progress)
    say(f"compiled smoke.circom: {circuit.constraints} constraints (cache {circuit.key})")
    keyset = snarkjs_setup.snarkjs_keys(circuit, progress=progress)
    say(f"groth16 keys ready{' (INSECURE development ceremony)' if keyset.insecure else ''}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        wtns = witness.calculate(circuit, SMOKE_INPUT, out / "w.wtns")
        _, public = snarkjs_cli.prove(keyset.zkey, wtns, out / "proof.json", out / "public.json")
        offchain = snarkjs_cli.verify(keyset.vkey, out / "public.json", out / "proof.json")
        say(f"snarkjs proof verified off-chain: {offchain} (public signals {public})")
        a, b, c, inputs = snarkjs_cli.solidity_calldata(out / "proof.json", out / "public.json")
    art = solidity.compile_sources({"Verifier.sol": keyset.verifier_sol.read_text()})
    verifier = art["Groth16Verifier"]
    with local_chain() as chain:
        contract = deploy(chain.w3, verifier.abi, verifier.bytecode)
        say(f"verifier deployed on anvil at {contract.address}")
        ok = contract.functions.verifyProof(a, b, c, inputs).call()
        tampered = [inputs[0], inputs[1] + 1]
        bad = contract.functions.verifyProof(a, b, c, tampered).call()
        say(f"verifyProof(proof) = {ok}; with public input changed = {bad}")
    return SmokeReport(circuit.constraints, offchain, ok, not bad, public)
