"""A forced withdrawal followed to the end, and batch and withdrawal statuses on the private
stream, with the desk SDK against a real `darkbook relayer run` (its anvil, real proofs of the
`test` circuit), over real HTTP and WebSocket.

A desk trades (its fill goes into a batch), then asks the contract for a forced withdrawal:
its signed withdrawals read follows it from the queue to ``claimable`` (served in batch N,
paid what it asked) and, after ``Settlement.claim()``, ``claimed``. A second request asks for
more than margin leaves free: the proof pays only what is free and the read says so (reason
``margin``, ``free``). The desk's stream carries its batch's statuses up to ``confirmed`` and
its withdrawal's changes; a bystander desk's stream carries none of them. Slow."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from desk import Desk, Leg, keystore
from desk.errors import StreamClosed
from relayer.intake.schemas import StreamEventOut, WithdrawalOut
from tests.desk.conftest import SCRYPT_N, Venue

pytestmark = [pytest.mark.long, pytest.mark.slow, pytest.mark.timeout(1800)]

DEPOSIT = 250_000 * 10**6
FEES = 10 * 10**6
WITHDRAW = 10_000 * 10**6
T = TypeVar("T")


def _desk(venue: Venue, tmp: Path, name: str) -> Desk:
    pub = keystore.create(tmp, name, "pw", scrypt_n=SCRYPT_N)
    venue.fund(pub.address, DEPOSIT + FEES)
    d = Desk(venue.url, keystore.open_keys(pub.path, "pw"), rpc_url=venue.rpc_url)
    assert int(d.deposit(DEPOSIT).collateral) == DEPOSIT // d._unit_scale()
    return d


def _until(what: str, check: Callable[[], T | None], timeout: float = 600) -> T:
    deadline = time.monotonic() + timeout
    while not (got := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)
    return got


class _Listener:
    """The desk's private stream, collected on a thread of its own."""

    def __init__(self, desk: Desk) -> None:
        self.events: list[StreamEventOut] = []
        self.ready = threading.Event()
        threading.Thread(target=asyncio.run, args=(self._run(desk),), daemon=True).start()
        assert self.ready.wait(60), "the stream did not open"

    async def _run(self, desk: Desk) -> None:
        with contextlib.suppress(StreamClosed):  # the venue stops at the session's end
            async for ev in desk.stream():
                self.events.append(ev)
                self.ready.set()

    def of(self, kind: str) -> list[StreamEventOut]:
        return [e for e in list(self.events) if e.type == kind]


def _forced(d: Desk, index: int) -> WithdrawalOut | None:
    return next((w for w in d.withdrawals() if w.queue_index == index), None)


def test_forced_withdrawal_followed_to_claimed_and_statuses_streamed_to_owner_only(
    venue: Venue, tmp_path: Path
) -> None:
    a, b, c = (_desk(venue, tmp_path, n) for n in ("fw-maker", "fw-taker", "fw-bystander"))
    scale = a._unit_scale()
    la, lc = _Listener(a), _Listener(c)
    s = next(s for s in a.venue.series if s.kind == "call")
    tick = int(s.price_tick)
    price = 5 * max(tick, int(s.mark or 0) // tick * tick)  # above the bids other tests leave
    a.order(Leg(int(s.series_id), "sell", price, 1))
    [fill] = b.order(Leg(int(s.series_id), "buy", price, 1), "ioc").fills
    assert fill.liquidity == "taker"

    # the batch holding the fill, streamed to a up to confirmed, in lifecycle order
    done = _until(
        "a's batch confirmed", lambda: [e for e in la.of("batch") if e.batch.status == "confirmed"]
    )
    batch_id = done[0].batch.batch_id
    mine = [e.batch for e in la.of("batch") if e.batch.batch_id == batch_id]
    order = ["sealed", "proving", "proved", "submitted", "confirmed"]
    seen = [order.index(x.status) for x in mine]
    assert seen == sorted(seen) and mine[-1].fills == 1
    assert next(f for f in a.fills() if f.fill_id == fill.fill_id).batch_id == batch_id

    # a forced withdrawal: requested on-chain, served, claimable, claimed
    req = a.request_withdrawal(WITHDRAW, wait=False)
    w = _until("claimable", lambda: (x := _forced(a, req.index)) and x.status == "claimable" and x)
    assert (w.kind, w.amount, w.paid, w.reason, w.free) == (
        "forced",
        str(WITHDRAW // scale),
        str(WITHDRAW // scale),
        None,
        None,
    )
    assert w.batch_id is not None and w.deadline == req.deadline and w.queue_index == req.index
    assert w.eth_address == a.keys.public.address.lower()
    [r] = [r for r in a.requests() if r.queue_index == req.index]
    assert (r.kind, r.status, r.batch_id, r.queue_position) == (
        "withdrawal",
        "claimable",
        w.batch_id,
        None,
    )
    _, paid = a.claim()
    assert paid >= WITHDRAW
    _until("claimed", lambda: (x := _forced(a, req.index)) and x.status == "claimed")

    def streamed() -> list[str]:
        return [
            e.withdrawal.status
            for e in la.of("withdrawal")
            if e.withdrawal.queue_index == req.index
        ]

    _until("claimed on a's stream", lambda: "claimed" in streamed())
    assert streamed()[-2:] == ["claimable", "claimed"]

    # negative: more than margin leaves free is cut to what is free, and said so
    free_before = int(a.account().collateral)
    big = a.request_withdrawal(10**15 * scale, wait=False)
    cut = _until("served", lambda: (x := _forced(a, big.index)) and x.paid is not None and x)
    assert cut.reason == "margin" and cut.free == cut.paid
    assert 0 < int(cut.paid) < free_before < 10**15

    # the bystander heard nothing of a's batch or withdrawals (nor of any batch: no fills)
    assert lc.of("batch") == [] and lc.of("withdrawal") == []
    assert all(e.account_id == c.account_id for e in lc.events)
    for d in (a, b, c):
        d.close()
