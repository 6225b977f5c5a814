"""An exit proof's statement: the amount owed, the public inputs and the circuit's inputs.

In exit mode the owner of account ``accountId`` proves its leaf is in the last root and is paid
``max(0, collateral + sum qty * mark)`` at the exit market table (``exit_amount``, the rule
``circuits/exit-equity.circom`` enforces) at the address its key signed
(``encoding.exit_hash``). ``exit_inputs`` builds what ``circuits/exit.circom`` takes; every
check the circuit would fail is made here first, with an error naming what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prover.crypto.eddsa import Signature
from prover.crypto.eddsa import verify as eddsa_verify
from prover.crypto.field import P
from prover.crypto.merkle import MerkleProof
from prover.statement import encoding
from prover.statement.accounts import OPERATOR_ACCOUNT
from prover.statement.config import CircuitConfig
from prover.statement.data_blob import LeafPlain
from prover.statement.errors import StatementError, UnknownSeriesError
from prover.statement.market import MarketTable, padded
from prover.statement.public_inputs import withdrawal_value

AMOUNT_BITS = 93  # ExitPayout: amount << 160 | to stays below p


class ExitStatementError(StatementError):
    """An exit that could not be proven (names what is wrong and what to do)."""


@dataclass(frozen=True)
class ExitLeaf:
    """An account leaf's contents (docs/CONVENTIONS.md, "Account leaf"): exactly P positions,
    then the leaf's ECDH ``enc`` and write ``count`` (DA_SPEC sec. 1), as the owner decrypts them
    from the last batch's blob (:meth:`from_plain`)."""

    ax: int
    ay: int
    collateral: int
    orders_root: int
    positions: tuple[tuple[int, int], ...]  # (series id, signed qty); (0, 0) = empty
    enc: int
    count: int

    @classmethod
    def from_plain(cls, key: tuple[int, int], plain: LeafPlain) -> ExitLeaf:
        """The leaf of ``key`` from what its owner decrypted (``data_blob.decrypt_own``)."""
        return cls(
            key[0],
            key[1],
            plain.collateral,
            plain.orders_root,
            tuple(plain.positions),
            plain.enc,
            plain.count,
        )

    @property
    def key(self) -> tuple[int, int]:
        """The owner's Baby Jubjub public key (Ax, Ay)."""
        return (self.ax, self.ay)

    def hash(self) -> int:
        return encoding.account_leaf(
            self.ax,
            self.ay,
            self.collateral,
            self.orders_root,
            list(self.positions),
            self.enc,
            self.count,
        )


@dataclass(frozen=True)
class ExitPublic:
    """The exit proof's public inputs: root, marketHash, accountId, amount << 160 | to."""

    root: int
    market_hash: int
    account_id: int
    amount: int  # venue units
    to: int  # 160-bit address

    @property
    def payout(self) -> int:
        return withdrawal_value(self.amount, self.to)

    def to_list(self) -> list[int]:
        return [self.root, self.market_hash, self.account_id, self.payout]


def exit_amount(collateral: int, positions: Sequence[tuple[int, int]], table: MarketTable) -> int:
    """``max(0, collateral + sum qty * mark)``; a held series missing from the table raises."""
    marks = table.marks()
    equity = collateral
    for series, qty in positions:
        if qty == 0:
            continue
        if series not in marks:
            raise UnknownSeriesError(
                f"position in series {series} is not in the exit market table "
                f"(epoch {table.epoch}): no exit proof can value it"
            )
        equity += qty * marks[series]
    return max(0, equity)


def _check_leaf(config: CircuitConfig, leaf: ExitLeaf, path: MerkleProof) -> None:
    if len(leaf.positions) != config.positions:
        raise ExitStatementError(
            f"the leaf has {len(leaf.positions)} position slots, config {config.name!r} has "
            f"{config.positions}: pad with (0, 0)"
        )
    if path.arity != 4 or path.depth != config.account_depth:
        raise ExitStatementError(
            f"the Merkle path is {path.arity}-ary of depth {path.depth}; the account tree is "
            f"4-ary of depth {config.account_depth}"
        )
    if path.leaf != leaf.hash():
        raise ExitStatementError(
            f"the Merkle path of account {path.index} is for another leaf than the one given: "
            "rebuild the leaf and its path from the same batch"
        )


def exit_inputs(
    config: CircuitConfig,
    leaf: ExitLeaf,
    path: MerkleProof,
    table: MarketTable,
    signature: Signature,
    to: int | str | bytes,
) -> tuple[dict[str, Any], ExitPublic]:
    """Inputs of ``Exit`` and its public inputs for account ``path.index`` exiting to ``to``.

    ``path`` is the leaf's proof in the root being exited against (its root is the public
    root); ``signature`` is the leaf key's over ``exit_hash(config.domain, accountId, to)``."""
    _check_leaf(config, leaf, path)
    if path.index == OPERATOR_ACCOUNT:
        raise ExitStatementError(
            "account 0 is the operator's and never exits (it holds what is owed to others)"
        )
    to_int = encoding.address_to_int(to)
    msg = encoding.exit_hash(config.domain, path.index, to_int)
    if not eddsa_verify((leaf.ax, leaf.ay), msg, signature):
        raise ExitStatementError(
            f"the signature is not the account {path.index} key's over its exit to "
            f"0x{to_int:040x}: sign exit_hash with the leaf's key"
        )
    amount = exit_amount(leaf.collateral, leaf.positions, table)
    if amount >= 1 << AMOUNT_BITS:
        raise ExitStatementError(f"equity {amount} does not fit the payout word (2^93)")
    public = ExitPublic(
        path.root(), table.hash(config.series, config.scenarios), path.index, amount, to_int
    )
    rows = padded(table.rows, config.series, config.scenarios)
    inputs: dict[str, Any] = {
        "root": public.root,
        "marketHash": public.market_hash,
        "accountId": public.account_id,
        "payout": public.payout,
        "Ax": leaf.ax,
        "Ay": leaf.ay,
        "collateral": leaf.collateral,
        "ordersRoot": leaf.orders_root,
        "posSeries": [s for s, _ in leaf.positions],
        "posQty": [q % P for _, q in leaf.positions],
        "enc": leaf.enc % P,
        "count": leaf.count,
        "accPath": path.circuit_siblings,
        "to": to_int,
        "R8x": signature.r8x,
        "R8y": signature.r8y,
        "S8": signature.s,
        "mkEpoch": table.epoch % P,
        "mkIds": [r.series_id for r in rows],
        "mkStatus": [r.status for r in rows],
        "mkMark": [r.mark % P for r in rows],
        "mkSettle": [r.settlement % P for r in rows],
        "mkVim": [[v % P for v in r.v_im] for r in rows],
        "mkVmm": [[v % P for v in r.v_mm] for r in rows],
        "mkExpiry": [r.expiry % P for r in rows],
        "mkDelta": [r.delta % P for r in rows],
    }
    return inputs, public
