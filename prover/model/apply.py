"""Apply a batch to the state in plain integers, exactly as circuits/batch.circom does.

Order: queue entries (deposits, forced withdrawals, cancels: prover.model.requests), fills
(buyer side, then seller side, each on its account's running state), the account slots (each
account the fills touch written once, its collateral range and margin checked on its state
after all of its fills), liquidations, expiry settlements,
withdrawals, then account 0's net flow (settlement payouts out, shorts' payments in). The
trades' fees leave the account tree as a batch total in the public inputs, for the contract's
``feesAccrued`` (issue 18 rule 1): what account 0 holds is owed to others (settlement float,
insurance), so account 0 never withdraws (``operator_withdrawal``) and never trades
(``operator_trade``: no moving the float to an accomplice at a chosen price). ``apply_batch``
returns the new state, the circuit's input object and its public inputs. Every write of a leaf
bumps its ``count`` (DA_SPEC sec. 2; account 0's fee credit writes every batch, cover
``touches`` fill empty slots: prover.model.touches), and the result carries the ids written and
the DBK3 data blob of their final leaves (prover.statement.data_blob), whose dataBinding
ends the public inputs. A broken rule raises
:class:`Rejected` naming it. With ``strict=False`` the model records the broken rules instead
and still builds the inputs the invalid batch would need (the negative tests feed them to the
circuit, which must refuse them).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from prover.crypto import eddsa
from prover.errors import CurveError
from prover.model import requests, touches
from prover.model.errors import Rejected
from prover.model.groups import GroupFill, group_chain
from prover.model.inputs import Record, account_fields, assemble, dummy_deposit
from prover.model.ops import (
    Batch,
    Cancel,
    Deposit,
    ForcedWithdrawal,
    Liquidation,
    QueueEntry,
    Settlement,
    SignedOrder,
    Trade,
    Withdrawal,
)
from prover.model.state import Account, State
from prover.statement import data_blob, encoding
from prover.statement.accounts import OPERATOR_ACCOUNT
from prover.statement.config import CircuitConfig
from prover.statement.deposits import key_decomposition, refund_reason
from prover.statement.errors import StatementError
from prover.statement.hedge import hedge_broken, portfolio_delta
from prover.statement.margin import margin_ok, scenario_equities
from prover.statement.market import MarketTable, market_hash
from prover.statement.public_inputs import (
    PublicInputs,
    data_binding,
    deposit_chain_step,
    withdrawal_slots,
    withdrawal_value,
)
from prover.statement.triggers import trigger_holds

I64 = 1 << 63
U64 = 1 << 64


@dataclass
class BatchResult:
    state: State
    inputs: dict[str, Any]
    public: list[int]  # PublicInputs.to_list(): the proof's public signals, in order
    violations: list[Rejected] = field(default_factory=list)
    refunded: list[tuple[int, str]] = field(default_factory=list)  # (deposit slot, reason)
    forced_paid: int = 0  # venue units the batch's forced withdrawal paid (issue 19)
    written: tuple[int, ...] = ()  # ids the batch wrote (count changed), ascending
    data: bytes = b""  # the DBK3 data blob: the written ids' final leaves (data_blob.build)
    # every write in circuit slot order (w = 1 records; the circuit's w = 0 records add nothing)
    records: tuple[data_blob.Entry, ...] = ()

    @property
    def rules(self) -> list[str]:
        return [v.rule for v in self.violations]


class _Ctx:
    def __init__(self, state: State, batch: Batch, strict: bool) -> None:
        self.st = state
        self.cfg: CircuitConfig = state.config
        self.batch = batch
        self.strict = strict
        self.violations: list[Rejected] = []
        self.refunded: list[tuple[int, str]] = []
        self.written: set[int] = set()
        # the pads' key: the batch's old root and time (a batch sealed again has a later time)
        self.seed = data_blob.pad_seed(state.root, batch.timestamp)
        self.records: list[data_blob.Entry] = []  # every write's record, in slot order
        self.touch_records: list[Record] = []
        self.im = batch.market.values("im")
        self.mm = batch.market.values("mm")

    def check(self, ok: bool, rule: str, detail: str = "") -> None:
        if ok:
            return
        err = Rejected(rule, detail)
        if self.strict:
            raise err
        self.violations.append(err)

    def write(self, account_id: int, acct: Account) -> None:
        """Every write of a leaf goes through here: count + 1 (``State.write``), and the id is
        recorded for the data blob (the ids whose count changed)."""
        self.st.write(account_id, acct)
        self.written.add(account_id)
        # field arithmetic, no range checks: equal to the strict entry for an in-range leaf,
        # and a rule a write breaks is the rule's to name, not the record's
        self.records.append(
            data_blob.seal(self.seed, account_id, acct, self.cfg.positions, strict=False)
        )

    def account(self, account_id: int) -> Account:
        acct = self.st.get(account_id)
        if acct is None:  # nothing to build a witness from: always fatal
            raise Rejected("account", f"account {account_id} does not exist")
        return acct

    def margin(self, acct: Account, what: str) -> None:
        if not 0 <= acct.collateral < U64:  # already recorded as "collateral" / "range"
            return
        try:
            ok = margin_ok(acct.collateral, acct.positions, self.im)
        except StatementError as exc:
            ok, what = False, f"{what}: {exc}"
        self.check(ok, "margin", what)


def _range(ctx: _Ctx, v: int, signed: bool, what: str) -> None:
    ok = -I64 <= v < I64 if signed else 0 <= v < U64
    ctx.check(ok, "range", f"{what} = {v}")


def _live(market: MarketTable, series_id: int) -> bool:
    row = market.row(series_id)
    return series_id != 0 and row is not None and row.status == 0


# a trade side's order fields as the circuit takes them, in encoding order (Order.fields)
SIGNED_KEYS = (
    "account",
    "orderId",
    "series",
    "side",
    "limit",
    "orderQty",
    "expiry",
    "groupId",
    "legIndex",
    "legCount",
    "triggerSeries",
    "triggerLevel",
    "triggerDir",
)


class _AccountSlots:
    """The batch's account slots (``touches.fill_accounts``: the accounts its fills touch, in
    order of first touch), each with its leaf before the batch's fills (written once, after
    all of them: AccountSlot) and how many fill sides it has (a mandate's account may have
    only the mandate's); ``mandates``: (account, order id) of the mandate sides."""

    def __init__(self, ctx: _Ctx, order: list[int]) -> None:
        self.ctx = ctx
        self.order = order
        self.before: dict[int, Account] = {}
        self.sides: dict[int, int] = {}
        self.mandates: list[tuple[int, int]] = []

    def join(self, account_id: int) -> tuple[Account, list[int]]:
        """The account's running state (the live leaf, not written until the end) and the
        one-hot selector of its slot."""
        ctx = self.ctx
        acct = ctx.account(account_id)
        index = self.order.index(account_id)
        if index >= ctx.cfg.accounts:  # no selector to build: always fatal
            raise Rejected("slot_count", f"the fills touch more than {ctx.cfg.accounts} accounts")
        self.before.setdefault(account_id, copy.deepcopy(acct))
        self.sides[account_id] = self.sides.get(account_id, 0) + 1
        return acct, [int(a == index) for a in range(ctx.cfg.accounts)]


def _trade_side(
    ctx: _Ctx,
    so: SignedOrder,
    side: int,
    qty: int,
    col_delta: int,
    named: int | None,
    slots: _AccountSlots,
) -> tuple[Record, GroupFill]:
    """One order's half of a fill on its account's running state (FillSide): its collateral
    and margin are checked once, after all of the account's fills (:func:`_write_accounts`)."""
    o = so.order
    pos_delta = qty if side == encoding.SIDE_BUY else -qty
    ctx.check(
        o.account_id != OPERATOR_ACCOUNT, "operator_trade", f"order {o.order_id} of account 0"
    )
    acct, sel = slots.join(o.account_id)
    ctx.check(
        eddsa.verify((acct.ax, acct.ay), encoding.signed_hash(ctx.cfg.domain, o), so.sig),
        "signature",
        f"order {o.order_id} of account {o.account_id}",
    )
    mandate = isinstance(o, encoding.Mandate)
    if mandate:
        slots.mandates.append((o.account_id, o.order_id))
        _hedge(ctx, o, acct.positions, qty, pos_delta)
    else:
        _trigger(ctx, o)
    slot_id, slot_filled = acct.read_slot(o.order_id)
    base = slot_filled if o.order_id == slot_id else 0
    ctx.check(o.order_id >= slot_id, "replay", f"order id {o.order_id} < {slot_id}")
    filled = base + qty
    ctx.check(filled <= o.qty, "overfill", f"order {o.order_id}: {filled} > {o.qty}")

    idx = _pick_slot(ctx, acct.positions, o.series_id, named, f"account {o.account_id}")
    rec: Record = {
        **dict(zip(SIGNED_KEYS[1:], o.fields()[1:], strict=True)),
        **({"side": side} if mandate else {}),  # a mandate takes the side it sits on
        "R8x": so.sig.r8x,
        "R8y": so.sig.r8y,
        "S": so.sig.s,
        "slotId": slot_id,
        "slotFilled": slot_filled,
        "slotPath": acct.slot_proof(o.order_id).circuit_siblings,
        "posSel": [int(i == idx) for i in range(ctx.cfg.positions)],
        "sel": sel,
    }

    new_qty = acct.positions[idx][1] + pos_delta
    _range(ctx, new_qty, True, "position")
    acct.positions[idx] = (o.series_id, new_qty) if new_qty else (0, 0)
    acct.collateral += col_delta
    acct.write_slot(o.order_id, filled)
    fill = GroupFill(
        o.account_id, o.order_id, o.group_id, o.leg_index, o.leg_count, qty, o.qty, filled
    )
    return rec, fill


def _write_accounts(ctx: _Ctx, slots: _AccountSlots) -> list[Record]:
    """Each account slot's one write, in slot order, after all fills (AccountSlot): the final
    collateral in range, the initial margin rule on the final state; a mandate's account had
    no fill but the mandate's (its delta after all fills is the one after the hedge)."""
    recs = []
    for aid in slots.before:  # slot order
        acct = ctx.account(aid)
        ctx.check(acct.collateral >= 0, "collateral", f"account {aid}")
        ctx.check(acct.collateral < U64, "range", f"collateral {acct.collateral}")
        recs.append(
            {
                "enabled": 1,
                "touch": 0,
                "account": aid,
                **account_fields(slots.before[aid], ctx.st.proof(aid)),
            }
        )
        ctx.write(aid, acct)
        ctx.margin(acct, f"account {aid} after its fills")
    for aid, order_id in slots.mandates:
        ctx.check(
            slots.sides[aid] == 1,
            "hedge_alone",
            f"mandate {order_id} of account {aid}: the account has {slots.sides[aid]} fill "
            "sides in this batch; a hedge must be its only one",
        )
    return recs


def _hedge(
    ctx: _Ctx,
    m: encoding.Mandate,
    positions: list[tuple[int, int]],
    qty: int,
    pos_delta: int,
) -> None:
    """A hedge fill under mandate ``m``: within its per-fill limit, and moving the account's
    delta under the batch's table toward the band without crossing it (prover.statement.hedge)."""
    who = f"mandate {m.order_id} of account {m.account_id}"
    ctx.check(qty <= m.max_per_fill, "hedge_per_fill", f"{who}: {qty} > {m.max_per_fill}")
    deltas = ctx.batch.market.deltas()
    before = portfolio_delta(positions, deltas)
    change = pos_delta * deltas.get(m.series_id, 0)
    broken = hedge_broken(before, change, m.band_lo, m.band_hi, pos_delta > 0)
    band = f"[{m.band_lo}, {m.band_hi}]"
    ctx.check(broken is None, broken or "", f"{who}: delta {before} -> {before + change}, {band}")


def _trigger(ctx: _Ctx, o: encoding.Order) -> None:
    """A triggered order fills only while the batch's table satisfies its trigger."""
    if o.trigger_dir == encoding.TRIGGER_NONE:  # most orders: no marks to gather
        return
    market = ctx.batch.market
    if trigger_holds(market.marks(), o.trigger_series, o.trigger_level, o.trigger_dir):
        return
    row = market.row(o.trigger_series)
    word = "at or above" if o.trigger_dir == encoding.TRIGGER_ABOVE else "at or below"
    seen = f"the table marks {row.mark}" if row is not None else "the table does not list it"
    ctx.check(
        False,
        "trigger",
        f"order {o.order_id} of account {o.account_id} fires when series {o.trigger_series} "
        f"marks {word} {o.trigger_level}; {seen}",
    )


def _terms(o: encoding.Order | encoding.Mandate, side: int, mark: int) -> tuple[int, int, str]:
    """(side, limit, rule) a fill is checked against on one side: an order's own; a mandate
    takes the side it sits on, its limit the mark plus (buying) or minus (selling) its distance
    (``rule``: what a fill past the limit breaks)."""
    buy = side == encoding.SIDE_BUY
    if isinstance(o, encoding.Mandate):
        return side, mark + o.price if buy else mark - o.price, "mandate_limit"
    return o.side, o.price, "buy_limit" if buy else "sell_limit"


def _trade(ctx: _Ctx, t: Trade, slots: _AccountSlots) -> tuple[Record, int, list[GroupFill]]:
    b, s = t.buy.order, t.sell.order
    ts = ctx.batch.timestamp
    ctx.check(b.series_id == s.series_id, "series", f"{b.series_id} != {s.series_id}")
    both = isinstance(b, encoding.Mandate) and isinstance(s, encoding.Mandate)
    ctx.check(not both, "hedge_pair", f"mandates {b.order_id} and {s.order_id}")
    listed = ctx.batch.market.row(b.series_id)
    mark = listed.mark if listed is not None else 0
    b_side, b_limit, b_rule = _terms(b, encoding.SIDE_BUY, mark)
    s_side, s_limit, s_rule = _terms(s, encoding.SIDE_SELL, mark)
    ctx.check(b_side == encoding.SIDE_BUY and s_side == encoding.SIDE_SELL, "sides")
    _range(ctx, t.price, False, "fill price")
    _range(ctx, t.qty, False, "fill qty")
    ctx.check(t.price <= b_limit, b_rule, f"{t.price} > {b_limit}")
    ctx.check(t.price >= s_limit, s_rule, f"{t.price} < {s_limit}")
    ctx.check(t.qty >= 1, "qty_positive")
    ctx.check(ts <= b.expiry and ts <= s.expiry, "expired", f"timestamp {ts}")
    ctx.check(_live(ctx.batch.market, b.series_id), "series_not_live", f"series {b.series_id}")
    row = ctx.batch.market.row(b.series_id)
    if row is not None:  # an unlisted series is refused above (the circuit: both)
        ends = row.expiry
        ctx.check(ts < ends, "series_expired", f"series {b.series_id} expires {ends}, batch {ts}")
    notional, fee = t.price * t.qty, ctx.cfg.fee * t.qty
    buy_slot, sell_slot = t.position_slots
    buy, buy_fill = _trade_side(
        ctx, t.buy, encoding.SIDE_BUY, t.qty, -notional - fee, buy_slot, slots
    )
    sell, sell_fill = _trade_side(
        ctx, t.sell, encoding.SIDE_SELL, t.qty, notional - fee, sell_slot, slots
    )
    rec = {"enabled": 1, "price": t.price, "qty": t.qty, "sides": [buy, sell]}
    return rec, 2 * fee, [buy_fill, sell_fill]


def _groups(ctx: _Ctx, trades: list[Record], fills: list[list[GroupFill]]) -> None:
    """The atomic-group rule over the trade slots; its chain witness goes into each side."""
    result = group_chain(fills)
    for rule, detail in result.broken:
        ctx.check(False, rule, detail)
    for rec, chain in zip(trades, result.witness, strict=True):
        for side, w in zip(rec["sides"], chain, strict=True):
            side.update(w)


def _queue_entry(ctx: _Ctx, e: QueueEntry) -> tuple[Record, str | None, int]:
    """One queue slot: its record, why a deposit is refunded (None: credited or a request)
    and what a forced withdrawal paid (prover.model.requests)."""
    ctx.st.deposit_chain = deposit_chain_step(ctx.st.deposit_chain, e.ax, e.ay, e.word)
    ctx.st.deposits_processed += 1
    if isinstance(e, ForcedWithdrawal):
        rec, paid = requests.forced_withdrawal(ctx, e)
        return rec, None, paid
    if isinstance(e, Cancel):
        return requests.cancel(ctx, e), None, 0
    rec, reason = _deposit(ctx, e)
    return rec, reason, 0


def _deposit(ctx: _Ctx, d: Deposit) -> tuple[Record, str | None]:
    """The deposit slot's record and why the entry is refunded (None: credited; issue 18
    rule 7, ``prover.statement.deposits``: a bad key, a 64-bit overflow, a full tree)."""
    _range(ctx, d.amount, False, "deposit amount")
    try:
        key = key_decomposition(d.ax, d.ay)
    except CurveError:  # the contract never queues it; nothing to build a witness from
        raise Rejected("deposit_key", "the deposit key is not on the curve") from None
    last = ctx.cfg.account_capacity - 1
    acct = ctx.st.get(d.account_id)
    holds = acct is not None and (acct.ax, acct.ay) == (d.ax, d.ay)
    full = acct is not None and not holds and ctx.st.get(last) is not None
    reason = refund_reason(
        d.ax, d.ay, d.amount, acct.collateral if holds and acct else None, tree_full=full
    )
    base: Record = {
        **dummy_deposit(ctx.cfg),
        "enabled": 1,
        "Ax": d.ax,
        "Ay": d.ay,
        "lAx": d.ax,
        "lAy": d.ay,
        "word": d.word,
        "keyR": list(key.r),
        "keySel": [int(k == key.k) for k in range(8)],
    }
    if reason == "key":  # no leaf is read: the key can never own one
        return base, reason
    taken = ctx.st.get(last)
    if reason == "tree_full" and taken is not None:  # the last leaf is shown taken
        path = ctx.st.proof(last).circuit_siblings
        rec = {**base, "account": last, "isFull": 1, "fullLeaf": taken.leaf()}
        return {**rec, "accPath": path}, reason
    is_new = acct is None
    if acct is None:
        acct = ctx.st.new_account(d.ax, d.ay)  # enc = x(o * A); the credit makes count 1
    ctx.check(holds or is_new, "deposit_key", f"account {d.account_id}")
    rec: Record = {
        **base,
        **account_fields(acct, ctx.st.proof(d.account_id)),
        "Ax": d.ax,
        "Ay": d.ay,
        "lAx": d.ax,
        "lAy": d.ay,
        "account": d.account_id,
        "isNew": int(is_new),
    }
    if reason == "overflow":  # the leaf is shown, unchanged
        return rec, reason
    acct.collateral += d.amount
    _range(ctx, acct.collateral, False, "collateral")
    ctx.write(d.account_id, acct)
    return rec, None


def _withdrawal(ctx: _Ctx, w: Withdrawal) -> Record:
    ctx.check(
        w.account_id != OPERATOR_ACCOUNT,
        "operator_withdrawal",
        f"withdrawal {w.nonce}: account 0 holds what is owed to others",
    )
    acct = ctx.account(w.account_id)
    try:
        msg = encoding.withdrawal_hash(
            ctx.cfg.domain, w.account_id, w.nonce, w.amount, w.eth_address
        )
        signed = eddsa.verify((acct.ax, acct.ay), msg, w.sig)
    except ValueError:
        signed = False
    ctx.check(signed, "signature", f"withdrawal {w.nonce} of account {w.account_id}")
    slot_id, slot_filled = acct.read_slot(w.nonce)
    ctx.check(w.nonce > slot_id, "replay", f"nonce {w.nonce} <= {slot_id}")
    rec: Record = {
        "enabled": 1,
        "account": w.account_id,
        "nonce": w.nonce,
        "amount": w.amount,
        "address": w.eth_address,
        "R8x": w.sig.r8x,
        "R8y": w.sig.r8y,
        "S": w.sig.s,
        **account_fields(acct, ctx.st.proof(w.account_id)),
        "slotId": slot_id,
        "slotFilled": slot_filled,
        "slotPath": acct.slot_proof(w.nonce).circuit_siblings,
    }
    acct.collateral -= w.amount
    ctx.check(acct.collateral >= 0, "collateral", f"account {w.account_id}")
    acct.write_slot(w.nonce, 0)
    ctx.write(w.account_id, acct)
    ctx.margin(acct, f"account {w.account_id} after withdrawal {w.nonce}")
    return rec


def _slot_for(positions: list[tuple[int, int]], series_id: int) -> int | None:
    """The slot holding the series, else the first empty one (the model never splits)."""
    idx = next((i for i, (s, _) in enumerate(positions) if s == series_id), None)
    if idx is None:
        idx = next((i for i, p in enumerate(positions) if p == (0, 0)), None)
    return idx


def _pick_slot(
    ctx: _Ctx, positions: list[tuple[int, int]], series_id: int, named: int | None, who: str
) -> int:
    """The position slot a fill or liquidation transfer of ``series_id`` lands in.

    ``named`` is the slot the operation names (the prover's one-hot selector; only tests name
    one), ``None`` for the model's own choice. One slot per series: a named slot must hold the
    series, or be empty while no other slot holds it (``split_slot``)."""
    if named is None:
        idx = _slot_for(positions, series_id)
        ctx.check(idx is not None, "position_slots", who)
        return 0 if idx is None else idx
    if not 0 <= named < len(positions):  # no one-hot selector to build: always fatal
        raise Rejected("position_slots", f"{who}: no position slot {named}")
    held = positions[named]
    ctx.check(
        held[0] == series_id or held == (0, 0),
        "position_slots",
        f"{who}: slot {named} holds series {held[0]}",
    )
    holder = next((i for i, (s, _) in enumerate(positions) if s != 0 and s == series_id), None)
    ctx.check(
        holder is None or holder == named,
        "split_slot",
        f"{who}: series {series_id} is in slot {holder}, not slot {named}",
    )
    return named


def _liquidation(ctx: _Ctx, lq: Liquidation) -> Record:
    cfg = ctx.cfg
    ctx.check(lq.account_id != 0, "not_liquidatable", "account 0 is the liquidator")
    acct = ctx.account(lq.account_id)
    try:
        equity = scenario_equities(acct.collateral, acct.positions, ctx.mm)
    except StatementError as exc:
        raise Rejected("margin", f"account {lq.account_id}: {exc}") from None
    fails = 0 <= lq.scenario < cfg.scenarios and equity[lq.scenario] < 0
    ctx.check(fails, "not_liquidatable", f"account {lq.account_id} scenario {lq.scenario}")
    rec: Record = {
        "enabled": 1,
        "account": lq.account_id,
        "scenarioSel": [int(s == lq.scenario) for s in range(cfg.scenarios)],
        **account_fields(acct, ctx.st.proof(lq.account_id)),
    }
    marks = {r.series_id: r.mark for r in ctx.batch.market.rows}
    moved = [(s, q) for s, q in acct.positions if q != 0]
    cash = sum(q * marks.get(s, 0) - abs(q) * cfg.penalty for s, q in moved)
    acct.collateral += cash
    ctx.check(acct.collateral >= 0, "collateral", f"account {lq.account_id} (bad debt)")
    acct.positions = [(0, 0)] * cfg.positions
    ctx.write(lq.account_id, acct)

    liq = ctx.st.get(0)
    if liq is None:
        raise Rejected("fee_account", "no liquidator (account 0)")
    rec.update(
        {"L" + k[0].upper() + k[1:]: v for k, v in account_fields(liq, ctx.st.proof(0)).items()}
    )
    sel = []
    named = list(lq.liquidator_slots) + [None] * (cfg.positions - len(lq.liquidator_slots))
    for s, q, slot in zip(rec["posSeries"], rec["posQty"], named, strict=True):
        row = [0] * cfg.positions
        if q != 0:
            idx = _pick_slot(ctx, liq.positions, s, slot, "liquidator (account 0)")
            row[idx] = 1
            new_q = liq.positions[idx][1] + q
            _range(ctx, new_q, True, "liquidator position")
            liq.positions[idx] = (s, new_q) if new_q else (0, 0)
        sel.append(row)
    rec["LSel"] = sel
    liq.collateral -= cash
    ctx.check(liq.collateral >= 0, "collateral", "liquidator (account 0)")
    ctx.check(liq.collateral < U64, "range", "liquidator collateral")
    ctx.write(0, liq)
    ctx.margin(liq, "liquidator (account 0)")
    return rec


def _settlement(ctx: _Ctx, x: Settlement) -> tuple[Record, int]:
    acct = ctx.account(x.account_id)
    idx = next((i for i, (s, q) in enumerate(acct.positions) if s == x.series_id and s != 0), None)
    ctx.check(idx is not None, "no_position", f"account {x.account_id} series {x.series_id}")
    idx = 0 if idx is None else idx
    row = ctx.batch.market.row(x.series_id)
    ctx.check(row is not None and row.status == 1, "not_expired", f"series {x.series_id}")
    rec: Record = {
        "enabled": 1,
        "account": x.account_id,
        "sel": [int(i == idx) for i in range(ctx.cfg.positions)],
        **account_fields(acct, ctx.st.proof(x.account_id)),
    }
    gain = acct.positions[idx][1] * (row.settlement if row is not None else 0)
    acct.collateral += gain
    ctx.check(acct.collateral >= 0, "collateral", f"account {x.account_id} cannot pay")
    ctx.check(acct.collateral < U64, "range", f"collateral {acct.collateral}")
    acct.positions[idx] = (0, 0)
    ctx.write(x.account_id, acct)
    return rec, gain


def _fee(ctx: _Ctx, net: int) -> Record | None:
    """Account 0 pays the settlements' net flow: one update, written EVERY batch, even when
    net is 0 (DA_SPEC sec. 2: it proves account 0's leaf, whose key binds the operator's
    secret, and makes every batch change the root, so oldRoot is a unique nonce)."""
    acct = ctx.st.get(0)
    ctx.check(acct is not None, "fee_account")
    if acct is None:
        return None
    rec = account_fields(acct, ctx.st.proof(0))
    acct.collateral += net
    ctx.check(acct.collateral >= 0, "collateral", "account 0 cannot pay the settlements")
    ctx.check(acct.collateral < U64, "range", "account 0 collateral")
    ctx.write(0, acct)
    return rec


def apply_batch(state: State, batch: Batch, *, strict: bool = True) -> BatchResult:
    """The new state, circuit inputs and public inputs; ``state`` itself is not changed."""
    cfg = state.config
    st = state.copy()
    ctx = _Ctx(st, batch, strict)
    for kind, ops, slots in (
        ("deposits", batch.deposits, cfg.deposits),
        ("trades", batch.trades, cfg.trades),
        ("liquidations", batch.liquidations, cfg.liquidations),
        ("settlements", batch.settlements, cfg.settlements),
        ("withdrawals", batch.withdrawals, cfg.withdrawals),
    ):
        ctx.check(len(ops) <= slots, "slot_count", f"{len(ops)} {kind} > {slots} slots")
    free = touches.free_touch_slots(batch, cfg)
    ctx.check(
        len(batch.touches) <= len(free),
        "slot_count",
        f"{len(batch.touches)} touches > {len(free)} empty touch-capable slots",
    )
    placed = touches.placed(batch, cfg)
    # the oracle's promises about the table (Batch checks them once per batch, docs/risk.md);
    # the scenario values' and the epoch's ranges are refused here though the circuit trusts them
    for broken in batch.market.violations():
        ctx.check(False, broken.promise, broken.detail)
    try:
        mhash = market_hash(
            batch.market.epoch, batch.market.rows, cfg.series, cfg.scenarios, check=False
        )
    except ValueError as exc:
        raise Rejected("market", str(exc)) from None
    _range(ctx, batch.timestamp, False, "batch timestamp")
    old_root, chain_old = st.root, st.deposit_chain

    forced = sum(isinstance(e, ForcedWithdrawal) for e in batch.deposits)
    ctx.check(forced <= 1, "forced_withdrawals", f"{forced} in one batch")
    deposits, refunds, forced_paid = [], 0, 0
    for i, d in enumerate(batch.deposits):
        rec, reason, paid = _queue_entry(ctx, d)
        deposits.append(rec)
        forced_paid += paid
        if reason is not None:
            refunds |= 1 << i
            ctx.refunded.append((i, reason))
    trades, fees, fills = [], 0, []
    slots = _AccountSlots(ctx, touches.fill_accounts(batch))
    for t in batch.trades:
        rec, fee, sides = _trade(ctx, t, slots)
        trades.append(rec)
        fills.append(sides)
        fees += fee
    _groups(ctx, trades, fills)
    accounts = _write_accounts(ctx, slots)
    touches.apply_kind(ctx, placed, "account")
    liquidations = [_liquidation(ctx, lq) for lq in batch.liquidations]
    settlements, flows = [], 0
    for x in batch.settlements:
        rec, gain = _settlement(ctx, x)
        settlements.append(rec)
        flows += gain
    touches.apply_kind(ctx, placed, "settlement")
    withdrawals = [_withdrawal(ctx, w) for w in batch.withdrawals]
    touches.apply_kind(ctx, placed, "withdrawal")
    fee_rec = _fee(ctx, -flows)
    _range(ctx, fees, False, "batch fees")  # the contract reads 64 bits of the stamp
    written = tuple(sorted(ctx.written))
    data = data_blob.build(
        ctx.seed, [(a, st.accounts[a]) for a in written], cfg.positions, strict=strict
    )
    binding = data_binding(data, st.root)

    public = PublicInputs(
        old_root=old_root,
        new_root=st.root,
        market_hash=mhash,
        batch_timestamp=batch.timestamp,
        deposit_chain_old=chain_old,
        deposit_chain_new=st.deposit_chain,
        withdrawals=withdrawal_slots(
            [withdrawal_value(w.amount, w.eth_address) for w in batch.withdrawals],
            cfg.withdrawals,
        ),
        data_binding=binding,
        refunds=refunds,
        fees=fees,
        forced_paid=forced_paid,
    )
    inputs = assemble(
        cfg,
        public,
        batch.market,
        deposits,
        trades,
        accounts,
        withdrawals,
        fee_rec,
        liquidations,
        settlements,
        touches=ctx.touch_records,
        # the circuit's private opSecret: BabyPbk(opSecret) is account 0's key, and it derives
        # enc of the accounts the batch creates (0 when the state does not know it: no witness)
        op_secret=st.operator_scalar or 0,
    )
    return BatchResult(
        st,
        inputs,
        public.to_list(),
        ctx.violations,
        ctx.refunded,
        forced_paid=forced_paid,
        written=written,
        data=data,
        records=tuple(ctx.records),
    )
