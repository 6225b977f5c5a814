"""Real Groth16 proofs from the stand-in circuits (batch and exit) for contract tests.

The stand-ins (circuits/ beside this file) have the real public-input layouts but prove
nothing about trading; they let Settlement be tested against real proofs and the real
snarkjs verifier before circuits/batch.circom exists. Proofs are memoised by their inputs.
"""

from __future__ import annotations

import functools
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prover.build import cache, snarkjs_cli
from prover.build.circom import CompiledCircuit, compile_circuit
from prover.build.toolchain import circomlib_circuits
from prover.crypto.poseidon import poseidon
from prover.proving import snarkjs_setup, witness
from prover.proving.snarkjs_setup import KeySet
from prover.statement import data_blob
from prover.statement.proof import words_from_snarkjs
from prover.statement.public_inputs import PublicInputs, withdrawal_slots, withdrawal_value

CIRCUITS = Path(__file__).parent / "circuits"
W = 2  # withdrawal slots of batch_standin.circom

Proof = list[int]  # 8 words in calldata order (prover.statement.proof)


@dataclass(frozen=True)
class StandIn:
    circuit: CompiledCircuit
    keys: KeySet

    @property
    def verifier_sol(self) -> str:
        return self.keys.verifier_sol.read_text()


@functools.cache
def standin(name: str) -> StandIn:
    circuit = compile_circuit(CIRCUITS / f"{name}.circom", [circomlib_circuits()])
    return StandIn(circuit, snarkjs_setup.snarkjs_keys(circuit))


def prove(name: str, inputs: dict[str, Any]) -> tuple[Proof, list[int]]:
    """(proof, public inputs) for the stand-in `name`, memoised by the inputs."""
    return _prove(name, json.dumps(inputs, sort_keys=True))


@functools.cache
def _prove(name: str, inputs_json: str) -> tuple[Proof, list[int]]:
    """Memoised in-process and on disk, keyed by the verification key (a rebuilt zkey has a
    new random contribution, so old proofs are never reused against it) and the inputs."""
    s = standin(name)
    key = cache.content_key("standin-proof", cache.file_digest(s.keys.vkey), inputs_json)
    found = cache.lookup("standin-proof", key)
    if found is None:
        with cache.building("standin-proof", key, f"{name} proof") as scratch:
            (scratch / "calldata.json").write_text(json.dumps(_snarkjs_prove(s, inputs_json)))
        found = cache.entry_path("standin-proof", key)
    proof, public = json.loads((found / "calldata.json").read_text())
    return proof, public


def _snarkjs_prove(s: StandIn, inputs_json: str) -> tuple[Proof, list[int]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        wtns = witness.calculate(s.circuit, json.loads(inputs_json), out / "w.wtns")
        proof, public = snarkjs_cli.prove(
            s.keys.zkey, wtns, out / "proof.json", out / "public.json"
        )
    return words_from_snarkjs(proof), [int(x) for x in public]


def withdrawal(amount: int, address: str) -> int:
    """One withdrawal public input for a hex address."""
    return withdrawal_value(amount, int(address, 16))


def batch_inputs(
    *,
    old_root: int,
    secret: int,
    market_hash: int,
    timestamp: int,
    chain_old: int,
    chain_new: int,
    withdrawals: list[int],
    data: bytes,
    refunds: int = 0,
    forced_paid: int = 0,
) -> dict[str, Any]:
    """Witness inputs of batch_standin: newRoot = Poseidon(oldRoot, secret); dataBinding
    of ``data`` as the contract derives it (``data_blob.binding`` over the blob and newRoot);
    ``refunds`` (the
    queue-refund bitmask, bits 128..159) and ``forced_paid`` (what the batch's forced withdrawal
    paid, bits 160..223) ride in the batchTimestamp input."""
    new_root = poseidon([old_root, secret])
    public = PublicInputs(
        old_root=old_root,
        new_root=new_root,
        market_hash=market_hash,
        batch_timestamp=timestamp,
        deposit_chain_old=chain_old,
        deposit_chain_new=chain_new,
        withdrawals=withdrawal_slots(withdrawals, W),
        data_binding=data_blob.binding(data, new_root),
        refunds=refunds,
        forced_paid=forced_paid,
    )
    return {**public.signals(), "secret": secret}


def exit_inputs(*, root: int, market_hash: int, account_id: int, payout: int) -> dict[str, Any]:
    return {
        "root": root,
        "marketHash": market_hash,
        "accountId": account_id,
        "payout": payout,
        "secret": 7,
    }
