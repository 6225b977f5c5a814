"""Build and send an owner's exit from its recovered state (prover.proving.exit_proof)."""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from prover.crypto.eddsa import PrivateKey
from prover.proving.exit_proof import ExitProof, prove_exit
from prover.statement.config import CircuitConfig
from prover.statement.exit_inputs import ExitLeaf, exit_amount
from prover.statement.market import MarketTable
from recovery.chain_data import settlement
from recovery.errors import RecoveryError
from recovery.rebuild import Recovered


@dataclass(frozen=True)
class ExitResult:
    account_id: int
    proven: int  # venue units the proof pays
    paid: int  # tokens credited to ``to`` (after claim)
    tx_hash: str


def exit_leaf(rec: Recovered, key: PrivateKey) -> ExitLeaf:
    """The recovered leaf with the owner's key: its enc and count as decrypted (the exit proof
    hashes them into the leaf, which must be the tree's)."""
    return ExitLeaf.from_plain(key.public_key(), rec.leaf)


def build_exit(
    config: CircuitConfig, rec: Recovered, table: MarketTable, key: PrivateKey, to: str
) -> ExitProof:
    """The exit proof of the recovered leaf, paying ``to`` at ``table`` (the exit table)."""
    return prove_exit(config, exit_leaf(rec, key), rec.path, table, key, to)


def proven_amount(rec: Recovered, table: MarketTable) -> int:
    return exit_amount(rec.leaf.collateral, rec.leaf.positions, table)


def send_exit(w3: Web3, address: str, proof: ExitProof, sender: str) -> str:
    """``Settlement.exit`` from ``sender``; raises :class:`RecoveryError` when it reverts."""
    s = settlement(w3, address)
    tx = s.functions.exit(proof.proof_words, proof.public_inputs).transact({"from": sender})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    if receipt["status"] != 1:
        raise RecoveryError(f"exit of account {proof.public_inputs[2]} reverted")
    return "0x" + bytes(tx).hex()


def claim(w3: Web3, address: str, sender: str) -> int:
    """``Settlement.claim()`` from ``sender``: the tokens it was owed (0 when none)."""
    s = settlement(w3, address)
    owed = int(s.functions.claimable(sender).call())
    if owed:
        receipt = w3.eth.wait_for_transaction_receipt(
            s.functions.claim().transact({"from": sender})
        )
        if receipt["status"] != 1:
            raise RecoveryError(f"claim() from {sender} reverted")
    return owed
