"""Turn accepted deposits, fills and withdrawals into batches the circuit can prove.

The batcher owns the *sealed* state: the reference model's State after every batch sealed so
far (proved or not). ``seal`` takes, in circuit order and within the configuration's slot
counts, the next deposits of the on-chain queue, then fills in fill order, then withdrawals,
and runs each candidate through ``prover.model.apply_batch`` (strict): an operation the model
rejects is never sealed.

- Queue entries must all pass (the queue is consumed in order; one that cannot is a fatal
  error); a deposit that cannot be credited (bad key, 64-bit overflow, full tree) passes as a
  refund. Requests (forced withdrawals, cancels: ``prover.model.requests``) are served as the
  circuit serves them, at most one forced withdrawal per batch: a second one ends the batch's
  queue entries and waits, with everything behind it, for the next batch. What a forced
  withdrawal paid joins ``keeper_deltas`` (the ledger lowers the collateral as the proof does);
  the cancels applied are ``SealedBatch.cancels``.
- Fills keep their order. A fill the model rejects for a reason that can still go away (its
  account, or account 0, is not in the sealed state yet: rule ``account`` / ``fee_account``;
  or any rule while a deposit to one of its accounts waits in the queue beyond this batch)
  waits, and every later fill with it (``held`` says why). Any other rejection can never
  become valid (``expired``: batch timestamps only increase; ``signature``, ``margin``, ...:
  the relayer and the model disagree on the sealed state): the fill is refused for good
  (``refused_fills``, ``take_refused_fills`` for the store) and the later fills go on.
- Withdrawals go in acceptance order (the relayer's event order, ``Repository.withdrawals_after``)
  and never ahead of a fill the relayer accepted before them: the relayer margin-checked each
  operation on the state after the earlier ones, and a withdrawal sealed in the same batch as
  an earlier fill comes after it anyway (the circuit's order). A withdrawal the model rejects
  is refused for good (``refused``, and ``take_refused`` for the store), the others go on.

- Keeper ops go between the fills and the withdrawals (circuit order): liquidations of the
  accounts failing maintenance after the batch's fills (relayer.settlement.liquidations), then
  expiry settlements, payers first (relayer.settlement.expiries), each tried with the model and
  within the slot counts; ``keeper_deltas`` is what they did, for the relayer's ledger. The
  table is the newest registered one (``use_market``, set by the oracle keeper), except that
  the fills matched on the table it replaced are sealed on that one first, while the contract
  still takes it (``previous_until``): a batch of just those fills (and the deposits and keeper
  ops on that table, no withdrawal), so a newer table never refuses what its own passed.

Before sealing, ``prover.model.cover.with_cover`` adds cover touches: random existing accounts
the batch does not write, in its empty touch-capable slots, until A + 1 ids are written (when
the tree and the slots allow), so the blob does not tell who traded (docs/privacy.md). The data
blob is the model's (``apply_batch(...).data``: every leaf the batch wrote, encrypted to its
owner), which the proof binds through dataBinding.

A sealed batch keeps its operations (touches included), circuit inputs, public inputs and data
blob until the chain confirms it; a failed submission leaves it ``sealed`` for the next attempt.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from prover.crypto.eddsa import PrivateKey, Signature
from prover.model.apply import BatchResult, apply_batch
from prover.model.cover import with_cover
from prover.model.errors import Rejected
from prover.model.ops import (
    Batch,
    Cancel,
    ForcedWithdrawal,
    QueueEntry,
    SignedOrder,
    Trade,
    Withdrawal,
)
from prover.model.state import State
from prover.statement import encoding
from prover.statement.accounts import OPERATOR_ACCOUNT, AccountIds
from prover.statement.config import CircuitConfig
from prover.statement.deposits import key_accepted
from prover.statement.errors import StatementError
from prover.statement.market import MarketTable
from prover.statement.public_inputs import PublicInputs
from relayer.settlement.chain_watch import QueuedDeposit
from relayer.settlement.errors import SettlementError
from relayer.settlement.expiries import expired_positions
from relayer.settlement.genesis import genesis_state
from relayer.settlement.keeper_booking import Deltas, keeper_deltas, merge_deltas
from relayer.settlement.liquidations import failing_maintenance

# Model rules a fill may stop breaking once more of the queue is sealed: its account (or
# account 0, which pays the batch's settlements) does not exist yet. Every other rule is for good.
WAIT_RULES = frozenset({"account", "fee_account"})


@dataclass(frozen=True)
class PendingFill:
    fill_id: int
    trade: Trade
    event_seq: int = 0  # the relayer event that made it (0: unknown, no ordering)
    epoch: int | None = None  # the market table it was matched (margined) on; None: unknown


@dataclass(frozen=True)
class PendingWithdrawal:
    """A withdrawal the relayer accepted: its hash (the store's key) and its event (acceptance
    order); both None for one handed in directly, which waits for nothing."""

    withdrawal: Withdrawal
    withdrawal_hash: int | None = None
    event_seq: int | None = None


@dataclass(frozen=True)
class Hold:
    """Why an operation is not sealed: the model's rule and its detail."""

    what: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what}: {self.rule} ({self.detail})"


