"""The write path: submit, cancel, cancel-all, sweep, deposit and withdraw.

Each command checks its signatures in the request thread (the slow part, done in parallel),
then queues a step on the group-commit writer and waits for its committed answer. A step runs
on the writer thread under the venue lock: state checks, ``Engine.prepare``, and the answer to
render once the group is stored (relayer.intake.group_commit).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace

from prover.crypto.eddsa import Signature, verify
from prover.errors import CryptoError
from prover.statement.accounts import OPERATOR_ACCOUNT
from prover.statement.encoding import (
    ORDER_FIELDS,
    Mandate,
    Order,
    cancel_hash,
    mandate_hash,
    order_hash,
    withdrawal_hash,
)
from relayer.api.errors import ApiError
from relayer.intake import schemas, views
from relayer.intake.venue_state import VenueState
from relayer.intake.what_if import MARGIN_CODES, MarginRefused, what_if
from relayer.intake.writer import GroupWriter, Step
from relayer.matching.errors import Rejected
from relayer.matching.rate_limit import RateLimiter
from relayer.matching.types import (
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
    Outcome,
    SubmitCmd,
    Tif,
    UnwindCmd,
    WithdrawCmd,
)
from relayer.settings import GenesisAccount
from relayer.storage.repository import LegExtra

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
# issue 18 rule 1: account 0 holds what the venue owes others (settlement float, insurance), so
# the batch circuit refuses it as a trade party or a withdrawer; intake refuses it first
_OPERATOR_REFUSED = "account 0 is the venue's: it never trades or withdraws (issue 18 rule 1)"


def _not_operator(account_id: int, field: str) -> None:
    if account_id == OPERATOR_ACCOUNT:
        raise ApiError("operator_account", field, _OPERATOR_REFUSED)


class CommandService:
    def __init__(self, state: VenueState, writer: GroupWriter) -> None:
        self._state = state
        self._writer = writer
        limits = state.settings
        self._limiter = RateLimiter(limits.order_rate_per_second, limits.order_burst)

    def submit(self, req: schemas.SubmitOrderIn) -> schemas.SubmitOut:
        legs: list[Leg] = []
        extras: dict[int, LegExtra] = {}
        for i, x in enumerate(req.legs):
            _not_operator(x.account_id, f"legs[{i}].account_id")
            try:
                order = Order(**{f: getattr(x, f) for f in ORDER_FIELDS})
            except CryptoError as exc:
                raise ApiError("bad_field", f"legs[{i}]", str(exc)) from None
            h = order_hash(self._state.domain, order)
            sig = self._verify(x.account_id, h, x.signature, f"legs[{i}].")
            legs.append(Leg(h, order))
            extras[h] = LegExtra(sig, req.client_order_id)
        try:  # after the signatures: nobody spends another account's tokens
            self._limiter.take(legs[0].account_id, self._state.clock())
        except Rejected as exc:
            raise ApiError(exc.code, exc.field, exc.reason) from None
        return self._writer.submit(lambda: self._submit_step(legs, extras, req.type, req.oco))

    def submit_mandate(self, req: schemas.MandateIn) -> tuple[int, bool]:
        """Verify and arm a signed hedge mandate; (its hash, whether it was known already)."""
        _not_operator(req.account_id, "account_id")
        try:
            m = Mandate(
                req.account_id,
                req.order_id,
                req.series_id,
                req.price,
                req.qty,
                req.expiry,
                req.band_lo,
                req.band_hi,
                req.max_per_fill,
            )
        except CryptoError as exc:
            raise ApiError("bad_field", "mandate", str(exc)) from None
        h = mandate_hash(self._state.domain, m)
        sig = self._verify(req.account_id, h, req.signature, "")
        leg, extra = Leg(h, m), LegExtra(sig, req.client_order_id)
        try:
            self._limiter.take(req.account_id, self._state.clock())
        except Rejected as exc:
            raise ApiError(exc.code, exc.field, exc.reason) from None
        return self._writer.submit(lambda: self._mandate_step(leg, extra))

    def _mandate_step(self, leg: Leg, extra: LegExtra) -> Step:
        state = self._state
        h = leg.order_hash
        if h in state.engine.orders:  # the same signed mandate again
            return Step(None, {}, lambda: (h, True))
        cmd = SubmitCmd((leg,), Tif.LIMIT, state.now(), state.snapshot.epoch)
        return Step(self._prepare(cmd), {h: extra}, lambda: (h, False))

    def cancel(self, req: schemas.CancelIn) -> schemas.OrderOut:
        msg = cancel_hash(self._state.domain, req.account_id, req.order_id)
        self._verify(req.account_id, msg, req.signature, "")
        return self._writer.submit(lambda: self._cancel_step(req.account_id, req.order_id))

    def cancel_all(self, account_id: int, series_id: int | None) -> list[schemas.OrderOut]:
        """Cancel every resting order of the account (of one series if given), one cancel
        event per order as if each were cancelled alone, all in one commit; the orders it
        closed (none the second time: idempotent). The caller has checked the signature."""
        if series_id is not None and series_id not in self._state.registry.series:
            raise ApiError("unknown_series", "series_id", f"no series {series_id}")
        return self._writer.submit(lambda: self._cancel_all_step(account_id, series_id))

    def withdraw(self, req: schemas.WithdrawalIn) -> tuple[int, bool]:
        """Accept a signed withdrawal (debited at once); returns its hash and whether it was
        already accepted (the same signed withdrawal again)."""
        _not_operator(req.account_id, "account_id")
        if not _ADDRESS.fullmatch(req.eth_address):
            raise ApiError("bad_address", "eth_address", "must be 0x followed by 40 hex digits")
        address = int(req.eth_address, 16)
        if address == 0:
            raise ApiError("bad_address", "eth_address", "the zero address cannot claim")
        if req.amount == 0:
            raise ApiError("bad_amount", "amount", "must be at least 1")
        h = withdrawal_hash(self._state.domain, req.account_id, req.nonce, req.amount, address)
        sig = self._verify(req.account_id, h, req.signature, "")
        cmd = (req.account_id, req.nonce, req.amount, address)
        return self._writer.submit(lambda: self._withdraw_step(h, sig, *cmd))

    def fire_triggers(self) -> int:
        """Enter every armed order the current table fires (one event each, arming order, so
        replays do the same); returns how many."""
        fired = 0
        while self._writer.submit(self._fire_step):
            fired += 1
        return fired

    def hedge_mandates(self) -> int:
        """One hedge for every armed mandate the current table puts outside its band (one
        event each, arming order, so replays do the same); returns how many traded."""
        traded = 0
        state = self._state
        with state.lock:
            due = state.engine.due_hedges(state.snapshot.epoch, state.now())
        for h in due:
            traded += bool(self._writer.submit(lambda h=h: self._hedge_step(h)))
        return traded

    def sweep(self) -> int:
        """Expire every open order past its expiry (an event, so replays do the same);
        returns how many. Matching also expires what it meets."""
        return self._writer.submit(self._sweep_step)

    def deposit(self, req: schemas.DepositIn) -> schemas.DepositOut:
        return self._writer.submit(lambda: self._deposit_step(req.ax, req.ay, req.amount))

    def chain_deposit(self, ax: int, ay: int, amount: int, queue_index: int, operator: bool) -> int:
        """Credit an on-chain deposit (queue entry ``queue_index``, each credited once) through
        the write path; returns the account id (0 for the operator's key)."""
        cmd = DepositCmd(ax, ay, amount, self._state.now(), queue_index, operator)
        return self._writer.submit(lambda: self._chain_deposit_step(cmd))

    def keeper_batch(
        self,
        batch: int,
        deltas: Mapping[int, tuple[int, Mapping[int, int]]],
        liquidated: tuple[int, ...] = (),
    ) -> None:
        """Book what sealed batch ``batch``'s liquidations and expiry settlements did (per
        account: collateral change, position changes), once, through the write path; the
        ``liquidated`` accounts' resting orders are cancelled in the same event."""
        rows = tuple((a, c, tuple(sorted(p.items()))) for a, (c, p) in sorted(deltas.items()))
        cmd = KeeperCmd(batch, rows, self._state.now(), tuple(sorted(set(liquidated))))
        self._writer.submit(lambda: Step(self._prepare(cmd), {}, lambda: None))

    def chain_request(self, cmd: ChainRequestCmd) -> bool:
        """Book an on-chain request (once per queue index, through the write path): a cancel
        closes the slot's orders at once. False if it was booked already."""
        return self._writer.submit(lambda: self._chain_request_step(cmd))

    def unwind_refused(self, kind: str, refused: list[tuple[int, str]]) -> int:
        """Take back from the ledger every ``kind`` (fill or withdrawal) of ``refused`` (its
        id or hash, reason: the batch model refused it for good) not taken back yet, in the
        order given, one ``unwind`` event each (replayed); returns how many."""
        done = 0
        for ref, reason in refused:
            with self._state.lock:
                if (kind, ref) in self._state.engine.unwound:
                    continue
            cmd = UnwindCmd(kind, ref, reason, self._state.now())
            try:
                self._writer.submit(lambda cmd=cmd: Step(self._prepare(cmd), {}, lambda: None))
            except ApiError as exc:  # another caller took it back first
                if exc.code != "duplicate_unwind":
                    raise
                continue
            done += 1
        return done

    def _chain_request_step(self, cmd: ChainRequestCmd) -> Step:
        if cmd.queue_index <= self._state.engine.last_request_index:
            return Step(None, {}, lambda: False)
        out = self._prepare(replace(cmd, now=self._state.now()))
        return Step(out, {}, lambda: True)

    def credit_genesis(self, accounts: list[GenesisAccount]) -> None:
        """First start only: credit the configured accounts, as deposits in the log."""
        for g in accounts:
            self._writer.submit(lambda g=g: self._deposit_step(g.ax, g.ay, g.collateral))

    # -- signatures (request thread) --------------------------------------------------

    def _verify(
        self, account_id: int, msg: int, sig: schemas.SignatureIn, prefix: str
    ) -> tuple[int, int, int]:
        """Check ``sig`` over ``msg`` by the account's key; ``prefix`` names the fields."""
        pub = self._state.pubkey(account_id)
        if pub is None:
            raise ApiError("unknown_account", f"{prefix}account_id", "no such account")
        s = Signature(sig.r8x, sig.r8y, sig.s)
        if not verify(pub, msg, s):
            raise ApiError(
                "bad_signature", f"{prefix}signature", "does not verify for the account's key"
            )
        return (s.r8x, s.r8y, s.s)

    # -- steps (writer thread, under the lock) ----------------------------------------

    def _prepare(
        self, cmd: Command, margin: Callable[[], schemas.WhatIfOut] | None = None
    ) -> Outcome:
        """``engine.prepare``; a margin refusal carries ``margin()``'s numbers."""
        try:
            return self._state.engine.prepare(cmd)
        except Rejected as exc:
            if margin is not None and exc.code in MARGIN_CODES:
                raise MarginRefused(exc.code, exc.field, exc.reason, margin()) from None
            raise ApiError(exc.code, exc.field, exc.reason) from None

    def _submit_step(
        self, legs: list[Leg], extras: dict[int, LegExtra], tif: Tif, oco: bool = False
    ) -> Step:
        known = [leg.order_hash in self._state.engine.orders for leg in legs]
        if all(known):  # the same signed order again: answer from what is stored
            return Step(None, {}, lambda: self._submitted(legs, self._fills_of(legs), True))
        if any(known):
            i = known.index(True)
            raise ApiError("duplicate_order", f"legs[{i}]", "already accepted elsewhere")
        state = self._state
        out = self._prepare(
            SubmitCmd(tuple(legs), tif, state.now(), state.snapshot.epoch, oco),
            lambda: what_if(state, legs[0].account_id, legs),
        )
        return Step(out, extras, lambda: self._submitted(legs, out.fills, False))

    def _fills_of(self, legs: list[Leg]) -> list[Fill]:
        """The fills of these (already accepted) legs, from their account's side."""
        acct = legs[0].account_id
        mine = {leg.order_hash for leg in legs}
        return [
            f
            for f in self._state.engine.account_fills.get(acct, [])
            if (f.taker_hash if f.taker_account == acct else f.maker_hash) in mine
        ]

    def _submitted(self, legs: list[Leg], fills: list[Fill], duplicate: bool) -> schemas.SubmitOut:
        state = self._state
        now = state.now()
        orders = [
            views.order_out(
                state.engine.orders[leg.order_hash], state.client_ids.get(leg.order_hash), now
            )
            for leg in legs
        ]
        acct, fee = legs[0].account_id, state.engine.fee
        return schemas.SubmitOut(
            duplicate=duplicate,
            orders=orders,
            fills=[views.fill_out(f, acct, None, fee, state.fill_times[f.fill_id]) for f in fills],
            replaced=[o.replaced for o in orders if o.replaced is not None],
        )

    def _cancel_step(self, account_id: int, order_id: int) -> Step:
        state = self._state
        out = self._prepare(CancelCmd(account_id, order_id, state.now()))
        h = state.engine.by_nonce[(account_id, order_id)]

        def render() -> schemas.OrderOut:
            return views.order_out(state.engine.orders[h], state.client_ids.get(h), state.now())

        return Step(out if out.updates else None, {}, render)  # a no-op is not logged

    def _cancel_all_step(self, account_id: int, series_id: int | None) -> Step:
        state = self._state
        now = state.now()
        mine = state.engine.open.get(account_id, {}) | state.engine.armed.get(account_id, {})
        resting = sorted(
            (o for o in mine.values() if series_id is None or o.leg.series_id == series_id),
            key=lambda o: o.seq,
        )
        hashes = [o.leg.order_hash for o in resting]
        ids = list(dict.fromkeys(o.leg.order_id for o in resting))  # one cancel closes a pair
        # distinct orders: each cancel is prepared on the same state and applied in turn
        outs = [self._prepare(CancelCmd(account_id, i, now)) for i in ids]

        def render() -> list[schemas.OrderOut]:
            return [
                views.order_out(state.engine.orders[h], state.client_ids.get(h), now)
                for h in hashes
            ]

        first, rest = (outs[0], tuple(outs[1:])) if outs else (None, ())
        return Step(first, {}, render, also=rest)

    def _fire_step(self) -> Step:
        state = self._state
        now, epoch = state.now(), state.snapshot.epoch
        h = state.engine.due_trigger(epoch, now)
        if h is None:
            return Step(None, {}, lambda: False)
        out = self._prepare(FireCmd(h, epoch, now))
        return Step(out, {}, lambda: True)

    def _hedge_step(self, h: int) -> Step:
        state = self._state
        out = self._prepare(HedgeCmd(h, state.snapshot.epoch, state.now()))
        return Step(out if out.fills else None, {}, lambda: len(out.fills))

    def _sweep_step(self) -> Step:
        out = self._prepare(ExpireCmd(self._state.now()))
        return Step(out if out.updates else None, {}, lambda: len(out.updates))

    def _withdraw_step(
        self,
        h: int,
        sig: tuple[int, int, int],
        account_id: int,
        nonce: int,
        amount: int,
        address: int,
    ) -> Step:
        state = self._state
        if h in state.engine.withdrawals:  # the same signed withdrawal again
            return Step(None, {}, lambda: (h, True))
        cmd = WithdrawCmd(h, account_id, nonce, amount, address, state.now(), state.snapshot.epoch)
        out = self._prepare(cmd, lambda: what_if(state, account_id, [], -amount))
        return Step(out, {h: LegExtra(sig, None)}, lambda: (h, False))

    def _chain_deposit_step(self, cmd: DepositCmd) -> Step:
        out = self._prepare(replace(cmd, now=self._state.now()))
        return Step(out, {}, lambda: out.account_id)

    def _deposit_step(self, ax: int, ay: int, amount: int) -> Step:
        out = self._prepare(DepositCmd(ax, ay, amount, self._state.now()))

        def render() -> schemas.DepositOut:
            acct = self._state.engine.ledger.accounts[out.account_id]  # type: ignore[index]
            return schemas.DepositOut(account_id=acct.account_id, collateral=str(acct.collateral))

        return Step(out, {}, render)
