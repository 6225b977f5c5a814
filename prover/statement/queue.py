"""The on-chain queue's entries: one FIFO, one Poseidon chain, three kinds told by the word.

``chain[i+1] = Poseidon([chain[i], Ax, Ay, word])`` (``public_inputs.deposit_chain_step``):

* deposit:            ``word = units``, ``1 <= units < 2^64``
* forced withdrawal:  ``word = amount + 2^128 * accountId + 2^192 * 1`` (issue 19); amount
  ``1 .. 2^64 - 1``, ``EVERYTHING`` (2^64 - 1) asks for all that margin leaves free
* cancel:             ``word = orderId + 2^128 * accountId + 2^192 * 2`` (issue 18 rule 5);
  kills the account's orders in slot ``orderId mod 2^OD`` whose id is ``<= orderId``

Bits 64..127 are zero, ``accountId < 2^64``. ``circuits/queue-word.circom`` reads a word the
same way; :func:`decode` is the one reading in Python (the contract writes the words).
"""

from __future__ import annotations

from dataclasses import dataclass

from prover.statement.errors import StatementError

KIND_DEPOSIT, KIND_WITHDRAWAL, KIND_CANCEL = 0, 1, 2
KINDS = {KIND_DEPOSIT: "deposit", KIND_WITHDRAWAL: "withdrawal", KIND_CANCEL: "cancel"}
U64 = 1 << 64
EVERYTHING = U64 - 1  # a forced withdrawal of everything free
CANCELLED = U64 - 1  # the filled quantity a cancel writes: no order can fill past it
_ACCOUNT_SHIFT, _KIND_SHIFT = 128, 192


@dataclass(frozen=True)
class QueueWord:
    """A decoded word: ``low`` is the deposit's units, the withdrawal's amount or the cancel's
    order id; ``account`` the request's account (0 for a deposit)."""

    kind: int
    low: int
    account: int = 0

    @property
    def name(self) -> str:
        return KINDS[self.kind]

    @property
    def is_request(self) -> bool:
        return self.kind != KIND_DEPOSIT

    def encode(self) -> int:
        return encode(self.kind, self.low, self.account)


def encode(kind: int, low: int, account: int = 0) -> int:
    """The word of an entry; raises StatementError on a field out of its range."""
    if kind not in KINDS:
        raise StatementError(f"queue entry kind {kind} is none of {sorted(KINDS)}")
    if not 0 <= low < U64 or not 0 <= account < U64:
        raise StatementError(f"queue entry fields ({low}, {account}) are not 64-bit")
    if kind == KIND_DEPOSIT and account:
        raise StatementError("a deposit's word carries no account id")
    return low + (account << _ACCOUNT_SHIFT) + (kind << _KIND_SHIFT)


def deposit_word(units: int) -> int:
    return encode(KIND_DEPOSIT, units)


def withdrawal_word(account_id: int, amount: int) -> int:
    return encode(KIND_WITHDRAWAL, amount, account_id)


def cancel_word(account_id: int, order_id: int) -> int:
    return encode(KIND_CANCEL, order_id, account_id)


def decode(word: int) -> QueueWord:
    """The one reading of a word (the circuit's QueueWord); raises StatementError for a word
    no contract writes (bits 64..127 set, kind 3, a deposit above 2^64)."""
    if not 0 <= word < 1 << 194:
        raise StatementError(f"queue word {word:#x} is not below 2^194")
    low, middle = word % U64, (word >> 64) % U64
    account, kind = (word >> _ACCOUNT_SHIFT) % U64, word >> _KIND_SHIFT
    if middle or kind not in KINDS or (kind == KIND_DEPOSIT and account):
        raise StatementError(f"queue word {word:#x} has no reading")
    return QueueWord(kind, low, account)