@dataclass
class SealedBatch:
    """One batch from sealing to confirmation. ``status``: sealed -> proving -> proved ->
    submitted -> confirmed, each step stored (relayer.settlement.batch_store)."""

    number: int  # 1, 2, ... (the contract's batch count after it lands)
    batch: Batch
    inputs: dict[str, Any] = field(repr=False)
    public: list[int]
    queue_count: int
    data: bytes = field(repr=False)
    fill_ids: list[int]
    deposits: list[QueuedDeposit]
    status: str = "sealed"
    proof: list[int] | None = None  # 8 words, calldata order
    tx_hash: str | None = None
    block_number: int | None = None
    gas_used: int | None = None
    attempts: list[str] = field(default_factory=list)  # one line per failed submission
    withdrawal_hashes: list[int] = field(default_factory=list)  # those from the store
    keeper_deltas: Deltas = field(default_factory=dict)  # keepers + forced payouts, booked
    cancels: list[tuple[int, int]] = field(default_factory=list)  # (account, order id) killed

    @property
    def old_root(self) -> int:
        return PublicInputs.from_list(self.public).old_root

    @property
    def new_root(self) -> int:
        return PublicInputs.from_list(self.public).new_root

    @property
    def timestamp(self) -> int:
        return self.batch.timestamp


def trade_from_row(row: dict[str, Any]) -> PendingFill:
    """A ``Repository.trades_after`` row (fill plus both signed orders) as a model Trade."""

    def signed(o: dict[str, Any]) -> SignedOrder:
        order = encoding.from_stored(*(o[f] for f in encoding.ORDER_FIELDS))  # or a mandate
        return SignedOrder(order, Signature(o["sig_r8x"], o["sig_r8y"], o["sig_s"]))

    trade = Trade(signed(row["buy"]), signed(row["sell"]), row["price"], row["qty"])
    return PendingFill(row["fill_id"], trade, row["event_seq"], row.get("epoch"))


def withdrawal_from_row(row: dict[str, Any]) -> PendingWithdrawal:
    """A ``Repository.withdrawals_after`` row as a model Withdrawal with its hash and event."""
    w = Withdrawal(
        row["account_id"],
        row["nonce"],
        row["amount"],
        int(row["eth_address"], 16),
        Signature(row["sig_r8x"], row["sig_r8y"], row["sig_s"]),
    )
    return PendingWithdrawal(w, row["withdrawal_hash"], row["event_seq"])


