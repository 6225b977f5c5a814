"""Read the settlement contract's queue in queue order: ``Deposited``,
``ForcedWithdrawalRequested`` and ``CancelRequested`` events (docs/CONVENTIONS.md, "Queue
entries"; ``prover.statement.queue`` for the word each kind hashes).

The batcher consumes the queue strictly in order, and the proof binds the queue's Poseidon
hash chain, so every event is checked against the chain recomputed locally before it is
handed on: a gap or a different hash stops the pipeline instead of sealing an unprovable batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web3.contract import Contract

from prover.model.ops import Cancel, Deposit, ForcedWithdrawal, QueueEntry
from prover.statement import queue
from prover.statement.deposits import key_accepted
from prover.statement.public_inputs import DEPOSIT_CHAIN_START, deposit_chain_step
from relayer.settlement.errors import SettlementError


@dataclass(frozen=True)
class QueuedDeposit:
    """One queue entry, chain[i+1] included. ``kind`` is ``queue.KIND_*``: a deposit
    (depositor, trading key, ``amount`` venue units), or a request of the key's owner on
    ``account_id``: a forced withdrawal of ``amount`` units or a cancel of order id
    ``amount`` (the word's low field)."""

    queue_index: int
    depositor: str
    ax: int
    ay: int
    amount: int
    chain_hash: int
    block_number: int
    kind: int = queue.KIND_DEPOSIT
    account_id: int = 0
    deadline: int = 0  # a request: the chain time by which a batch must serve it

    @property
    def is_request(self) -> bool:
        """A forced withdrawal or a cancel: nothing to credit, the batch serves it."""
        return self.kind != queue.KIND_DEPOSIT

    @property
    def is_exit_request(self) -> bool:  # the old name of is_request (callers outside settle)
        return self.is_request

    @property
    def is_forced_withdrawal(self) -> bool:
        return self.kind == queue.KIND_WITHDRAWAL

    @property
    def is_cancel(self) -> bool:
        return self.kind == queue.KIND_CANCEL

    @property
    def refunded_key(self) -> bool:
        """A deposit whose key no account may hold: every batch refunds it (issue 18 rule 7),
        so the relayer never credits it."""
        return not self.is_request and not key_accepted(self.ax, self.ay)

    @property
    def word(self) -> int:
        """The chain's last hash input (``prover.statement.queue``)."""
        if not self.is_request:
            return self.amount
        return queue.encode(self.kind, self.amount, self.account_id)

    def request(self) -> QueueEntry:
        """The model's operation for a request (a deposit needs the batcher's account id)."""
        if self.kind == queue.KIND_WITHDRAWAL:
            return ForcedWithdrawal(self.ax, self.ay, self.account_id, self.amount)
        if self.kind == queue.KIND_CANCEL:
            return Cancel(self.ax, self.ay, self.account_id, self.amount)
        raise SettlementError(f"queue entry {self.queue_index} is a deposit, not a request")

    def operation(self, account_id: int) -> QueueEntry:
        """The model's operation: a deposit credited to ``account_id``, or the request."""
        if self.is_request:
            return self.request()
        return Deposit(self.ax, self.ay, self.amount, account_id)


# event name -> (kind, the field holding the word's low part, who asked)
_EVENTS = {
    "Deposited": (queue.KIND_DEPOSIT, "amount", "depositor"),
    "ForcedWithdrawalRequested": (queue.KIND_WITHDRAWAL, "amount", "owner"),
    "CancelRequested": (queue.KIND_CANCEL, "orderId", "owner"),
}


def _entry(name: str, log: Any) -> tuple[int, QueuedDeposit]:
    kind, low, who = _EVENTS[name]
    a = log["args"]
    index = a["queueIndex"] if "queueIndex" in a else a["index"]
    entry = QueuedDeposit(
        index,
        a[who],
        a["ax"],
        a["ay"],
        a[low],
        a["chainHash"],
        log["blockNumber"],
        kind,
        a.get("accountId", 0),
        a.get("deadline", 0),
    )
    return index, entry


class DepositWatcher:
    """Yields each new queue entry once, in queue order, checked against the hash chain."""

    def __init__(self, settlement: Contract, from_block: int = 0) -> None:
        self.settlement = settlement
        self.next_block = from_block
        self.next_index = 0
        self.chain = DEPOSIT_CHAIN_START  # chain[next_index]
        names = {e.get("name") for e in settlement.abi if e.get("type") == "event"}
        self.events = [n for n in _EVENTS if n in names]  # a contract without requests: deposits

    def poll(self, confirmations: int = 1) -> list[QueuedDeposit]:
        """New entries in blocks at least ``confirmations`` deep (1: mined), in queue order."""
        w3 = self.settlement.w3
        head = w3.eth.block_number - (confirmations - 1)
        if head < self.next_block:
            return []
        entries = [
            _entry(name, log)
            for name in self.events
            for log in getattr(self.settlement.events, name)().get_logs(
                from_block=self.next_block, to_block=head
            )
        ]
        self.next_block = head + 1
        out = []
        for index, entry in sorted(entries, key=lambda x: x[0]):
            if index != self.next_index:
                raise SettlementError(f"queue gap: expected entry {self.next_index}, got {index}")
            chain = deposit_chain_step(self.chain, entry.ax, entry.ay, entry.word)
            if chain != entry.chain_hash:
                raise SettlementError(
                    f"queue entry {index}: chain hash {entry.chain_hash:#x} is not "
                    f"Poseidon(chain, Ax, Ay, word) = {chain:#x}"
                )
            out.append(entry)
            self.chain = chain
            self.next_index += 1
        return out
