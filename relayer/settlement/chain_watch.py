"""Read the settlement contract's deposit queue (``Deposited`` events) in queue order.

The batcher consumes the queue strictly in order, and the proof binds the queue's Poseidon
hash chain, so every event is checked against the chain recomputed locally before it is
handed on: a gap or a different hash stops the pipeline instead of sealing an unprovable batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from web3.contract import Contract

from prover.poseidon import poseidon
from relayer.settlement.errors import SettlementError


@dataclass(frozen=True)
class QueuedDeposit:
    """One ``Deposited`` event: queue position, depositor, trading key, amount, chain[i+1]."""

    queue_index: int
    depositor: str
    ax: int
    ay: int
    amount: int
    chain_hash: int
    block_number: int


class DepositWatcher:
    """Yields each new deposit once, in queue order, checked against the hash chain."""

    def __init__(self, settlement: Contract, from_block: int = 0) -> None:
        self.settlement = settlement
        self.next_block = from_block
        self.next_index = 0
        self.chain = 0  # chain[next_index]

    def poll(self) -> list[QueuedDeposit]:
        w3 = self.settlement.w3
        head = w3.eth.block_number
        if head < self.next_block:
            return []
        logs = self.settlement.events.Deposited().get_logs(
            from_block=self.next_block, to_block=head
        )
        self.next_block = head + 1
        out = []
        for log in sorted(logs, key=lambda e: e["args"]["queueIndex"]):
            a = log["args"]
            if a["queueIndex"] != self.next_index:
                raise SettlementError(
                    f"deposit queue gap: expected entry {self.next_index}, got {a['queueIndex']}"
                )
            chain = poseidon([self.chain, a["ax"], a["ay"], a["amount"]])
            if chain != a["chainHash"]:
                raise SettlementError(
                    f"deposit {a['queueIndex']}: chain hash {a['chainHash']:#x} is not "
                    f"Poseidon(chain, ax, ay, amount) = {chain:#x}"
                )
            out.append(
                QueuedDeposit(
                    a["queueIndex"],
                    a["depositor"],
                    a["ax"],
                    a["ay"],
                    a["amount"],
                    chain,
                    log["blockNumber"],
                )
            )
            self.chain = chain
            self.next_index += 1
        return out