class Batcher:
    def __init__(self, config: CircuitConfig, market: MarketTable, operator: PrivateKey) -> None:
        self.config = config
        self.market = market
        # the table ``market`` replaced and the chain time until which a batch on it still
        # lands (the contract's grace for it, less the time to prove): fills matched on it
        self.previous: tuple[MarketTable, int] | None = None
        self.operator = operator  # account 0's key: its secret scalar makes each leaf's enc
        self.operator_key = operator.public_key()
        # after every sealed batch; account 0 is the operator's from genesis (issue 18 rule 6)
        self.state = genesis_state(config, operator)
        self.ids: AccountIds = self.state.account_ids()
        self.deposits: deque[QueuedDeposit] = deque()
        self.fills: deque[PendingFill] = deque()
        self.withdrawals: deque[PendingWithdrawal] = deque()
        self.held: Hold | None = None
        self.refused: list[Hold] = []
        self.refused_fills: list[tuple[int, Hold]] = []  # every fill refused for good
        self._refused_fills_new: list[tuple[int, Hold]] = []  # since take_refused_fills
        self._refused_new: list[tuple[int, Hold]] = []  # (withdrawal hash, why) not yet stored
        self.sealed: list[SealedBatch] = []
        self.last_fill_id = 0
        self.last_withdrawal_seq = 0
        self.last_timestamp = 0
        # (sealed state, batch, strict result) of the last batch ``_try`` passed: ``_applied``
        self._passed: tuple[State, Batch, BatchResult] | None = None

    # -- intake -------------------------------------------------------------------------

    def add_deposit(self, dep: QueuedDeposit) -> int | None:
        """Queue an on-chain deposit; returns the account id it credits (``AccountIds``: the
        operator's key is account 0, every other new key the next id from 1, in queue order),
        None when the batch will refund it (issue 18 rule 7: a key no account may hold, or no
        leaf left; an overflow is refunded by the model too, with the key's id returned).
        An entry the sealed state already consumed (the queue read again after a restart) is
        not queued twice."""
        if dep.queue_index < self.state.deposits_processed:
            return dep.account_id if dep.is_request else self.ids.get((dep.ax, dep.ay))
        if dep.is_request:  # served by the batch that consumes it (its account is its own)
            self.deposits.append(dep)
            return dep.account_id
        self.deposits.append(dep)
        if not key_accepted(dep.ax, dep.ay):
            return None
        try:
            return self.ids.assign((dep.ax, dep.ay))
        except StatementError:  # the tree is full
            return None

    def _account_of(self, dep: QueuedDeposit) -> int:
        aid = self.ids.get((dep.ax, dep.ay))
        return OPERATOR_ACCOUNT if aid is None else aid  # a request: unused

    def add_fill(self, fill: PendingFill) -> None:
        if fill.fill_id <= self.last_fill_id:
            return  # already queued (fills are read again after a restart)
        self.fills.append(fill)
        self.last_fill_id = fill.fill_id

    def add_withdrawal(self, w: Withdrawal | PendingWithdrawal) -> None:
        """Queue a withdrawal: a bare one (signed here, waits for nothing) or one the relayer
        accepted (``withdrawal_from_row``), skipped if already queued (read again)."""
        pw = w if isinstance(w, PendingWithdrawal) else PendingWithdrawal(w)
        if pw.event_seq is not None:
            if pw.event_seq <= self.last_withdrawal_seq:
                return
            self.last_withdrawal_seq = pw.event_seq
        self.withdrawals.append(pw)

    def take_refused_fills(self) -> list[tuple[int, Hold]]:
        """Fills refused since the last call: (fill id, the model's rule), for the store."""
        out, self._refused_fills_new = self._refused_fills_new, []
        return out

    def _refuse_fill(self, pf: PendingFill, err: Rejected) -> None:
        hold = Hold(f"fill {pf.fill_id}", err.rule, err.detail)
        self.fills.remove(pf)
        self.refused_fills.append((pf.fill_id, hold))
        self._refused_fills_new.append((pf.fill_id, hold))

    def _may_pass_later(self, pf: PendingFill, err: Rejected, queued: int) -> bool:
        """Whether a fill the model rejects now may pass in a later batch: its account (or
        account 0) is not sealed yet, or a deposit to one of its accounts is still queued
        beyond the ``queued`` this batch consumes (its collateral is not sealed yet)."""
        if err.rule in WAIT_RULES:
            return True
        mine = {so.order.account_id for so in (pf.trade.buy, pf.trade.sell)}
        for d in list(self.deposits)[queued:]:
            if not d.is_request and self.ids.get((d.ax, d.ay)) in mine:
                return True
        return False

    def take_refused(self) -> list[tuple[int, Hold]]:
        """Withdrawals from the store refused since the last call: (hash, the model's rule)."""
        out, self._refused_new = self._refused_new, []
        return out

    @property
    def has_work(self) -> bool:
        return bool(self.deposits or self.fills or self.withdrawals)

    def use_market(self, market: MarketTable, *, previous_until: int | None = None) -> None:
        """Seal from now on with ``market`` (the newest registered table). ``previous_until``:
        until that chain time, fills matched on the table it replaces are still sealed on that
        table (the contract takes it during its grace), so a newer table never refuses a fill
        its own table passed; later they meet the newest, like every other operation."""
        if previous_until is not None and market.epoch > self.market.epoch:
            self.previous = (self.market, previous_until)
        elif market.epoch != self.market.epoch:
            self.previous = None
        self.market = market

    def _table_for(self, timestamp: int) -> MarketTable:
        """The table the next batch uses: the replaced one while the first waiting fill was
        matched on it and the batch still lands in its grace, else the newest."""
        if self.previous is not None and self.fills:
            table, until = self.previous
            if self.fills[0].epoch == table.epoch and timestamp <= until:
                return table
        return self.market

    def keeper_work(self) -> bool:
        """An account of the sealed state fails maintenance, or holds an expired series."""
        return bool(
            failing_maintenance(self.state, self.market)
            or expired_positions(self.state, self.market)
        )

    def _keeper_ops(self, batch: Batch) -> Batch:
        """``batch`` (deposits and fills) plus the liquidations, then the expiry settlements
        (payers first), that the model accepts on top of it (on its table), within the slot
        counts."""
        cfg = self.config
        mid = self._applied(batch).state
        for lq in failing_maintenance(mid, batch.market)[: cfg.liquidations]:
            cand = replace(batch, liquidations=(*batch.liquidations, lq))
            if self._try(cand) is None:
                batch = cand
        after = self._applied(batch).state
        for x in expired_positions(after, batch.market):
            if len(batch.settlements) == cfg.settlements:
                break
            cand = replace(batch, settlements=(*batch.settlements, x))
            if self._try(cand) is None:  # a long waits while account 0 cannot pay it yet
                batch = cand
        return batch

    # -- sealing ------------------------------------------------------------------------

    def _try(self, batch: Batch) -> Rejected | None:
        try:
            result = apply_batch(self.state, batch)
        except Rejected as exc:
            return exc
        self._passed = (self.state, batch, result)
        return None

    def _applied(self, batch: Batch) -> BatchResult:
        """The model's strict result for ``batch`` on the sealed state: the last passing
        ``_try``'s when it tried this very batch (seal runs the model once per batch), else a
        fresh run."""
        if self._passed is not None:
            state, tried, result = self._passed
            if state is self.state and tried is batch:
                return result
        return apply_batch(self.state, batch)

    def _timestamp_for_head_fill(self, timestamp: int, market: MarketTable) -> int:
        """An earlier timestamp (never before previous + 1) when the next fill's orders or its
        series expire before ``timestamp``: the circuit checks timestamp <= the orders' expiry
        and < the series' (rule 2), the contract only previous < timestamp <= now."""
        for pf in self.fills:
            o = pf.trade.buy.order
            row = market.row(o.series_id)
            series_last = row.expiry - 1 if row is not None else o.expiry
            expiry = min(o.expiry, pf.trade.sell.order.expiry, series_last)
            if expiry > self.last_timestamp:  # an earlier one can never pass: refused below
                return max(self.last_timestamp + 1, min(timestamp, expiry))
        return timestamp

    def _take_fills(self, batch: Batch, queued: int) -> tuple[Batch, list[PendingFill]]:
        """The waiting fills the batch takes, in order: all of the first slots' worth in one
        model run when they pass together (the usual case), else one unit at a time, holding
        at the first that may pass later and refusing those that never can. On the table a
        newer one replaced, only the fills matched on it (the ones in front)."""
        cfg = self.config
        pending = list(self.fills)
        if batch.market is not self.market:
            epoch = batch.market.epoch
            ahead = next((i for i, pf in enumerate(pending) if pf.epoch != epoch), len(pending))
            pending = pending[:ahead]
        every = [pf for unit in _first_units(pending, cfg) for pf in unit]
        if every:
            cand = replace(batch, trades=(*batch.trades, *(pf.trade for pf in every)))
            if self._try(cand) is None:
                return cand, every
        trades: list[PendingFill] = []
        packing = _Packing(cfg)
        for unit in _units(pending):
            if not packing.fits(unit):
                break  # full, or the unit goes first in the next batch
            cand = replace(batch, trades=(*batch.trades, *(pf.trade for pf in unit)))
            err = self._try(cand)
            if err is None:
                batch, trades = cand, [*trades, *unit]
                packing.take(unit)
            elif any(self._may_pass_later(pf, err, queued) for pf in unit):
                self.held = Hold(f"fill {unit[-1].fill_id}", err.rule, err.detail)
                break
            else:  # never valid: dropped from settlement with the model's reason (a group whole)
                for pf in unit:
                    self._refuse_fill(pf, err)
        return batch, trades

    def seal(self, timestamp: int, *, allow_empty: bool = False) -> SealedBatch | None:
        """The next batch at ``timestamp`` (> the previous one; earlier if the next fill's
        orders expire before it), or None if nothing fits (``allow_empty``: then an empty
        batch, no operation at all, e.g. a keep-alive that keeps the contract live)."""
        cfg = self.config
        if timestamp <= self.last_timestamp:
            raise SettlementError(
                f"batch timestamp {timestamp} must be after the previous {self.last_timestamp}"
            )
        market = self._table_for(timestamp)
        timestamp = self._timestamp_for_head_fill(timestamp, market)
        queued = _queue_slice(self.deposits, cfg.deposits)
        deps = tuple(d.operation(self._account_of(d)) for d in queued)
        batch = Batch(timestamp, market, deps)
        err = self._try(batch)
        if err is not None:
            raise SettlementError(f"the deposit queue cannot be consumed: {err}")

        self.held = None
        batch, trades = self._take_fills(batch, len(queued))

        before_keepers = self._applied(batch).state
        batch = self._keeper_ops(batch)
        after_keepers = self._applied(batch).state  # withdrawals go after

        taken: list[PendingWithdrawal] = []
        left = list(self.fills)[len(trades) :]
        barrier = left[0].event_seq if left and left[0].event_seq else None  # unsealed fill
        for pw in list(self.withdrawals) if market is self.market else []:
            if len(taken) == cfg.withdrawals:  # (margined on the newest table: wait for it)
                break
            if barrier is not None and pw.event_seq is not None and pw.event_seq > barrier:
                break  # accepted after a fill still waiting: after it, in order
            w = pw.withdrawal
            cand = replace(batch, withdrawals=(*batch.withdrawals, w))
            err = self._try(cand)
            if err is None:
                batch, taken = cand, [*taken, pw]
            else:
                self.withdrawals.remove(pw)
                what = f"withdrawal {w.nonce} of account {w.account_id}"
                hold = Hold(what, err.rule, err.detail)
                self.refused.append(hold)
                if pw.withdrawal_hash is not None:
                    self._refused_new.append((pw.withdrawal_hash, hold))

        keeper_ops = (*batch.liquidations, *batch.settlements)
        if not (deps or trades or taken or keeper_ops or allow_empty):
            return None
        number = len(self.sealed) + 1
        keeper_accounts = {op.account_id for op in keeper_ops}
        booked = _booked(before_keepers, after_keepers, keeper_accounts)
        # cover touches (prover.model.cover): random existing accounts the batch does not
        # write, in its empty touch-capable slots, up to A + 1 written ids
        final = with_cover(self.state, batch, written=self._applied(batch).written)
        # strict: the model accepts what is sealed (``batch`` itself, run once, when uncovered)
        result = self._applied(final)
        data = result.data  # the model's DBK3 blob: every leaf it wrote, as the proof binds it
        booked = merge_deltas(booked, _forced_payout(deps, result.forced_paid))
        cancels = _cancels(self.state, result.state, deps)

        for _ in queued:
            self.deposits.popleft()
        for _ in trades:
            self.fills.popleft()
        for pw in taken:
            self.withdrawals.remove(pw)
        self.state = result.state
        self._passed = None
        self.last_timestamp = timestamp
        sealed = SealedBatch(
            number,
            final,
            result.inputs,
            result.public,
            len(queued),
            data,
            [pf.fill_id for pf in trades],
            queued,
            withdrawal_hashes=[
                pw.withdrawal_hash for pw in taken if pw.withdrawal_hash is not None
            ],
            keeper_deltas=booked,
            cancels=cancels,
        )
        self.sealed.append(sealed)
        return sealed

    def unconfirmed(self) -> list[SealedBatch]:
        return [b for b in self.sealed if b.status != "confirmed"]


