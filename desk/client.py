"""``Desk``: one trading desk's client of a Darkbook venue (relayer API + the venue's chain).

desk = Desk.open("~/.darkbook/desk/keys/alpha.json", passphrase, "http://127.0.0.1:8700",
                 rpc_url="http://127.0.0.1:8545")
desk.deposit(1_000 * 10**6)                    # on-chain, waits until the venue credits it
desk.order([Leg(101, "buy", 2_000_000, 1)])    # limit, signed, submitted (safe retries)
desk.account()                                 # collateral, positions, margin, Greeks
desk.what_if(Leg(101, "sell", 2_000_000, 5))   # margin per scenario before and after
desk.cancel_all()                              # every resting order, one signed request
desk.mandate(HedgeBand(109, -2_000_000, 0, 1, 5, 500))  # delta kept in a band (a future)
desk.mandates()                                # mandates and their proven hedge fills
async for ev in desk.stream(): ...             # own orders, fills, balance, pushed
desk.request_cancel(7)                         # on-chain, served by a batch: no operator needed
desk.request_withdrawal(everything=True)       # forced withdrawal, then desk.claim()
desk.recover()                                 # the account from chain events; vs the relayer
desk.exit(table)                               # exit mode: prove the exit and claim
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

from desk.chain import DeskChain
from desk.errors import (
    AccountNotFound,
    ChainMismatch,
    DeskError,
    RelayerRefused,
    RelayerUnreachable,
    WaitTimeout,
)
from desk.keystore import DeskKeys, open_keys
from desk.mandates import HedgeBand, sign_mandate
from desk.nonces import NonceBook
from desk.orders import Leg, SignedOrder, Trigger, check_legs, sign_oco, sign_order
from desk.owner_exit import (
    ExitPaid,
    Recovery,
    enter_exit_mode,
    exit_account,
    exit_table,
    recover,
)
from desk.relayer_api import RelayerApi
from desk.requests import EVERYTHING, OnchainRequest, RequestQueue
from desk.stream import stream_events
from desk.units import check_amount
from desk.venue import check_venue, token_decimals, venue_domain
from prover.statement.config import CircuitConfig, get_config
from prover.statement.market import MarketTable
from recovery.compare import differences
from relayer.intake.client import signed_cancel, signed_withdrawal
from relayer.intake.schemas import (
    AccountByKeyOut,
    AccountOut,
    CancelAllOut,
    ChainRequestOut,
    ClientOrderOut,
    FillOut,
    MandateOut,
    OrderOut,
    StreamEventOut,
    SubmitOut,
    WhatIfOut,
    WithdrawalOut,
    WithdrawalSubmitOut,
)
from relayer.venue_info.schemas import VenueOut

Progress = Callable[[str], None]
T = TypeVar("T")


def _quiet(_: str) -> None:
    return None


class Desk:
    """A desk at one venue: its keys, the relayer's API and (with an RPC) the venue's chain."""

    def __init__(
        self,
        relayer_url: str,
        keys: DeskKeys,
        *,
        rpc_url: str | None = None,
        account_id: int | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        venue_file: Path | None = None,
    ) -> None:
        self.keys = keys
        self.venue_file = venue_file  # the last GET /v1/venue: recover and exit without it
        self.api = RelayerApi(relayer_url, timeout=timeout, retries=retries)
        self.rpc_url = rpc_url
        self._account_id = account_id
        self._venue: VenueOut | None = None
        self._chain: DeskChain | None = None
        self._nonces: NonceBook | None = None

    @classmethod
    def open(
        cls,
        keystore: str | Path,
        passphrase: str,
        relayer_url: str,
        *,
        rpc_url: str | None = None,
        account_id: int | None = None,
        timeout: float = 30.0,
        retries: int = 3,
    ) -> Desk:
        """A desk from its keystore file (:class:`WrongPassphrase` if it does not open); the
        venue it last saw is kept beside it (``<name>.venue.json``) for when the relayer is down."""
        path = Path(keystore).expanduser()
        keys = open_keys(path, passphrase)
        return cls(
            relayer_url,
            keys,
            rpc_url=rpc_url,
            account_id=account_id,
            timeout=timeout,
            retries=retries,
            venue_file=path.with_suffix(".venue.json"),
        )

    def close(self) -> None:
        self.api.close()

    # -- the venue and its chain -----------------------------------------------------------

    @property
    def venue(self) -> VenueOut:
        """``GET /v1/venue``, read once and checked (see :func:`discover`)."""
        if self._venue is None:
            try:
                self._venue, self._chain = discover(
                    self.api, self.rpc_url, self.keys.eth_private_key
                )
            except RelayerUnreachable:
                if self.venue_file is None or not self.venue_file.exists():
                    raise
                self._venue, self._chain = self._remembered_venue()
            else:
                if self.venue_file is not None:
                    self.venue_file.write_text(self._venue.model_dump_json(indent=2))
        return self._venue

    def _remembered_venue(self) -> tuple[VenueOut, DeskChain | None]:
        """The venue as last announced (the relayer is down): checked against the chain."""
        assert self.venue_file is not None
        venue = VenueOut.model_validate_json(self.venue_file.read_text())
        chain = None
        if self.rpc_url is not None and venue.chain is not None:
            chain = DeskChain(self.rpc_url, venue.chain, self.keys.eth_private_key)
        check_venue(venue, chain.facts() if chain else None)
        return venue, chain

    @property
    def config(self) -> CircuitConfig:
        """The circuit configuration of the venue's deployment (its exit proofs use it)."""
        chain = self.venue.chain
        if chain is None:
            raise ChainMismatch("the venue runs without a chain (--no-chain): nothing to prove")
        cfg = get_config(self.venue.circuit.name)
        return cfg.with_deployment(chain.chain_id, int(chain.settlement_address, 16))

    @property
    def chain(self) -> DeskChain:
        venue = self.venue
        if venue.chain is None:
            raise ChainMismatch("the venue runs without a chain (--no-chain): no deposits")
        if self._chain is None:
            raise ChainMismatch("no RPC given: pass --rpc-url (DARKBOOK_DESK_RPC_URL)")
        return self._chain

    @property
    def domain(self) -> int:
        return venue_domain(self.venue)

    @property
    def pubkey(self) -> tuple[int, int]:
        return (self.keys.public.ax, self.keys.public.ay)

    @property
    def account_id(self) -> int:
        """The venue account of this trading key: given, or asked of the relayer
        (``GET /v1/accounts/by-key``); from the deposit queue only for a relayer without it."""
        if self._account_id is None:
            aid = self._id_by_key()
            if aid is None:
                raise AccountNotFound(
                    f"trading key {self.keys.public.name} has no credited deposit at this venue "
                    "yet: `darkbook desk deposit AMOUNT` (or pass --account-id)"
                )
            self._account_id = aid
        return self._account_id

    def _id_by_key(self) -> int | None:
        ax, ay = self.pubkey
        try:
            found = self.api.get(f"/v1/accounts/by-key/{ax}/{ay}")
        except RelayerRefused as exc:
            if exc.code == "not_found":
                return None  # the relayer has not credited a deposit of this key
            if exc.code != "http_404":
                raise
            return self._id_from_chain()  # a relayer from before the lookup
        return AccountByKeyOut.model_validate(found).account_id

    def _id_from_chain(self) -> int | None:
        if self.rpc_url is None:
            raise AccountNotFound(
                "this relayer cannot look accounts up by key and no RPC was given to find it "
                "from the deposit queue: pass --account-id or --rpc-url"
            )
        return self.chain.account_id(self.pubkey)

    # -- signed reads ----------------------------------------------------------------------

    def _read(self, path: str) -> object:
        return self.api.get_signed(path, self.keys.trading, self.domain, self.account_id)

    def account(self) -> AccountOut:
        """Collateral, equity, positions with marks, initial and maintenance margin, Greeks."""
        return AccountOut.model_validate(self._read(f"/v1/accounts/{self.account_id}"))

    def orders(self, status: str | None = None, limit: int = 100) -> list[OrderOut]:
        query = f"?limit={limit}" + (f"&status={status}" if status else "")
        rows = self._read(f"/v1/accounts/{self.account_id}/orders{query}")
        return [OrderOut.model_validate(r) for r in rows]  # type: ignore[union-attr]

    def order_status(self, order_hash: str) -> OrderOut:
        return OrderOut.model_validate(self._read(f"/v1/orders/{order_hash}"))

    def order_by_client_id(self, client_order_id: str) -> ClientOrderOut:
        """The orders sent with ``client_order_id`` (newest first) and their fills;
        :class:`RelayerRefused` ``not_found`` if none carries it."""
        path = f"/v1/accounts/{self.account_id}/orders/by-client-id/{client_order_id}"
        return ClientOrderOut.model_validate(self._read(path))

    def fills(self, after: int = 0, limit: int = 100) -> list[FillOut]:
        rows = self._read(f"/v1/accounts/{self.account_id}/fills?after={after}&limit={limit}")
        return [FillOut.model_validate(r) for r in rows]  # type: ignore[union-attr]

    def withdrawals(self, limit: int = 100) -> list[WithdrawalOut]:
        """Signed withdrawals and forced (on-chain) ones, newest first, with their status."""
        rows = self._read(f"/v1/accounts/{self.account_id}/withdrawals?limit={limit}")
        return [WithdrawalOut.model_validate(r) for r in rows]  # type: ignore[union-attr]

    def requests(self) -> list[ChainRequestOut]:
        """The account's on-chain cancels and forced withdrawals as the relayer follows them:
        queue position and deadline until a batch serves them, then that batch (and what a
        withdrawal paid)."""
        rows = self._read(f"/v1/accounts/{self.account_id}/requests")
        return [ChainRequestOut.model_validate(r) for r in rows]  # type: ignore[union-attr]

    # -- orders, cancels, withdrawals ------------------------------------------------------

    def _fresh_ids(self, n: int) -> list[int]:
        """``n`` order ids above every id the account used, on slots with no resting order."""
        if self._nonces is None:
            self._nonces = NonceBook(self.venue.order_slots)
        orders = self.orders(limit=1000)
        used = [int(o.order_id) for o in orders]
        # forced withdrawals (on-chain) take no nonce
        used += [int(w.nonce) for w in self.withdrawals(limit=1000) if w.nonce is not None]
        self._nonces.observe(used, [int(o.order_id) for o in orders if o.status == "open"])
        return self._nonces.take(n)

    def sign_order(
        self,
        legs: Leg | list[Leg],
        order_type: str = "limit",
        *,
        expiry: int | None = None,
        client_order_id: str | None = None,
        trigger: Trigger | None = None,
    ) -> SignedOrder:
        """Check and sign an order (one leg, or a group of up to 4 legs: type fok; one leg may
        carry a :class:`Trigger`) with fresh order ids; nothing is sent. Keep it to resubmit
        the very same order."""
        legs = [legs] if isinstance(legs, Leg) else list(legs)
        venue = self.venue
        check_legs(venue, legs, order_type)  # before any id is taken
        ids = self._fresh_ids(len(legs))
        return sign_order(
            self.keys.trading,
            venue,
            self.account_id,
            ids,
            legs,
            order_type,
            expiry,
            client_order_id,
            trigger,
        )

    def sign_oco(
        self,
        legs: list[tuple[Leg, Trigger | None]],
        order_type: str = "limit",
        *,
        expiry: int | None = None,
        client_order_id: str | None = None,
    ) -> SignedOrder:
        """Check and sign a one-cancels-other pair (two orders, each with its trigger or None,
        on one fresh order id: :func:`desk.orders.sign_oco`); nothing is sent."""
        for leg, _ in legs:
            check_legs(self.venue, [leg], order_type)  # before the id is taken
        (oid,) = self._fresh_ids(1)
        return sign_oco(
            self.keys.trading,
            self.venue,
            self.account_id,
            oid,
            legs,
            order_type,
            expiry,
            client_order_id,
        )

    def oco(
        self,
        legs: list[tuple[Leg, Trigger | None]],
        order_type: str = "limit",
        *,
        expiry: int | None = None,
        client_order_id: str | None = None,
    ) -> SubmitOut:
        """Sign and submit a one-cancels-other pair (see :meth:`sign_oco`)."""
        signed = self.sign_oco(legs, order_type, expiry=expiry, client_order_id=client_order_id)
        return self.submit(signed)

    def submit(self, signed: SignedOrder) -> SubmitOut:
        """Send a signed order, retried safely: a copy the relayer already took comes back
        with ``duplicate: true`` and its stored result, never as a second order."""
        return SubmitOut.model_validate(self.api.post("/v1/orders", signed.body))

    def order(
        self,
        legs: Leg | list[Leg],
        order_type: str = "limit",
        *,
        expiry: int | None = None,
        client_order_id: str | None = None,
        trigger: Trigger | None = None,
    ) -> SubmitOut:
        """Check, sign and submit an order (see :meth:`sign_order`, :meth:`submit`)."""
        signed = self.sign_order(
            legs, order_type, expiry=expiry, client_order_id=client_order_id, trigger=trigger
        )
        return self.submit(signed)

    def mandate(self, band: HedgeBand, *, expiry: int | None = None) -> MandateOut:
        """Check, sign and arm a delta-band hedge mandate on a fresh order id (revoke it with
        :meth:`cancel` of its ``order_id``). Sending the same one again is safe."""
        (oid,) = self._fresh_ids(1)
        body = sign_mandate(self.keys.trading, self.venue, self.account_id, oid, band, expiry)
        return MandateOut.model_validate(self.api.post("/v1/mandates", body))

    def revoke(self, order_id: int) -> MandateOut:
        """Revoke your mandate on ``order_id`` (a signed cancel; ``request_cancel`` is the
        on-chain way)."""
        body = signed_cancel(self.keys.trading, self.domain, self.account_id, order_id)
        return MandateOut.model_validate(self.api.post("/v1/mandates/revoke", body))

    def mandates(self) -> list[MandateOut]:
        """Your mandates, newest first, each with its hedge fills and their batches."""
        rows = self._read(f"/v1/accounts/{self.account_id}/mandates")
        return [MandateOut.model_validate(r) for r in rows]  # type: ignore[union-attr]

    def cancel(self, order_id: int) -> OrderOut:
        body = signed_cancel(self.keys.trading, self.domain, self.account_id, order_id)
        return OrderOut.model_validate(self.api.post("/v1/orders/cancel", body))

    def _post_signed(self, path: str, body: dict | None) -> object:
        return self.api.post_signed(path, body, self.keys.trading, self.domain, self.account_id)

    def cancel_all(self, series_id: int | None = None) -> CancelAllOut:
        """Cancel every resting order (of ``series_id`` only, if given) in one signed
        request; the orders it closed (none when nothing rests)."""
        query = "" if series_id is None else f"?series_id={series_id}"
        return CancelAllOut.model_validate(
            self._post_signed(f"/v1/accounts/{self.account_id}/cancel-all{query}", None)
        )

    def what_if(self, legs: Leg | list[Leg]) -> WhatIfOut:
        """Initial and maintenance margin per scenario now and if ``legs`` filled in full at
        their prices, and whether the relayer would let such an order in (nothing signed or
        stored; the same integer rule the relayer and the circuit enforce)."""
        legs = [legs] if isinstance(legs, Leg) else list(legs)
        checked = check_legs(self.venue, legs, "fok" if len(legs) > 1 else "limit")
        body = {
            "legs": [
                {"series_id": g.series_id, "side": g.side, "price": str(g.price), "qty": g.qty}
                for g in checked
            ]
        }
        return WhatIfOut.model_validate(
            self._post_signed(f"/v1/accounts/{self.account_id}/what-if", body)
        )

    def stream(self, *, cancel_on_disconnect: bool = False) -> AsyncIterator[StreamEventOut]:
        """The account's own order, fill and balance events as they commit (an async
        iterator; the first event is ``subscribed`` with the balance then). With
        ``cancel_on_disconnect`` the relayer cancels every resting order of the account when
        this stream's socket closes."""
        return stream_events(
            self.api.url,
            self.keys.trading,
            self.domain,
            self.account_id,
            cancel_on_disconnect=cancel_on_disconnect,
        )

    def watch(
        self,
        on_event: Callable[[StreamEventOut], bool | None],
        *,
        cancel_on_disconnect: bool = False,
    ) -> None:
        """:meth:`stream` with a callback, blocking: stops when ``on_event`` returns False."""

        async def run() -> None:
            async for ev in self.stream(cancel_on_disconnect=cancel_on_disconnect):
                if on_event(ev) is False:
                    return

        asyncio.run(run())

    def withdraw(self, amount: int, to: str | None = None) -> WithdrawalSubmitOut:
        """Sign and submit a withdrawal of ``amount`` base units to ``to`` (default: the
        keystore's Ethereum address); claimable on-chain once its batch is confirmed."""
        amount = check_amount(amount, token_decimals(self.venue), "withdrawal amount")
        nonce = self._fresh_ids(1)[0]
        address = to or self.keys.public.address
        body = signed_withdrawal(
            self.keys.trading, self.domain, self.account_id, nonce, amount, address
        )
        return WithdrawalSubmitOut.model_validate(self.api.post("/v1/withdrawals", body))

    # -- on-chain ----------------------------------------------------------------------------

    def deposit(
        self, amount: int, *, wait: bool = True, timeout: float = 600.0, progress: Progress = _quiet
    ) -> AccountOut | None:
        """Deposit ``amount`` base units on-chain for this trading key; with ``wait``, return
        the account once the venue has credited it."""
        amount = check_amount(amount, token_decimals(self.venue), "deposit amount")
        before = self._collateral()
        tx = self.chain.deposit(amount, self.pubkey)
        progress(f"deposit sent: transaction {tx}")
        if not wait:
            return None
        target = (before or 0) + amount // self._unit_scale()  # credited in venue units

        def credited() -> AccountOut | None:
            got = self._collateral()
            return self.account() if got is not None and got >= target else None

        return _wait(credited, "the deposit to be credited", timeout, progress)

    def _unit_scale(self) -> int:
        """Token base units per venue unit, as ``GET /v1/venue`` announces it (read from the
        contract by the relayer); asked of the contract only for a relayer from before."""
        chain = self.venue.chain
        if chain is not None and chain.unit_scale is not None:
            return chain.unit_scale
        return self.chain.unit_scale()

    def _collateral(self) -> int | None:
        """Collateral as the relayer shows it; None while the key has no account there."""
        try:
            return int(self.account().collateral)
        except AccountNotFound:
            return None
        except RelayerRefused as exc:
            if exc.code != "bad_auth":
                raise
            return None  # queued on-chain, not credited yet: the key does not sign for the id

    def wait_claimable(
        self, withdrawal_hash: str, *, timeout: float = 900.0, progress: Progress = _quiet
    ) -> WithdrawalOut:
        """Follow a withdrawal (queued -> in batch -> claimable) until it can be claimed."""

        def claimable() -> WithdrawalOut | None:
            w = next(
                (w for w in self.withdrawals(1000) if w.withdrawal_hash == withdrawal_hash), None
            )
            if w is None:
                raise DeskError(f"no withdrawal {withdrawal_hash} at this account: check the hash")
            if w.status == "refused":
                raise RelayerRefused(422, "withdrawal_refused", "withdrawal", w.reason or "")
            progress(f"withdrawal {w.status}" + (f" (batch {w.batch_id})" if w.batch_id else ""))
            return w if w.status == "claimable" else None

        return _wait(claimable, "the withdrawal to become claimable", timeout, _quiet)

    def claim(self) -> tuple[str, int]:
        """``Settlement.claim()``: (transaction hash, amount paid to the keystore's address)."""
        return self.chain.claim()

    # -- without the operator ------------------------------------------------------------------

    def request_cancel(
        self,
        order_id: int,
        *,
        wait: bool = True,
        timeout: float = 900.0,
        progress: Progress = _quiet,
    ) -> OnchainRequest:
        """``Settlement.requestCancel``: kills every order of the account in ``order_id``'s
        slot with an id <= ``order_id`` once a batch serves it (pays ``requestFee``); with
        ``wait``, returns once served (``served_batch``)."""
        q = RequestQueue(self.chain)
        req = q.cancel(self.pubkey, self.account_id, order_id)
        progress(f"cancel request at queue index {req.index}, deadline {req.deadline}")
        return q.follow(req, timeout, progress) if wait else req

    def request_withdrawal(
        self,
        amount: int | None = None,
        *,
        everything: bool = False,
        wait: bool = True,
        timeout: float = 900.0,
        progress: Progress = _quiet,
    ) -> OnchainRequest:
        """``Settlement.requestWithdrawal``: a forced withdrawal of ``amount`` base units (a
        whole number of venue units), or of everything margin leaves free; a batch must serve
        it. With ``wait``, returns once served: ``paid`` tokens are then claimable."""
        if everything == (amount is not None):
            raise DeskError("give an amount or everything=True (`--all`), not both or neither")
        units = EVERYTHING
        if amount is not None:
            amount = check_amount(amount, token_decimals(self.venue), "withdrawal amount")
            scale = self._unit_scale()
            if amount % scale:
                raise DeskError(
                    f"withdrawal {amount}: not a whole number of venue units ({scale} base "
                    "units each)"
                )
            units = amount // scale
        q = RequestQueue(self.chain)
        req = q.withdrawal(self.pubkey, self.account_id, units)
        progress(f"withdrawal request at queue index {req.index}, deadline {req.deadline}")
        return q.follow(req, timeout, progress) if wait else req

    def recover(self) -> Recovery:
        """The account rebuilt from Settlement's events alone (works with the relayer down),
        and each difference from the relayer's view when it answers."""
        rec = recover(self.chain, self.keys.trading, self.config, self._account_id)
        self._account_id = rec.account_id
        try:
            reported = self.account().model_dump(mode="json")
        except RelayerUnreachable:
            return Recovery(rec, False)
        return Recovery(rec, True, differences(rec, reported))

    def exit(self, table: MarketTable | None = None, *, progress: Progress = _quiet) -> ExitPaid:
        """In exit mode (triggered here if due): prove the rebuilt account's exit at the exit
        market table (hash ``exitMarketHash``: the one the oracle published on-chain, or
        ``table`` if given), send it and claim."""
        tx = enter_exit_mode(self.chain)
        if tx is not None:
            progress(f"exit mode was due: triggered (transaction {tx})")
        rec = recover(self.chain, self.keys.trading, self.config, self._account_id)
        if table is None:
            table = exit_table(self.chain, self.config)
            progress(f"exit market table (epoch {table.epoch}) read from the chain")
        progress(f"account {rec.account_id} rebuilt from chain data; proving its exit")
        return exit_account(self.chain, rec, table, self.keys.trading, self.config)


def discover(
    api: RelayerApi, rpc_url: str | None, eth_private_key: bytes | None = None
) -> tuple[VenueOut, DeskChain | None]:
    """The venue from ``GET /v1/venue``, refused unless its domain is Poseidon(chain id,
    Settlement) and (with an RPC) the RPC's chain id is the venue's and Settlement has code
    there; with the venue's chain, its contracts as the desk sends to them."""
    venue = VenueOut.model_validate(api.get("/v1/venue"))
    chain = None
    if rpc_url is not None and venue.chain is not None:
        chain = DeskChain(rpc_url, venue.chain, eth_private_key)
    check_venue(venue, chain.facts() if chain else None)
    return venue, chain


def _wait(check: Callable[[], T | None], what: str, timeout: float, progress: Progress) -> T:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got is not None:
            return got
        if time.monotonic() > deadline:
            raise WaitTimeout(f"gave up waiting {timeout:.0f}s for {what}: check again later")
        progress(f"waiting for {what}")
        time.sleep(1.0)
