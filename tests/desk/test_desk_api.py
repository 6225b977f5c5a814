"""The desk SDK and `darkbook desk` on the desk API, against a live relayer over real HTTP and
WebSocket (no chain needed: the dev faucet credits collateral): the account found by its key,
the private stream (async iterator and callback), cancel-all, what-if and its agreement with a
margin refusal, lookup by client order id, exit mode named; the CLI run as a user runs it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from desk import AccountNotFound, Desk, ExitMode, Leg, RelayerRefused, keystore
from relayer.intake.schemas import StreamEventOut
from relayer.settings import load_settings
from relayer.settlement.loop import LoopHealth
from tests.desk.conftest import REPO, SCRYPT_N, desk_cli
from tests.relayer.conftest import SERIES, LiveServer, deposit

PX = 7_000_000_000


def _keys(tmp: Path, name: str) -> Any:
    pub = keystore.create(tmp, name, "pw", scrypt_n=SCRYPT_N)
    return keystore.open_keys(pub.path, "pw")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(load_settings(data_dir=tmp_path / "data", dev_faucet=True))
    yield server
    server.stop()


@pytest.fixture
def pair(live: LiveServer, tmp_path: Path) -> Iterator[tuple[Desk, Desk]]:
    desks = []
    for name in ("alpha", "beta"):
        keys = _keys(tmp_path, name)
        d = Desk(live.url, keys, retries=0)
        with pytest.raises(AccountNotFound, match="no credited deposit"):
            _ = d.account_id
        aid = deposit(live.http, keys.trading)
        assert d.account_id == aid  # GET /v1/accounts/by-key, no chain needed
        desks.append(d)
    yield desks[0], desks[1]
    for d in desks:
        d.close()


def _tick(d: Desk) -> int:
    return next(int(s.price_tick) for s in d.venue.series if int(s.series_id) == SERIES)


def test_stream_async_iterator_delivers_order_fill_balance(pair: tuple[Desk, Desk]) -> None:
    a, b = pair

    async def run() -> list[StreamEventOut]:
        events = a.stream()
        hello = await anext(events)
        await asyncio.to_thread(a.order, Leg(SERIES, "sell", PX, 1), client_order_id="s-1")
        await asyncio.to_thread(b.order, Leg(SERIES, "buy", PX, 1), "ioc")
        got = [hello] + [await anext(events) for _ in range(4)]
        await events.aclose()  # type: ignore[attr-defined]
        return got

    got = asyncio.run(run())
    assert [e.type for e in got] == ["subscribed", "order", "order", "fill", "balance"]
    assert got[1].order and got[1].order.client_order_id == "s-1"
    assert got[2].order and got[2].order.status == "filled"
    assert got[3].fill and (got[3].fill.side, got[3].fill.qty) == ("sell", "1")
    assert got[4].balance and got[4].balance.collateral == a.account().collateral
    assert all(e.account_id == a.account_id for e in got)


def test_watch_callback_cancel_all_and_cancel_on_disconnect(pair: tuple[Desk, Desk]) -> None:
    a, _ = pair
    tick = _tick(a)
    seen: list[StreamEventOut] = []

    def on_event(ev: StreamEventOut) -> bool:
        seen.append(ev)
        if ev.type == "subscribed":  # rest two orders while the stream is up
            threading.Thread(
                target=lambda: [a.order(Leg(SERIES, "buy", k * tick, 1)) for k in (1, 2)]
            ).start()
        return len(seen) < 3  # stop (close the socket) after both acks

    a.watch(on_event, cancel_on_disconnect=True)
    assert [e.type for e in seen] == ["subscribed", "order", "order"]
    # the socket closed: the relayer cancelled both (poll: it runs on the relayer's side)
    deadline = time.monotonic() + 15
    while a.orders(status="open") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert a.orders(status="open") == []

    for k in (1, 2):
        a.order(Leg(SERIES, "buy", k * tick, 1))
    assert len(a.cancel_all(series_id=SERIES).cancelled) == 2
    assert a.cancel_all().cancelled == [] and a.orders(status="open") == []


def test_what_if_lookup_and_a_margin_refusal_with_numbers(
    pair: tuple[Desk, Desk], live: LiveServer
) -> None:
    a, b = pair
    tick = _tick(a)
    a.order(Leg(SERIES, "sell", PX, 2), client_order_id="book-1")
    b.order(Leg(SERIES, "buy", PX, 1), "ioc")
    found = a.order_by_client_id("book-1")
    assert [o.filled_qty for o in found.orders] == ["1"]
    assert [(f.qty, f.fee, f.batch_id) for f in found.fills] == [
        ("1", a.venue.fee_per_contract, None)
    ]
    with pytest.raises(RelayerRefused) as err:
        a.order_by_client_id("never-sent")
    assert (err.value.status, err.value.code) == (404, "not_found")

    huge = Leg(SERIES, "sell", tick, 10**5)
    w = a.what_if(huge)
    assert (w.accepted, w.refusal) == (False, "insufficient_margin")
    assert w.before.initial_margin == a.account().initial_margin
    with pytest.raises(RelayerRefused) as refused:
        a.order(huge)
    assert refused.value.code == "insufficient_margin" and refused.value.margin == w
    assert a.what_if(Leg(SERIES, "buy", tick, 1)).accepted


class _ExitWorker:
    """What the app reads of a settlement worker, in exit mode (as tests/relayer/api do)."""

    ready, error, stage, on_ready = True, None, "settling", None

    def __init__(self) -> None:
        h = LoopHealth(lambda: 1_000.0, 1_000.0)
        h.exit_mode = True
        self.loop = SimpleNamespace(health=h, observe=None)

    def start(self, venue: Any) -> None:
        pass

    def stop(self) -> None:
        pass

    def status(self) -> dict:
        return {"stage": self.stage}


def test_exit_mode_is_its_own_error(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", dev_faucet=True)
    server = LiveServer(settings, settlement=_ExitWorker())  # type: ignore[arg-type]
    try:
        keys = _keys(tmp_path, "gamma")
        aid = deposit(server.http, keys.trading)
        d = Desk(server.url, keys, account_id=aid, retries=2)
        with pytest.raises(ExitMode) as err:
            d.order(Leg(SERIES, "buy", _tick(d), 1))
        assert (err.value.status, err.value.code) == (503, "exit_mode")
        assert "exit through the contract" in str(err.value)
        assert d.cancel_all().cancelled == []  # cancels stay open in exit mode
    finally:
        server.stop()


def test_cli_cancel_all_what_if_lookup_watch(
    pair: tuple[Desk, Desk], live: LiveServer, tmp_path: Path
) -> None:
    a, b = pair
    tick = _tick(a)
    env = {
        "DARKBOOK_DESK_RELAYER_URL": live.url,
        "DARKBOOK_DESK_KEYS_DIR": str(tmp_path),
        "DARKBOOK_DESK_KEY": "alpha",
        "DARKBOOK_DESK_PASSPHRASE": "pw",
    }
    watch = subprocess.Popen(
        [sys.executable, "-m", "relayer.cli", "desk", "watch", "--json", "--count", "1"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert watch.stdout is not None
        hello = json.loads(watch.stdout.readline())
        assert (hello["type"], hello["account_id"]) == ("subscribed", a.account_id)
        desk_cli(env, "order", "buy", str(SERIES), str(tick), "1", "--client-order-id", "cli-1")
        ack = json.loads(watch.stdout.readline())
        assert ack["type"] == "order" and ack["order"]["client_order_id"] == "cli-1"
        assert watch.wait(timeout=60) == 0, watch.stderr.read() if watch.stderr else ""
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()

    found = json.loads(desk_cli(env, "lookup", "cli-1", "--json").stdout)
    assert [o["status"] for o in found["orders"]] == ["open"]
    assert "no order of account" in desk_cli(env, "lookup", "nope", check=False).stderr

    w = json.loads(
        desk_cli(env, "what-if", "sell", str(SERIES), str(tick), "100000", "--json").stdout
    )
    assert (w["accepted"], w["refusal"]) == (False, "insufficient_margin")
    table = desk_cli(env, "what-if", "buy", str(SERIES), str(tick), "1").stdout
    assert "accepted" in table and "maintenance" in table

    out = json.loads(desk_cli(env, "cancel-all", "--series", str(SERIES), "--json").stdout)
    assert [o["client_order_id"] for o in out["cancelled"]] == ["cli-1"]
    assert json.loads(desk_cli(env, "cancel-all", "--json").stdout) == {"cancelled": []}
    stop = f"{SERIES}:{live.venue.snapshot.marks[SERIES] - 1}:below"
    bracket = ["--leg", f"sell:{SERIES}:{PX}:1", "--trigger", stop]
    bracket += ["--leg", f"sell:{SERIES}:{3 * PX}:1", "--trigger", "none"]
    out = json.loads(desk_cli(env, "order", "--oco", *bracket, "--json").stdout)
    assert [o["status"] for o in out["orders"]] == ["armed", "open"]
    assert len({o["order_id"] for o in out["orders"]}) == 1
    assert len(json.loads(desk_cli(env, "cancel-all", "--json").stdout)["cancelled"]) == 2
    a.order(Leg(SERIES, "sell", PX, 1))
    b.order(Leg(SERIES, "buy", PX, 1), "ioc")
    header, row = desk_cli(env, "fills").stdout.splitlines()
    assert header.split()[:2] == ["fill_id", "timestamp"] and "fee" in header.split()
    assert row.split()[2:6] == [str(SERIES), "sell", str(PX), "1"]


def test_a_triggered_order_through_the_sdk_waits_armed_then_fires(
    pair: tuple[Desk, Desk], live: LiveServer
) -> None:
    """``Desk.order(..., trigger=Trigger(...))``: armed until a registered table fires it."""
    from desk import Trigger
    from desk.errors import OrderInputError
    from relayer.markets.price_source import Quote
    from relayer.markets.snapshot import build_snapshot

    a, b = pair
    b.order(Leg(SERIES, "buy", PX, 1))
    mark = live.venue.snapshot.marks[SERIES]
    stop = Trigger(SERIES, mark - 1, "below")
    with pytest.raises(OrderInputError, match="one leg, type limit or ioc"):
        a.order(Leg(SERIES, "sell", PX, 1), "post_only", trigger=stop)
    out = a.order(Leg(SERIES, "sell", PX, 1), "ioc", trigger=stop)
    assert [(o.status, o.trigger_dir) for o in out.orders] == [("armed", 2)]
    venue = live.venue
    first = venue.snapshot
    newer = build_snapshot(
        list(venue.series.values()), first.created_at + 60, first.epoch + 1, Quote(40_000, 0.6)
    )
    venue.adopt_snapshot(newer)
    assert a.order_status(out.orders[0].order_hash).status == "filled"


def test_a_one_cancels_other_pair_through_the_sdk(
    pair: tuple[Desk, Desk], live: LiveServer
) -> None:
    """``Desk.oco``: a stop and a take-profit on one order id; the stop fires, the other is
    cancelled."""
    from desk import Trigger
    from desk.errors import OrderInputError
    from relayer.markets.price_source import Quote
    from relayer.markets.snapshot import build_snapshot

    a, b = pair
    b.order(Leg(SERIES, "buy", PX, 1))
    mark = live.venue.snapshot.marks[SERIES]
    stop = (Leg(SERIES, "sell", PX, 1), Trigger(SERIES, mark - 1, "below"))
    take = (Leg(SERIES, "sell", 3 * PX, 1), None)
    with pytest.raises(OrderInputError, match="one quantity"):
        a.oco([stop, (Leg(SERIES, "sell", 3 * PX, 2), None)])
    out = a.oco([stop, take])
    assert [o.status for o in out.orders] == ["armed", "open"]
    assert out.orders[0].order_id == out.orders[1].order_id
    venue = live.venue
    first = venue.snapshot
    newer = build_snapshot(
        list(venue.series.values()), first.created_at + 60, first.epoch + 1, Quote(40_000, 0.6)
    )
    venue.adopt_snapshot(newer)
    fired, other = (a.order_status(o.order_hash) for o in out.orders)
    assert fired.status == "filled"
    assert (other.status, other.reason) == ("cancelled", "oco_other_fired")


def test_a_hedge_mandate_through_the_sdk_and_the_cli(
    pair: tuple[Desk, Desk], live: LiveServer, tmp_path: Path
) -> None:
    """``Desk.mandate(HedgeBand(...))``: armed, hedges at once when the delta is outside the
    band, listed with its hedge fills (SDK and ``darkbook desk mandates``), revoked by cancel."""
    from desk import HedgeBand
    from desk.errors import OrderInputError
    from tests.relayer.conftest import FUT

    a, b = pair
    snap = live.venue.snapshot
    b.order(Leg(SERIES, "sell", PX, 2))
    a.order(Leg(SERIES, "buy", PX, 2), "ioc")  # long two calls: delta 2 x the call's
    fut_mark, unit = snap.marks[FUT], snap.deltas[FUT]
    b.order(Leg(FUT, "buy", fut_mark // 500_000 * 500_000, 3))  # a bid on the future's tick
    held = 2 * snap.deltas[SERIES]
    with pytest.raises(OrderInputError, match="hedges with a future"):
        a.mandate(HedgeBand(SERIES, 0, 1, 1, 1, 0))
    band = HedgeBand(FUT, held - unit - unit // 2, held - unit // 2, 1, 3, fut_mark // 100)
    m = a.mandate(band)
    assert (m.status, m.filled_qty, [h.side for h in m.hedges]) == ("armed", "1", ["sell"])
    assert [x.mandate_hash for x in a.mandates()] == [m.mandate_hash]
    env = {
        "DARKBOOK_DESK_RELAYER_URL": live.url,
        "DARKBOOK_DESK_KEYS_DIR": str(tmp_path),
        "DARKBOOK_DESK_KEY": "alpha",
        "DARKBOOK_DESK_PASSPHRASE": "pw",
    }
    (listed,) = json.loads(desk_cli(env, "mandates", "--json").stdout)
    assert (listed["band_lo"], len(listed["hedges"])) == (str(band.lo), 1)
    assert a.revoke(int(m.order_id)).status == "cancelled"
    assert a.mandates()[0].status == "cancelled"
    # a second mandate from the CLI, inside its band: armed, nothing traded
    lo, hi = str(held - 10 * unit), str(held + 10 * unit)
    out = json.loads(desk_cli(env, "mandate", str(FUT), lo, hi, "--json").stdout)
    assert (out["status"], out["hedges"]) == ("armed", [])