def _group_keys(pf: PendingFill) -> set[tuple[int, int, int]]:
    """The signed atomic groups a fill's orders belong to: (account, group id, legs)."""
    orders = (pf.trade.buy.order, pf.trade.sell.order)
    return {(o.account_id, o.group_id, o.leg_count) for o in orders if o.leg_count}


@dataclass
class _Packing:
    """What the fills taken so far use of a batch: its fill slots, its account slots (one per
    account the fills touch), and the accounts of its hedge mandates, which may have no other
    fill in the batch (the hedge is checked on the account's state after all its fills)."""

    config: CircuitConfig
    fills: int = 0
    accounts: set[int] = field(default_factory=set)
    mandated: set[int] = field(default_factory=set)

    def fits(self, unit: list[PendingFill]) -> bool:
        """``unit`` goes in whole: room for its fills and accounts and no mandate account
        shared, or it is the batch's first (a unit too large for any batch is then tried, and
        refused with the model's reason)."""
        if self.fills == 0:
            return True
        accounts, mandated = _unit_accounts(unit)
        return (
            self.fills + len(unit) <= self.config.trades
            and len(self.accounts | accounts) <= self.config.accounts
            and not (mandated & self.accounts or accounts & self.mandated)
        )

    def take(self, unit: list[PendingFill]) -> None:
        accounts, mandated = _unit_accounts(unit)
        self.fills += len(unit)
        self.accounts |= accounts
        self.mandated |= mandated


