"""The matching engine: admission, price-time matching with margin-checked fills, and state.

Pure and deterministic: no clock, no I/O, no randomness. Every command carries its own
``now`` (and, for orders, the market epoch), so replaying the accepted command log rebuilds the
same book, ledger and fills. Each command is handled in two steps: :meth:`Engine.prepare`
computes an :class:`Outcome` without changing anything (raising :class:`Rejected` on bad
input), and :meth:`Engine.apply` makes it so. The service stores the outcome durably between.

Matching rules:
* price-time priority per series; a fill trades at the resting (maker) order's price;
* a resting order whose expiry has passed is expired when the taker reaches it;
* self-trade prevention: a taker meeting its own resting order cancels that resting order;
* before each fill, both accounts must pass the margin rule after it
  (``prover.statement.margin``); a maker that fails is cancelled, a taker that fails stops and its
  remainder is cancelled; the reason says which rule failed: ``position_slots_full`` (more
  series than the leaf's P position slots) or ``insufficient_margin`` (anything else);
* an on-chain cancel (``ChainRequestCmd``, issue 18 rule 5) closes at once the account's open
  orders in its slot with an id <= the one named (``cancelled_onchain``) and raises the slot's
  floor to that id, as the circuit will: none of them can be matched and then refused at seal;
  a forced withdrawal is only recorded (the batch serving it books the payout as a keeper
  delta); a request whose key does not hold the account changes nothing, as in the circuit;
* a batch's liquidation (``KeeperCmd.liquidated``) closes the account's open orders
  (``liquidated``): its positions went to account 0, its orders were margined on them;
* a new order on a nonce slot that holds an open order of its account cancels that order
  (``replaced_by_nonce``) and records it as ``replaced``;
* a withdrawal takes its amount out of the collateral at once: its nonce must pass the same
  slot check as an order's (and takes the slot over, cancelling an open order there), the
  amount must be in [1, collateral], and the account must pass the initial rule after it
  (``account_passes`` on the epoch's rows, as after a fill, and as the circuit checks);
* limit rests its remainder; ioc cancels it; fok and multi-leg groups (fok per leg, all
  legs together) change nothing unless every leg fills completely (their reason is the
  account check's if one stopped a leg, else ``fok_not_filled`` / ``multi_leg_not_filled``);
  post_only never takes: one that would cross rests one tick behind the opposite best (inside
  its signed limit) and its answer does not say so, so probing with post-only orders reveals
  nothing about the book; each probe is recorded and uses its nonce (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from prover.statement.accounts import OPERATOR_ACCOUNT
from prover.statement.encoding import Order
from prover.statement.margin import account_passes, slots_fit
from prover.statement.triggers import trigger_holds
from relayer.accounts.state import Ledger
from relayer.markets.series import SeriesSpec
from relayer.matching import rules
from relayer.matching.book import Book, crosses
from relayer.matching.errors import Rejected
from relayer.matching.hedge_plan import Hedge, plan_hedge
from relayer.matching.plan import Plan
from relayer.matching.types import (
    BUY,
    REQUEST_CANCEL,
    UNWIND_FILL,
    UNWIND_WITHDRAWAL,
    CancelCmd,
    ChainRequestCmd,
    Command,
    DepositCmd,
    ExpireCmd,
    Fill,
    FireCmd,
    HedgeCmd,
    KeeperCmd,
    Leg,
    OrderState,
    OrderUpdate,
    Outcome,
    Status,
    SubmitCmd,
    Tif,
    UnwindCmd,
    WithdrawCmd,
)
from relayer.matching.unwind import undo

Rows = Mapping[int, Sequence[int]]


class Engine:
    """Books per series, every order's state, nonce slots and the account ledger."""

    def __init__(
        self,
        series: Iterable[SeriesSpec],
        *,
        order_depth: int,
        max_positions: int,
        fee: int = 0,
        max_open_orders: int,
        max_group_fills: int | None = None,
    ) -> None:
        self.series = {s.id: s for s in series}
        self.books = {sid: Book() for sid in self.series}
        self.order_depth = order_depth
        self.max_positions = max_positions
        self.fee = fee  # per contract per side, as the circuit's FEE
        self.max_open_orders = max_open_orders
        # a signed group's fills must fit one batch's trade slots (T), or it can never prove
        self.max_group_fills = max_group_fills
        self.tables: dict[int, Rows] = {}
        self.marks: dict[int, Mapping[int, int]] = {}  # epoch -> series id -> mark (triggers)
        self.deltas: dict[int, Mapping[int, int]] = {}  # epoch -> series id -> delta (hedges)
        # triggered orders off the book: account -> armed orders by hash (as ``open``)
        self.armed: dict[int, dict[int, OrderState]] = {}
        self.mandates: dict[int, OrderState] = {}  # armed hedge mandates by hash (seq order)
        self.ledger = Ledger()
        self.orders: dict[int, OrderState] = {}
        self.by_nonce: dict[tuple[int, int], int] = {}  # (account, orderId) -> hash
        self.slots: dict[tuple[int, int], int] = {}  # (account, slot) -> highest orderId
        self.open: dict[int, dict[int, OrderState]] = {}  # account -> open orders by hash
        self.open_slots: dict[tuple[int, int], int] = {}  # (account, slot) -> open order hash
        self.account_orders: dict[int, list[int]] = {}
        self.account_fills: dict[int, list[Fill]] = {}
        self.fills: list[Fill] = []
        self.withdrawals: dict[int, WithdrawCmd] = {}  # by withdrawal hash, acceptance order
        self.chain_requests: dict[int, ChainRequestCmd] = {}  # by queue index, queue order
        self.account_requests: dict[int, list[int]] = {}  # account -> its requests' indices
        self.request_cancelled: dict[int, list[int]] = {}  # queue index -> orders it closed
        self.last_request_index = -1  # the last on-chain request booked (queue order)
        # (kind, ref) of the fills and withdrawals refused at seal, taken back from the ledger
        self.unwound: set[tuple[str, int]] = set()
        self.seq = 0

    # -- commands ---------------------------------------------------------------------

    def execute(self, cmd: Command) -> Outcome:
        out = self.prepare(cmd)
        self.apply(out)
        return out

    def prepare(self, cmd: Command) -> Outcome:
        if isinstance(cmd, SubmitCmd):
            return self._prepare_submit(cmd)
        if isinstance(cmd, CancelCmd):
            return self._prepare_cancel(cmd)
        if isinstance(cmd, ExpireCmd):
            return self._prepare_expire(cmd)
        if isinstance(cmd, WithdrawCmd):
            return self._prepare_withdraw(cmd)
        if isinstance(cmd, KeeperCmd):
            return self._prepare_keeper(cmd)
        if isinstance(cmd, ChainRequestCmd):
            return self._prepare_chain_request(cmd)
        if isinstance(cmd, FireCmd):
            return self._prepare_fire(cmd)
        if isinstance(cmd, HedgeCmd):
            return self._prepare_hedge(cmd)
        if isinstance(cmd, UnwindCmd):
            return self._prepare_unwind(cmd)
        return self._prepare_deposit(cmd)

    def _close_orders(self, out: Outcome, hashes: Iterable[int], reason: str) -> None:
        """Cancel these open orders in ``out`` (acceptance order), with ``reason``."""
        for o in sorted((self.orders[h] for h in hashes), key=lambda o: o.seq):
            out.updates.append(OrderUpdate(o.leg.order_hash, o.filled, Status.CANCELLED, reason))

    def request_applies(self, cmd: ChainRequestCmd) -> bool:
        """The request's key holds its account (else the circuit serves it as a no-op)."""
        acct = self.ledger.get(cmd.account_id)
        return acct is not None and acct.pubkey == (cmd.ax, cmd.ay)

    def _cancel_floors(self, account_id: int) -> None:
        """Raise the account's slot floors to its on-chain cancels whose key holds it, as the
        circuit will (also when the cancel was booked before the account's first deposit was
        credited: its key is known from then on)."""
        for i in self.account_requests.get(account_id, ()):
            cmd = self.chain_requests[i]
            if cmd.kind == REQUEST_CANCEL and self.request_applies(cmd):
                key = self._slot_key(account_id, cmd.value)
                self.slots[key] = max(self.slots.get(key, -1), cmd.value)

    def _prepare_chain_request(self, cmd: ChainRequestCmd) -> Outcome:
        if cmd.queue_index <= self.last_request_index:
            raise Rejected(
                "duplicate_request", "queue_index", f"queue entry {cmd.queue_index} is booked"
            )
        out = Outcome(cmd)
        if cmd.kind == REQUEST_CANCEL and self.request_applies(cmd):
            slot = self._slot_key(cmd.account_id, cmd.value)
            killed = [
                h
                for h in self._waiting(cmd.account_id, slot)
                if self.orders[h].leg.order_id <= cmd.value
            ]
            self._close_orders(out, killed, "cancelled_onchain")
        return out

    def _prepare_keeper(self, cmd: KeeperCmd) -> Outcome:
        """A batch's liquidations and expiry settlements, booked as the model computed them."""
        if cmd.batch <= self.ledger.last_keeper_batch:
            raise Rejected("duplicate_batch", "batch", f"batch {cmd.batch} is already booked")
        for aid, _, _ in cmd.deltas:  # account 0's key may come later (replay before start)
            if aid != OPERATOR_ACCOUNT and self.ledger.get(aid) is None:
                raise Rejected("unknown_account", "account_id", f"no account {aid}")
        out = Outcome(cmd, deltas={aid: (cash, dict(pos)) for aid, cash, pos in cmd.deltas})
        for aid in cmd.liquidated:
            self._close_orders(out, self._waiting(aid), "liquidated")
        return out

    def _prepare_unwind(self, cmd: UnwindCmd) -> Outcome:
        """Take back what a refused fill or withdrawal booked (once). A fill's orders keep their
        filled quantity and a withdrawal its nonce, so the venue never offers more than the
        proof allows."""
        if (cmd.kind, cmd.ref) in self.unwound:
            raise Rejected("duplicate_unwind", "ref", f"{cmd.kind} {cmd.ref} is taken back")
        if cmd.kind == UNWIND_WITHDRAWAL:
            w = self.withdrawals.get(cmd.ref)
            if w is None:
                raise Rejected("unknown_withdrawal", "ref", f"no withdrawal {cmd.ref:#x}")
            return Outcome(cmd, deltas={w.account_id: (w.amount, {})})
        if cmd.kind != UNWIND_FILL or not 0 < cmd.ref <= len(self.fills):
            raise Rejected("unknown_fill", "ref", f"no {cmd.kind} {cmd.ref}")
        deltas, fees = undo(self.fills[cmd.ref - 1], self.fee)
        return Outcome(cmd, deltas=deltas, fees=fees)

    def _prepare_deposit(self, cmd: DepositCmd) -> Outcome:
        if not 0 < cmd.amount < 2**64:
            raise Rejected("bad_amount", "amount", "must be in [1, 2^64)")
        ids, key = self.ledger.ids, (cmd.ax, cmd.ay)
        if cmd.queue_index is not None and cmd.queue_index <= self.ledger.last_queue_index:
            raise Rejected(
                "duplicate_deposit", "queue_index", f"queue entry {cmd.queue_index} is credited"
            )
        if cmd.operator and (
            ids.operator_key not in (None, key) or (ids.operator_key is None and key in ids.by_key)
        ):
            raise Rejected("bad_operator", "ax", "another key owns account 0, or this one an id")
        acct = self.ledger.of_key(cmd.ax, cmd.ay)
        held = acct.collateral if acct is not None else 0
        if held + cmd.amount >= 2**64:
            raise Rejected("bad_amount", "amount", "collateral would exceed 2^64 - 1")
        aid = OPERATOR_ACCOUNT if cmd.operator else ids.peek(key)
        return Outcome(cmd, account_id=aid)

    def _prepare_expire(self, cmd: ExpireCmd) -> Outcome:
        out = Outcome(cmd)
        due = [o for mine in self.open.values() for o in mine.values() if o.leg.expiry <= cmd.now]
        due += [o for mine in self.armed.values() for o in mine.values() if o.leg.expiry <= cmd.now]
        for o in sorted(due, key=lambda o: o.seq):  # a fixed order: acceptance order
            out.updates.append(OrderUpdate(o.leg.order_hash, o.filled, Status.EXPIRED, None))
        return out

    def _prepare_cancel(self, cmd: CancelCmd) -> Outcome:
        h = self.by_nonce.get((cmd.account_id, cmd.order_id))
        if h is None:
            raise Rejected("unknown_order", "order_id", "no such order of this account")
        out = Outcome(cmd)
        pair = [self.orders[h]]
        if pair[0].oco is not None:  # one order id, one slot: the cancel closes both
            pair.append(self.orders[pair[0].oco])
        for o in sorted(pair, key=lambda o: o.seq):
            if o.status in (Status.OPEN, Status.ARMED):
                expired = o.leg.expiry <= cmd.now
                out.updates.append(
                    OrderUpdate(
                        o.leg.order_hash,
                        o.filled,
                        Status.EXPIRED if expired else Status.CANCELLED,
                        None if expired else "cancelled_by_owner",
                    )
                )
        return out

    def _prepare_withdraw(self, cmd: WithdrawCmd) -> Outcome:
        acct = self.ledger.get(cmd.account_id)
        if acct is None:
            raise Rejected("unknown_account", "account_id", "no such account")
        if cmd.withdrawal_hash in self.withdrawals:
            raise Rejected("duplicate_withdrawal", "body", "this withdrawal is already accepted")
        rules.check_slot(self.slots, cmd.account_id, cmd.nonce, self.order_depth, "nonce", 0)
        if not 0 < cmd.amount <= acct.collateral:
            raise Rejected(
                "bad_amount",
                "amount",
                f"must be in [1, {acct.collateral}], the account's collateral",
            )
        rows = self.tables.get(cmd.epoch)
        if rows is None:
            raise Rejected("unknown_epoch", "epoch", f"no market table {cmd.epoch}")
        left = acct.collateral - cmd.amount
        if not account_passes(left, acct.positions, rows, self.max_positions):
            raise Rejected(
                "insufficient_margin",
                "amount",
                "the account would fail initial margin after the withdrawal",
            )
        out = Outcome(cmd, deltas={cmd.account_id: (-cmd.amount, {})})
        slot = self._slot_key(cmd.account_id, cmd.nonce)  # taken over: hard cancel by nonce
        self._close_orders(out, self._waiting(cmd.account_id, slot), "replaced_by_nonce")
        return out

    def _waiting(self, account_id: int, slot: tuple[int, int] | None = None) -> list[int]:
        """The account's open, then armed, orders (in one order slot if given: its open order
        is ``open_slots``'s, a slot holds one at a time)."""
        armed = self.armed.get(account_id, {})
        if slot is None:
            return [*self.open.get(account_id, {}), *armed]
        h = self.open_slots.get(slot)
        held = [a for a, o in armed.items() if self._slot_key(account_id, o.leg.order_id) == slot]
        return ([h] if h is not None else []) + held

    def _prepare_submit(self, cmd: SubmitCmd) -> Outcome:
        mandate = cmd.legs[0].mandate
        if mandate is not None:
            rules.check_mandate(cmd, self.series)
        else:
            rules.check_shape(cmd, self.series)
        account = cmd.legs[0].account_id
        acct = self.ledger.get(account)
        if acct is None:
            raise Rejected("unknown_account", "legs[0].account_id", "no such account")
        rules.check_nonces(cmd, self.slots, self.order_depth)
        if mandate is not None:  # armed until revoked, expired or used up; never on the book
            return self._arm(cmd, self._replaced(cmd))
        if cmd.oco:
            return self._admit_oco(cmd, self._replaced(cmd))
        return self._admit(cmd, self._replaced(cmd))

    def _admit(self, cmd: SubmitCmd, replaced: dict[int, OrderState]) -> Outcome:
        """The account checks of a submission (open orders, slots, margin), then it is armed
        (a trigger the table does not fire) or matched."""
        rows = self._account_checks(cmd, replaced)
        leg = cmd.legs[0]
        if not trigger_holds(self.marks.get(cmd.epoch, {}), *_trigger(leg)):
            return self._arm(cmd, replaced)
        return self._match(cmd, rows, replaced)

    def _admit_oco(self, cmd: SubmitCmd, replaced: dict[int, OrderState]) -> Outcome:
        """A one-cancels-other pair: a leg whose trigger the table fires enters (and the other
        is cancelled), else the leg without a trigger enters and the other is armed, unless
        the one entering filled at once (then it is cancelled); else both are armed."""
        rows = self._account_checks(cmd, replaced)
        marks = self.marks.get(cmd.epoch, {})
        fired = [g for g in cmd.legs if g.trigger_dir and trigger_holds(marks, *_trigger(g))]
        plain = [leg for leg in cmd.legs if not leg.trigger_dir]
        if not fired and not plain:
            return self._arm(cmd, replaced)
        enter = (fired or plain)[0]
        out = self._match(replace(cmd, legs=(enter,), oco=False), rows, replaced)
        out.command = cmd
        (st,) = out.new_orders
        leg = cmd.legs[1] if enter is cmd.legs[0] else cmd.legs[0]
        other = OrderState(leg, st.seq + 1, cmd.tif, st.group, oco=enter.order_hash)
        st.oco = leg.order_hash
        if fired or st.filled:
            other.status = Status.CANCELLED
            other.reason = "oco_other_fired" if fired else "oco_other_filled"
        else:
            other.status = Status.ARMED
        out.new_orders.append(other)
        return out

    def _account_checks(self, cmd: SubmitCmd, replaced: dict[int, OrderState]) -> Rows:
        """Open-order count, position slots and margin (each leg of an oco pair alone: only
        one can fill); the epoch's table rows."""
        account = cmd.legs[0].account_id
        acct = self.ledger.get(account)
        assert acct is not None  # checked at submission; accounts are never removed
        # orders that may rest count, armed ones too (off the book, they still wait)
        if cmd.tif in (Tif.LIMIT, Tif.POST_ONLY) or cmd.legs[0].trigger_dir:
            mine = self.open.get(account, {}) | self.armed.get(account, {})
            mine.pop(cmd.legs[0].order_hash, None)  # an armed order firing is not counted twice
            limit = self.max_open_orders - len(cmd.legs)
            if (
                len(mine) > limit
                and sum(1 for h, o in mine.items() if o.leg.expiry > cmd.now and h not in replaced)
                > limit
            ):
                raise Rejected(
                    "too_many_open_orders",
                    "legs",
                    f"at most {self.max_open_orders} open orders per account",
                )
        rows = self.tables.get(cmd.epoch)
        if rows is None:
            raise Rejected("unknown_epoch", "epoch", f"no market table {cmd.epoch}")
        for legs in [(leg,) for leg in cmd.legs] if cmd.oco else [cmd.legs]:
            cash, pos = rules.worst_case(legs, self.fee)
            positions = dict(acct.positions)
            for sid, q in pos.items():
                positions[sid] = positions.get(sid, 0) + q
            if not slots_fit(positions, self.max_positions):
                raise rules.slots_full(legs, acct.positions, positions, self.max_positions)
            if not account_passes(acct.collateral + cash, positions, rows, self.max_positions):
                raise Rejected(
                    "insufficient_margin",
                    "legs" if len(cmd.legs) > 1 else "legs[0]",
                    "the account would fail initial margin if the order filled",
                )
        return rows

    def _arm(self, cmd: SubmitCmd, replaced: dict[int, OrderState]) -> Outcome:
        """Triggered orders the current table does not fire (one, or an oco pair): kept off
        the book, armed."""
        first = next(iter(replaced), None)  # the order whose nonce slot it took, if any
        group = cmd.legs[0].order_hash
        states = [
            OrderState(leg, self.seq + i + 1, cmd.tif, group, replaced=first)
            for i, leg in enumerate(cmd.legs)
        ]
        for st in states:
            st.status = Status.ARMED
        if cmd.oco:
            a, b = states
            a.oco, b.oco = b.leg.order_hash, a.leg.order_hash
        out = Outcome(cmd, new_orders=states)
        self._close_orders(out, replaced, "replaced_by_nonce")
        return out

    def due_trigger(self, epoch: int, now: int) -> int | None:
        """The first armed order (arming order) the table of ``epoch`` fires, if any."""
        marks = self.marks.get(epoch, {})
        due = [
            o
            for mine in self.armed.values()
            for o in mine.values()
            if o.leg.expiry > now and trigger_holds(marks, *_trigger(o.leg))
        ]
        return min(due, key=lambda o: o.seq).leg.order_hash if due else None

    def _prepare_fire(self, cmd: FireCmd) -> Outcome:
        """The armed order enters as the order it describes, margin-checked against the table
        of ``cmd.epoch``; it fills what it can and rests (limit) or cancels (ioc) the rest."""
        o = self.orders.get(cmd.order_hash)
        marks = self.marks.get(cmd.epoch, {})
        armed = o is not None and o.status == Status.ARMED and o.leg.expiry > cmd.now
        if o is None or not armed or not trigger_holds(marks, *_trigger(o.leg)):
            return Outcome(cmd)
        sub = SubmitCmd((o.leg,), o.tif, cmd.now, cmd.epoch)
        try:
            out = self._admit(sub, {})
        except Rejected as exc:  # e.g. no longer margined: cancelled with the reason
            out = Outcome(cmd)
            out.updates.append(OrderUpdate(cmd.order_hash, 0, Status.CANCELLED, exc.code))
            return out
        out.command = cmd
        out.new_orders[0].oco = o.oco
        other = self.orders.get(o.oco) if o.oco is not None else None
        if other is not None and other.status in (Status.OPEN, Status.ARMED):
            h = other.leg.order_hash
            if h not in {u.order_hash for u in out.updates}:  # not closed by the match already
                out.updates.insert(
                    0, OrderUpdate(h, other.filled, Status.CANCELLED, "oco_other_fired")
                )
        return out

    def due_hedges(self, epoch: int, now: int) -> list[int]:
        """Armed mandates (arming order) whose account the table of ``epoch`` puts outside
        its band with something left to trade."""
        return [
            h
            for h, o in self.mandates.items()
            if o.leg.expiry > now and self._hedge_for(o, epoch) is not None
        ]

    def _hedge_for(self, o: OrderState, epoch: int) -> Hedge | None:
        m = o.leg.mandate
        acct = self.ledger.get(o.leg.account_id)
        if m is None or acct is None:
            return None
        deltas, marks = self.deltas.get(epoch, {}), self.marks.get(epoch, {})
        tick = self.series[m.series_id].size_tick
        return plan_hedge(m, o.remaining, acct.positions, deltas, marks.get(m.series_id), tick)

    def _prepare_hedge(self, cmd: HedgeCmd) -> Outcome:
        """One hedge under an armed mandate: an ioc toward the band against the book (its
        fills name the mandate, whose order slot counts them); the mandate stays armed until
        its quantity is used up."""
        o = self.orders.get(cmd.order_hash)
        if o is None or o.status != Status.ARMED or o.leg.expiry <= cmd.now:
            return Outcome(cmd)
        hedge = self._hedge_for(o, cmd.epoch)
        if hedge is None:
            return Outcome(cmd)
        m = o.leg.order
        order = Order(
            m.account_id, m.order_id, m.series_id, hedge.side, hedge.limit, hedge.qty, m.expiry
        )
        st = OrderState(Leg(o.leg.order_hash, order), o.seq, Tif.IOC, o.group)
        plan = Plan(self.ledger)
        marks = self.marks.get(cmd.epoch, {})
        self._take(st.leg, st, plan, self.tables.get(cmd.epoch, {}), cmd.now, marks)
        out = Outcome(cmd)
        self._book_plan(out, plan)
        if st.filled:
            filled = o.filled + st.filled
            done = Status.FILLED if filled == o.leg.qty else Status.ARMED
            out.updates.append(OrderUpdate(o.leg.order_hash, filled, done, None))
        return out

    def _slot_key(self, account_id: int, nonce: int) -> tuple[int, int]:
        """(account, order slot) of a nonce: orders and withdrawals share the slots."""
        return (account_id, nonce & ((1 << self.order_depth) - 1))

    def _replaced(self, cmd: SubmitCmd) -> dict[int, OrderState]:
        """Open and armed orders whose nonce slot the new legs take over (hard cancel by
        nonce)."""
        return {
            h: self.orders[h]
            for leg in cmd.legs
            for h in self._waiting(leg.account_id, self._slot_key(leg.account_id, leg.order_id))
        }

    # -- matching ---------------------------------------------------------------------

    def _match(self, cmd: SubmitCmd, rows: Rows, replaced: dict[int, OrderState]) -> Outcome:
        plan = Plan(self.ledger)
        for h in replaced:
            plan.closed[h] = (Status.CANCELLED, "replaced_by_nonce")
        group = cmd.legs[0].order_hash
        states = [
            OrderState(
                leg,
                self.seq + i + 1,
                cmd.tif,
                group,
                replaced=self.open_slots.get(self._slot_key(leg.account_id, leg.order_id)),
            )
            for i, leg in enumerate(cmd.legs)
        ]
        # Buy legs fill first: every fill is margin-checked on its own (as the circuit does),
        # and buying the protection before selling keeps spreads passing at each step.
        stops: list[str] = []  # why an account check stopped a leg, in leg order
        for st in sorted(states, key=lambda st: st.leg.side):
            leg = st.leg
            if cmd.tif == Tif.POST_ONLY:
                self._slide(st, plan, cmd.now)
            else:
                marks = self.marks.get(cmd.epoch, {})
                stopped = self._take(leg, st, plan, rows, cmd.now, marks)
                if st.remaining == 0:
                    st.status = Status.FILLED
                elif stopped:
                    st.status, st.reason = Status.CANCELLED, stopped
                    stops.append(stopped)
                elif cmd.tif == Tif.IOC:
                    st.status, st.reason = Status.CANCELLED, "ioc_remainder"
        out = Outcome(cmd, new_orders=states)
        if cmd.tif == Tif.FOK and any(st.remaining for st in states):
            # a leg an account check stopped is why (e.g. rolling a position with every slot
            # taken: the buy leg opens a series before the sell leg closes one)
            default = "fok_not_filled" if len(states) == 1 else "multi_leg_not_filled"
            return _killed(out, states, replaced, stops[0] if stops else default)
        cap = self.max_group_fills
        if cmd.legs[0].leg_count and cap is not None and len(plan.fills) > cap:
            return _killed(out, states, replaced, "group_exceeds_batch")
        self._book_plan(out, plan)
        return out

    def _book_plan(self, out: Outcome, plan: Plan) -> None:
        """The makers a plan closed or took from, its fills, account deltas and fees."""
        for h, (status, reason) in plan.closed.items():
            o = self.orders[h]
            out.updates.append(OrderUpdate(h, o.filled + plan.taken.get(h, 0), status, reason))
        for h, q in plan.taken.items():
            if h not in plan.closed:
                o = self.orders[h]
                done = o.filled + q == o.leg.qty
                out.updates.append(
                    OrderUpdate(h, o.filled + q, Status.FILLED if done else Status.OPEN, None)
                )
        out.fills = plan.fills
        out.deltas = plan.deltas()
        out.fees = plan.fees

    def _slide(self, st: OrderState, plan: Plan, now: int) -> None:
        """A post-only order that would cross rests one tick behind the opposite best, inside
        its signed limit (so every fill still proves), and its owner is told nothing: the
        answer is the same as for one that rests at its limit (docs/privacy.md)."""
        leg = st.leg
        for maker in self.books[leg.series_id].opposite(leg.side).in_priority():
            h = maker.leg.order_hash
            if h in plan.closed or maker.leg.expiry <= now:
                continue
            if crosses(leg.side, leg.price, maker.price):
                tick = self.series[leg.series_id].price_tick
                rest = maker.price - tick if leg.side == BUY else maker.price + tick
                if 0 < rest < 2**64:
                    st.rest_price = rest
                else:  # no price on the grid behind the best: refused, reason not naming why
                    st.status, st.reason = Status.CANCELLED, "post_only_not_rested"
            return

    def _fails(self, cash: int, positions: dict[int, int], rows: Rows) -> str | None:
        """Why an account in this state may not be proven (None: it passes): too many series
        for its position slots, or the margin rule (with unsigned collateral)."""
        if not slots_fit(positions, self.max_positions):
            return "position_slots_full"
        if not account_passes(cash, positions, rows, self.max_positions):
            return "insufficient_margin"
        return None

    def _take(
        self, leg: Leg, st: OrderState, plan: Plan, rows: Rows, now: int, marks: Mapping[int, int]
    ) -> str | None:
        """Fill ``leg`` against the book into ``plan``; the reason if a check on the taker's
        account stopped it (see :meth:`_fails`), None if it ran out of book or quantity. A
        resting triggered order fills only while the table (``marks``) still fires it: the
        batch proof checks its every fill against the batch's table."""
        sign = 1 if leg.side == BUY else -1
        for maker in self.books[leg.series_id].opposite(leg.side).in_priority():
            if st.remaining == 0 or not crosses(leg.side, leg.price, maker.price):
                break
            h = maker.leg.order_hash
            left = maker.remaining - plan.taken.get(h, 0)
            if h in plan.closed or left == 0:
                continue
            if maker.leg.expiry <= now:
                plan.closed[h] = (Status.EXPIRED, None)
                continue
            if maker.leg.account_id == leg.account_id:
                plan.closed[h] = (Status.CANCELLED, "self_trade_prevention")
                continue
            if not trigger_holds(marks, *_trigger(maker.leg)):
                continue  # it rests until a table fires it again
            q = min(st.remaining, left)
            px = maker.price  # its signed limit, or where a post-only order slid to
            # the buyer pays (price + fee) * qty, the seller gets (price - fee) * qty
            t_dc, m_dc = -sign * q * px - self.fee * q, sign * q * px - self.fee * q
            t_cash, t_pos = plan.state_after(leg.account_id, t_dc, leg.series_id, sign * q)
            why = self._fails(t_cash, t_pos, rows)
            if why:
                return why
            m_cash, m_pos = plan.state_after(maker.leg.account_id, m_dc, leg.series_id, -sign * q)
            why = self._fails(m_cash, m_pos, rows)
            if why:
                plan.closed[h] = (Status.CANCELLED, why)
                continue
            plan.book(leg.account_id, t_dc, leg.series_id, sign * q)
            plan.book(maker.leg.account_id, m_dc, leg.series_id, -sign * q)
            plan.fees += 2 * self.fee * q
            plan.taken[h] = plan.taken.get(h, 0) + q
            other = self.orders.get(maker.oco) if maker.oco is not None else None
            if other is not None and other.status == Status.ARMED:
                plan.closed[other.leg.order_hash] = (Status.CANCELLED, "oco_other_filled")
            st.filled += q
            plan.fills.append(
                Fill(
                    len(self.fills) + len(plan.fills) + 1,
                    leg.series_id,
                    px,
                    q,
                    h,
                    leg.order_hash,
                    maker.leg.account_id,
                    leg.account_id,
                    leg.side,
                )
            )
        return None

    # -- state changes ----------------------------------------------------------------

    def apply(self, out: Outcome) -> None:
        """Make a prepared outcome so (must be the next thing applied after prepare)."""
        cmd = out.command
        if isinstance(cmd, DepositCmd):
            acct = self.ledger.credit(
                cmd.ax, cmd.ay, cmd.amount, operator=cmd.operator, queue_index=cmd.queue_index
            )
            assert acct.account_id == out.account_id
            self._cancel_floors(acct.account_id)
            return
        if isinstance(cmd, KeeperCmd):
            self.ledger.last_keeper_batch = cmd.batch
        if isinstance(cmd, UnwindCmd):
            self.unwound.add((cmd.kind, cmd.ref))
        if isinstance(cmd, ChainRequestCmd):
            self.chain_requests[cmd.queue_index] = cmd
            self.last_request_index = cmd.queue_index
            self.account_requests.setdefault(cmd.account_id, []).append(cmd.queue_index)
            if out.updates:
                self.request_cancelled[cmd.queue_index] = [u.order_hash for u in out.updates]
            self._cancel_floors(cmd.account_id)
        if isinstance(cmd, WithdrawCmd):
            self.withdrawals[cmd.withdrawal_hash] = cmd
            key = self._slot_key(cmd.account_id, cmd.nonce)
            self.slots[key] = max(self.slots.get(key, -1), cmd.nonce)
        for u in out.updates:
            o = self.orders[u.order_hash]
            was_armed = o.status == Status.ARMED
            o.filled, o.status, o.reason = u.filled, u.status, u.reason
            if was_armed:  # off the book: nothing else (a mandate that hedged stays armed)
                if u.status != Status.ARMED:
                    del self.armed[o.leg.account_id][u.order_hash]
                    self.mandates.pop(u.order_hash, None)
            elif u.status != Status.OPEN:
                self.books[o.leg.series_id].side(o.leg.side).remove(o)
                del self.open[o.leg.account_id][u.order_hash]
                del self.open_slots[self._slot_key(o.leg.account_id, o.leg.order_id)]
        for st in out.new_orders:
            self.seq = max(self.seq, st.seq)
            leg = st.leg
            fired = self.armed.get(leg.account_id, {}).pop(leg.order_hash, None)
            if fired is None:  # else an armed order fired: it is listed already
                self.account_orders.setdefault(leg.account_id, []).append(leg.order_hash)
            self.orders[leg.order_hash] = st
            self.by_nonce[(leg.account_id, leg.order_id)] = leg.order_hash
            key = self._slot_key(leg.account_id, leg.order_id)
            self.slots[key] = max(self.slots.get(key, -1), leg.order_id)
            if st.status == Status.ARMED:
                self.armed.setdefault(leg.account_id, {})[leg.order_hash] = st
                if leg.mandate is not None:
                    self.mandates[leg.order_hash] = st
            if st.status == Status.OPEN:
                self.books[leg.series_id].side(leg.side).add(st)
                self.open.setdefault(leg.account_id, {})[leg.order_hash] = st
                self.open_slots[key] = leg.order_hash
        for f in out.fills:
            self.fills.append(f)
            self.account_fills.setdefault(f.maker_account, []).append(f)
            self.account_fills.setdefault(f.taker_account, []).append(f)
        for aid, (cash, pos) in out.deltas.items():
            self.ledger.apply_delta(aid, cash, pos)
        self.ledger.fees += out.fees  # no account's collateral: batches carry it out


def _killed(
    out: Outcome, states: list[OrderState], replaced: dict[int, OrderState], reason: str
) -> Outcome:
    """A fill-or-kill outcome that fills nothing: every leg cancelled with ``reason``; the
    orders its nonces replaced stay replaced."""
    for st in states:
        st.filled, st.status, st.reason = 0, Status.CANCELLED, reason
    out.updates = [
        OrderUpdate(h, o.filled, Status.CANCELLED, "replaced_by_nonce") for h, o in replaced.items()
    ]
    return out


def _trigger(leg: Leg) -> tuple[int, int, int]:
    return (leg.trigger_series, leg.trigger_level, leg.trigger_dir)
