"""Queue requests in the reference model: forced withdrawals (issue 19) and cancels (issue 18
rule 5), exactly as circuits/queue-slot.circom applies them.

A request names its account in its word; the leaf there is always shown (a request naming an
id beyond the tree shows none). It applies only when that leaf holds the requester's key: a
forced withdrawal then pays ``min(amount, free)`` (``prover.statement.margin.free_collateral``;
never account 0, whose holdings are owed to others), a cancel writes ``(orderId, 2^64 - 1)``
into the order slot when it holds an id ``<= orderId``. Otherwise the entry is consumed with a
proven no-op. A request that applies writes its leaf (count + 1, DA_SPEC sec. 2) even when
it changes nothing else: a forced withdrawal of an account holding the key (not account 0),
paying 0 included; a cancel that kills its slot. The operator cannot skip either: the rules
``forced_paid`` and ``cancel_skipped`` name the cheats tests ask for (``ForcedWithdrawal.pay``,
``Cancel.skip``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prover.model.inputs import Record, account_fields, dummy_deposit
from prover.model.ops import Cancel, ForcedWithdrawal
from prover.model.state import Account
from prover.statement.accounts import OPERATOR_ACCOUNT
from prover.statement.errors import StatementError
from prover.statement.margin import free_collateral
from prover.statement.queue import CANCELLED

if TYPE_CHECKING:
    from prover.model.apply import _Ctx


def _leaf(ctx: _Ctx, entry: ForcedWithdrawal | Cancel) -> tuple[Record, Account | None]:
    """The slot record showing the named leaf, and its account if it holds the entry's key."""
    base: Record = {
        **dummy_deposit(ctx.cfg),
        "enabled": 1,
        "Ax": entry.ax,
        "Ay": entry.ay,
        "word": entry.word,
    }
    aid = entry.account_id
    if aid >= ctx.cfg.account_capacity:  # names no leaf: consumed, nothing shown
        return base, None
    acct = ctx.st.get(aid)
    shown = acct if acct is not None else Account.new(0, 0, ctx.cfg)
    rec: Record = {
        **base,
        **account_fields(shown, ctx.st.proof(aid)),
        "Ax": entry.ax,
        "Ay": entry.ay,
        "lAx": shown.ax,
        "lAy": shown.ay,
        "account": aid,
        "isNew": int(acct is None),
    }
    holds = acct is not None and (acct.ax, acct.ay) == (entry.ax, entry.ay)
    return rec, acct if holds else None


def forced_withdrawal(ctx: _Ctx, entry: ForcedWithdrawal) -> tuple[Record, int]:
    """The slot's record and what it pays (venue units)."""
    rec, acct = _leaf(ctx, entry)
    pays = acct is not None and entry.account_id != OPERATOR_ACCOUNT
    paid = 0
    if pays and acct is not None:
        try:
            free, binding = free_collateral(acct.collateral, acct.positions, ctx.im)
        except StatementError as exc:  # an unpriced position: the circuit cannot serve it
            ctx.check(False, "margin", f"forced withdrawal of account {entry.account_id}: {exc}")
            free, binding = 0, 0
        rec["minSel"] = [int(i == binding) for i in range(ctx.cfg.scenarios + 1)]
        paid = min(entry.amount, free)
    if entry.pay is not None:
        ctx.check(
            entry.pay == paid,
            "forced_paid",
            f"account {entry.account_id}: pays {entry.pay}, margin allows {paid}",
        )
        paid = entry.pay
    if acct is not None and (pays or paid):  # served: a write even when it pays 0
        acct.collateral -= paid
        ctx.write(entry.account_id, acct)
    return rec, paid


def cancel(ctx: _Ctx, entry: Cancel) -> Record:
    """The slot's record; the order slot is killed when it holds an id <= the cancel's."""
    rec, acct = _leaf(ctx, entry)
    if acct is None:
        return rec
    slot_id, slot_filled = acct.read_slot(entry.order_id)
    rec["slotId"], rec["slotFilled"] = slot_id, slot_filled
    rec["slotPath"] = acct.slot_proof(entry.order_id).circuit_siblings
    if slot_id > entry.order_id:  # a newer order holds the slot: it stays
        return rec
    ctx.check(not entry.skip, "cancel_skipped", f"account {entry.account_id} {entry.order_id}")
    if not entry.skip:
        acct.write_slot(entry.order_id, CANCELLED)
        ctx.write(entry.account_id, acct)
    return rec