def _unit_accounts(unit: list[PendingFill]) -> tuple[set[int], set[int]]:
    """The accounts a unit's fills touch, and those of its mandate sides."""
    orders = [o for pf in unit for o in (pf.trade.buy.order, pf.trade.sell.order)]
    return {o.account_id for o in orders}, {
        o.account_id for o in orders if isinstance(o, encoding.Mandate)
    }


def _first_units(pending: list[PendingFill], config: CircuitConfig) -> list[list[PendingFill]]:
    """The units that fill the first fill and account slots, as the one-at-a-time loop takes
    them when every one passes."""
    units: list[list[PendingFill]] = []
    packing = _Packing(config)
    for unit in _units(pending):
        if not packing.fits(unit):
            break
        units.append(unit)
        packing.take(unit)
    return units


def _units(pending: list[PendingFill]) -> Iterator[list[PendingFill]]:
    """``pending`` cut into units (:func:`_unit`), in order."""
    i = 0
    while i < len(pending):
        unit = _unit(pending, i)  # one fill, or every fill of an atomic group: together
        i += len(unit)
        yield unit


def _unit(pending: list[PendingFill], i: int) -> list[PendingFill]:
    """``pending[i]`` and the fills after it that share an atomic group with it (the engine
    stores a group's fills one after another): they prove in one batch or not at all."""
    keys, n = _group_keys(pending[i]), 1
    while keys and i + n < len(pending) and keys & _group_keys(pending[i + n]):
        keys |= _group_keys(pending[i + n])
        n += 1
    return pending[i : i + n]


