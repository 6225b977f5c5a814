"""Read the settlement contract's deposit queue (``Deposited`` events) in queue order.

The batcher consumes the queue strictly in order, and the proof binds the queue's Poseidon
hash chain, so every event is checked against the chain recomputed locally before it is
handed on: a gap or a different hash stops the pipeline instead of sealing an unprovable batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from web3.contract import Contract

from prover.statement.deposits import key_accepted
from prover.statement.public_inputs import DEPOSIT_CHAIN_START, deposit_chain_step
from relayer.settlement.errors import SettlementError


@dataclass(frozen=True)
class QueuedDeposit:
    """One queue entry, chain[i+1] included: a ``Deposited`` event (depositor, trading key,
    amount) or an ``ExitRequested`` one (requester; ax = accountId, ay = requester, amount 0)."""

    @property
    def is_exit_request(self) -> bool:
        return self.amount == 0

    @property
    def refunded_key(self) -> bool:
        """A deposit whose key no account may hold: every batch refunds it (issue 18 rule 7),
        so the relayer never credits it."""
        return not self.is_exit_request and not key_accepted(self.ax, self.ay)

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
        self.chain = DEPOSIT_CHAIN_START  # chain[next_index]

    def poll(self, confirmations: int = 1) -> list[QueuedDeposit]:
        """New entries in blocks at least ``confirmations`` deep (1: mined), in queue order."""
        w3 = self.settlement.w3
        head = w3.eth.block_number - (confirmations - 1)
        if head < self.next_block:
            return []
        events = self.settlement.events
        logs = events.Deposited().get_logs(from_block=self.next_block, to_block=head)
        exits = events.ExitRequested().get_logs(from_block=self.next_block, to_block=head)
        self.next_block = head + 1
        entries = [
            (a["queueIndex"], a["depositor"], a["ax"], a["ay"], a["amount"], a["chainHash"], e)
            for e in logs
            for a in [e["args"]]
        ]
        entries += [  # a forced-exit request: (accountId, requester, 0) in the same queue
            (
                a["queueIndex"],
                a["requester"],
                a["accountId"],
                int(a["requester"], 16),
                0,
                a["chainHash"],
                e,
            )
            for e in exits
            for a in [e["args"]]
        ]
        out = []
        for index, who, ax, ay, amount, chain_hash, log in sorted(entries, key=lambda x: x[0]):
            if index != self.next_index:
                raise SettlementError(
                    f"deposit queue gap: expected entry {self.next_index}, got {index}"
                )
            chain = deposit_chain_step(self.chain, ax, ay, amount)
            if chain != chain_hash:
                raise SettlementError(
                    f"queue entry {index}: chain hash {chain_hash:#x} is not "
                    f"Poseidon(chain, a, b, amount) = {chain:#x}"
                )
            out.append(QueuedDeposit(index, who, ax, ay, amount, chain, log["blockNumber"]))
            self.chain = chain
            self.next_index += 1
        return out
