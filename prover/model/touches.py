"""Cover touches in the reference model (DA_SPEC sec. 2): where they go and how they apply.

A touch rewrites an existing account's leaf with ``count`` + 1 and nothing else changed, from
a slot the batch leaves empty. The touch-capable slots, in circuit order, are each account slot
the fills leave unused, each empty settlement slot and each empty withdrawal slot;
``Batch.touches`` fill them in that order (:func:`free_touch_slots`). A touch applies at its
slot's place in the circuit order (after the fills' account writes for an account slot, after
the settlements for a settlement slot, after the withdrawals for a withdrawal slot), so its
record shows the leaf and Merkle path the circuit sees there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from prover.model.errors import Rejected
from prover.model.inputs import Record, account_fields
from prover.model.ops import Batch, Touch
from prover.statement.config import CircuitConfig

if TYPE_CHECKING:
    from prover.model.apply import _Ctx

Kind = Literal["account", "settlement", "withdrawal"]
TouchSlot = tuple[Kind, int]  # (slot kind, slot index)
KINDS: tuple[Kind, ...] = ("account", "settlement", "withdrawal")


def free_touch_slots(batch: Batch, config: CircuitConfig) -> list[TouchSlot]:
    """The batch's empty touch-capable slots in circuit order: how many touches it can take,
    and where its ``touches`` go, in order."""
    used = len(fill_accounts(batch))
    out: list[TouchSlot] = [("account", a) for a in range(used, config.accounts)]
    out += [("settlement", i) for i in range(len(batch.settlements), config.settlements)]
    out += [("withdrawal", i) for i in range(len(batch.withdrawals), config.withdrawals)]
    return out


def fill_accounts(batch: Batch) -> list[int]:
    """The accounts the batch's fills touch, in order of first touch (buyer, then seller):
    its account slots, in order."""
    seen: dict[int, None] = {}
    for t in batch.trades:
        seen.setdefault(t.buy.order.account_id)
        seen.setdefault(t.sell.order.account_id)
    return list(seen)


def placed(batch: Batch, config: CircuitConfig) -> dict[Kind, list[tuple[TouchSlot, Touch]]]:
    """``batch.touches`` by the slot kind they land in (the excess is the caller's to refuse)."""
    out: dict[Kind, list[tuple[TouchSlot, Touch]]] = {k: [] for k in KINDS}
    for slot, touch in zip(free_touch_slots(batch, config), batch.touches, strict=False):
        out[slot[0]].append((slot, touch))
    return out


def apply_touch(ctx: _Ctx, slot: TouchSlot, touch: Touch) -> Record:
    """Rewrite the touched leaf (count + 1) and return its record: the slot it sits in and the
    leaf with its path just before the write. Raises :class:`Rejected` (rule ``touch``) for an
    id that names no existing account: a touch never creates a leaf."""
    aid = touch.account_id
    acct = ctx.st.get(aid) if 0 <= aid < ctx.cfg.account_capacity else None
    if acct is None:
        raise Rejected(
            "touch",
            f"touch of account {aid}: no account there (touch only existing accounts the "
            "batch does not otherwise write)",
        )
    kind, index = slot
    rec: Record = {
        "kind": kind,
        "slot": index,
        "account": aid,
        **account_fields(acct, ctx.st.proof(aid)),
    }
    ctx.write(aid, acct)
    return rec


def apply_kind(ctx: _Ctx, touches: dict[Kind, list[tuple[TouchSlot, Touch]]], kind: Kind) -> None:
    """Apply the touches landing in ``kind`` slots (called at that kind's place in the order)."""
    for slot, touch in touches[kind]:
        ctx.touch_records.append(apply_touch(ctx, slot, touch))