def _queue_slice(entries: deque[QueuedDeposit], slots: int) -> list[QueuedDeposit]:
    """The next entries a batch consumes: up to ``slots``, in order, stopping before a second
    forced withdrawal (the circuit serves one per batch)."""
    out: list[QueuedDeposit] = []
    for d in list(entries)[:slots]:
        if d.is_forced_withdrawal and any(e.is_forced_withdrawal for e in out):
            break
        out.append(d)
    return out


def _forced_payout(deps: tuple[QueueEntry, ...], paid: int) -> Deltas:
    """What the batch's forced withdrawal (at most one) took from its account."""
    payers = [e.account_id for e in deps if isinstance(e, ForcedWithdrawal)]
    return {payers[0]: (-paid, {})} if payers and paid else {}


def _cancels(before: State, after: State, deps: tuple[QueueEntry, ...]) -> list[tuple[int, int]]:
    """(account, order id) of each cancel the batch applied (its order slot was killed)."""
    out = []
    for e in deps:
        if not isinstance(e, Cancel):
            continue
        b, a = before.get(e.account_id), after.get(e.account_id)
        if a is not None and b is not None and a.read_slot(e.order_id) != b.read_slot(e.order_id):
            out.append((e.account_id, e.order_id))
    return out


def _booked(before: State, after: State, accounts: set[int]) -> Deltas:
    """What the batch's keeper ops did to each account (and account 0), for the ledger:
    ``before`` and ``after`` are the model's states after the batch's fills and keeper ops."""
    if not accounts:
        return {}
    return keeper_deltas(before, after, accounts | {OPERATOR_ACCOUNT})
