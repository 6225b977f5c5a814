"""The batch proof's public inputs: their order, the withdrawal value and the deposit-chain step.

Order (docs/CONVENTIONS.md, "Batch public inputs"; the contract reads them by index):

    oldRoot, newRoot, marketHash, batchTimestamp, depositChainOld, depositChainNew,
    withdrawal[W], dataBinding

``batchTimestamp`` carries ``time + 2^64 * fees + 2^128 * refunds + 2^160 * forcedPaid``:
``fees`` (unsigned 64-bit)
is what the batch's trades paid in fees, which leave the account tree and the contract adds to
``feesAccrued`` (issue 18 rule 1: nothing of account 0's is withdrawable, only earned fees are);
bit i of ``refunds`` says deposit slot i (queue entry ``processed + i``) was refunded, not
credited, and the contract pays it back to its depositor (issue 18 rule 7,
``prover.statement.deposits``; 32 bits, D <= 32); ``forcedPaid`` (unsigned 64-bit) is what the
batch's one forced withdrawal paid, in venue units (issue 19, ``prover.statement.queue``);
``stamp`` / ``unstamp`` convert.
W, the withdrawal slots, is the one variable part, so a list of 7 + W values has one reading.
``dataBinding = alpha + 2^128 (F mod 2^125)`` binds the batch's data blob (DA_SPEC sec. 5,
``prover.statement.data_blob``): the contract derives alpha (128 bits) and the fingerprint F
from the blob and newRoot, the circuit recomputes F from what the batch wrote and checks its
low 125 bits (:func:`data_binding`). One input, not two: each costs ~6k gas to verify.
A withdrawal slot carries ``amount << 160 | ethAddress`` (0 = empty); the contract splits it
back to pay the claim. The queue is a Poseidon hash chain the contract extends on every
deposit, forced withdrawal and cancel request (``prover.statement.queue`` for the word); the
batch proves it advanced the chain from ``depositChainOld`` to ``depositChainNew``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from prover.crypto.poseidon import poseidon
from prover.statement import data_blob
from prover.statement.errors import StatementError

# The circuit's public signal names, in order (``CircuitConfig.main_source`` declares these).
SIGNALS = (
    "oldRoot",
    "newRoot",
    "marketHash",
    "batchTimestamp",
    "depositChainOld",
    "depositChainNew",
    "withdrawal",
    "dataBinding",
)
_FIXED = len(SIGNALS) - 1  # every signal but withdrawal[W] is one value
_HEAD = SIGNALS.index("withdrawal")  # values before the withdrawal slots


def data_binding(data: bytes, new_root: int) -> int:
    """``dataBinding`` of blob ``data`` for a batch ending at ``new_root`` (``data_blob.binding``:
    alpha + 2^128 (F mod 2^125); the contract computes the same)."""
    return data_blob.binding(data, new_root)


DEPOSIT_CHAIN_START = 0  # chain[0]: the contract's empty queue


def deposit_chain_step(chain: int, ax: int, ay: int, word: int) -> int:
    """chain[i+1] = Poseidon([chain[i], Ax, Ay, word]); a deposit's word is its units, a
    request's is ``prover.statement.queue.encode`` of its kind and fields."""
    return poseidon([chain, ax, ay, word])


_U64_MASK = (1 << 64) - 1
_U32_MASK = (1 << 32) - 1


def stamp(timestamp: int, refunds: int, fees: int = 0, forced_paid: int = 0) -> int:
    """The ``batchTimestamp`` public input: ``timestamp + 2^64 * fees + 2^128 * refunds +
    2^160 * forced_paid`` (refunds: a bitmask over the queue slots). Not range-checked: the
    model's negative tests stamp out-of-range values on purpose."""
    return timestamp + (fees << 64) + (refunds << 128) + (forced_paid << 160)


def unstamp(value: int) -> tuple[int, int]:
    """(timestamp, refunds) of a ``batchTimestamp`` public input."""
    return value & _U64_MASK, (value >> 128) & _U32_MASK


def stamped_forced_paid(value: int) -> int:
    """What the batch's forced withdrawal paid, in venue units (bits 160..223)."""
    return (value >> 160) & _U64_MASK


def stamped_fees(value: int) -> int:
    """The batch's fee total carried by a ``batchTimestamp`` public input (bits 64..127)."""
    return (value >> 64) & _U64_MASK


def withdrawal_value(amount: int, eth_address: int) -> int:
    """One withdrawal slot's public value: ``amount << 160 | ethAddress``."""
    return (amount << 160) | eth_address


def withdrawal_slots(values: Sequence[int], slots: int) -> tuple[int, ...]:
    """The withdrawal values padded with empty slots (0) to ``slots``. More values than slots
    are kept, not cut: the model's non-strict mode builds such an over-full batch on purpose
    (the circuit must refuse it)."""
    return (*values, *([0] * (slots - len(values))))


@dataclass(frozen=True)
class PublicInputs:
    """The batch's public inputs by name; ``to_list`` is the order the proof and contract use."""

    old_root: int
    new_root: int
    market_hash: int
    batch_timestamp: int
    deposit_chain_old: int
    deposit_chain_new: int
    withdrawals: tuple[int, ...]  # W slots, each withdrawal_value(...) or 0
    data_binding: int  # alpha + 2^128 (F mod 2^125), data_blob.binding
    refunds: int = 0  # bitmask over the deposit slots: bit i = slot i refunded
    fees: int = 0  # the trades' fees, leaving the tree for the contract's feesAccrued
    forced_paid: int = 0  # venue units the batch's one forced withdrawal paid

    def to_list(self) -> list[int]:
        return [
            self.old_root,
            self.new_root,
            self.market_hash,
            stamp(self.batch_timestamp, self.refunds, self.fees, self.forced_paid),
            self.deposit_chain_old,
            self.deposit_chain_new,
            *self.withdrawals,
            self.data_binding,
        ]

    def signals(self) -> dict[str, int | list[int]]:
        """The circuit's input object for the public signals (``withdrawal`` is an array)."""
        values = [
            *self.to_list()[:_HEAD],
            list(self.withdrawals),
            self.data_binding,
        ]
        return dict(zip(SIGNALS, values, strict=True))

    @classmethod
    def from_list(cls, values: Sequence[int], withdrawal_slots: int | None = None) -> PublicInputs:
        """Read 7 + W values in order; with ``withdrawal_slots`` (a config's W) the length is
        checked against it."""
        w = len(values) - _FIXED
        if w < 0 or (withdrawal_slots is not None and w != withdrawal_slots):
            want = "7 + W" if withdrawal_slots is None else str(_FIXED + withdrawal_slots)
            raise StatementError(f"a batch has {want} public inputs, got {len(values)}")
        v = [int(x) for x in values]
        timestamp, refunds = unstamp(v[3])
        return cls(
            old_root=v[0],
            new_root=v[1],
            market_hash=v[2],
            batch_timestamp=timestamp,
            deposit_chain_old=v[4],
            deposit_chain_new=v[5],
            withdrawals=tuple(v[_HEAD : _HEAD + w]),
            data_binding=v[_HEAD + w],
            refunds=refunds,
            fees=stamped_fees(v[3]),
            forced_paid=stamped_forced_paid(v[3]),
        )
