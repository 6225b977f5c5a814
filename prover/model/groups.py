"""Atomic groups in a batch: every leg fills completely here, or none does (circuits/
group-chain.circom; docs/CONVENTIONS.md, "Atomic groups").

The fills of one group (same account, ``group_id`` and ``leg_count``) must sit in consecutive
trade slots, one side each: a chain that starts with a fill of an order not filled before,
continues the same order while it is incomplete, then moves to a leg not yet completed (again
an order not filled before), and ends when the last leg completes, all inside the batch.
:func:`group_chain` checks that and derives the circuit's chain witness (``first``,
``prevSel``, ``nextSel``, ``maskIn`` per side).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

WITNESS_KEYS = ("first", "prevSel", "nextSel", "maskIn")


@dataclass(frozen=True)
class GroupFill:
    """One trade side as the group rule sees it: the signed order's fields, the fill's
    quantity and the order's filled quantity after it."""

    account_id: int
    order_id: int
    group_id: int
    leg_index: int
    leg_count: int
    fill_qty: int
    order_qty: int
    filled: int

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.account_id, self.group_id, self.leg_count)

    @property
    def fresh(self) -> bool:
        return self.filled == self.fill_qty

    @property
    def complete(self) -> bool:
        return self.filled == self.order_qty


@dataclass
class _Link:
    slot: int
    side: int
    fill: GroupFill
    mask_out: int


@dataclass
class GroupChainResult:
    witness: list[list[dict[str, int]]]  # [slot][side] -> WITNESS_KEYS
    broken: list[tuple[str, str]] = field(default_factory=list)  # (rule, detail)


def _zero() -> dict[str, int]:
    return dict.fromkeys(WITNESS_KEYS, 0)


def group_chain(slots: Sequence[Sequence[GroupFill | None]]) -> GroupChainResult:
    """Check the group rule over the batch's trade slots (``[slot][side]``, None for a side
    that is no real fill) and derive the chain witness."""
    out = GroupChainResult([[_zero(), _zero()] for _ in slots])
    chains: dict[tuple[int, int, int], _Link] = {}
    for t, sides in enumerate(slots):
        for k, f in enumerate(sides):
            if f is None or f.leg_count == 0:
                continue
            _place(out, chains, t, k, f)
        _close_unfollowed(out, chains, t)
    for link in chains.values():
        out.broken.append(("group_incomplete", _stopped(link, "the batch ends there")))
    return out


def _place(
    out: GroupChainResult, chains: dict[tuple[int, int, int], _Link], t: int, k: int, f: GroupFill
) -> None:
    w = out.witness[t][k]
    prev = chains.get(f.key)
    if prev is not None and prev.slot == t:
        out.broken.append(("group_link", f"group {f.group_id} of account {f.account_id} fills "
                           f"twice in trade slot {t}"))  # fmt: skip
        return
    if f.leg_index == 0 and f.order_id != f.group_id:
        out.broken.append(("group_leg", f"leg 0 is order {f.order_id}, group {f.group_id}"))
    if prev is None:
        w["first"] = 1
        mask_in = 0
        if not f.fresh:
            out.broken.append(("group_start", _fill(f, "was partly filled before its group")))
    else:
        w["prevSel"] = prev.side
        out.witness[prev.slot][prev.side]["nextSel"] = k
        mask_in = prev.mask_out
        if not prev.fill.complete and (prev.fill.order_id, prev.fill.leg_index) != (
            f.order_id,
            f.leg_index,
        ):
            why = f"order {f.order_id} fills next, before its leg completes"
            out.broken.append(("group_incomplete", _stopped(prev, why)))
        elif prev.fill.complete and not f.fresh:
            out.broken.append(("group_start", _fill(f, "was partly filled before its leg")))
    w["maskIn"] = mask_in
    bit = 1 << f.leg_index
    if mask_in & bit:
        out.broken.append(("group_repeat", _fill(f, "fills a leg already completed")))
    mask_out = mask_in | bit if f.complete else mask_in
    if f.complete and mask_out == (1 << f.leg_count) - 1:
        chains.pop(f.key, None)
    else:
        chains[f.key] = _Link(t, k, f, mask_out)


def _close_unfollowed(
    out: GroupChainResult, chains: dict[tuple[int, int, int], _Link], t: int
) -> None:
    for key, link in list(chains.items()):
        if link.slot < t:
            why = f"trade slot {t} does not continue it"
            out.broken.append(("group_incomplete", _stopped(link, why)))
            del chains[key]


def _fill(f: GroupFill, what: str) -> str:
    leg = f"leg {f.leg_index} of group {f.group_id}, account {f.account_id}"
    return f"order {f.order_id} ({leg}) {what}"


def _stopped(link: _Link, why: str) -> str:
    f, done = link.fill, bin(link.mask_out).count("1")
    return (
        f"group {f.group_id} of account {f.account_id} stops after trade slot {link.slot} "
        f"with {done} of {f.leg_count} legs complete: {why}"
    )
