"""A live relayer on loopback (uvicorn in a thread, temporary SQLite) and signing desks."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn

from prover.crypto.eddsa import PrivateKey
from relayer.api.app import create_app
from relayer.intake.client import (
    group_of,
    leg_hash,
    sign_request,
    signed_cancel,
    signed_leg,
    signed_withdrawal,
)
from relayer.intake.service import Venue
from relayer.settings import Settings
from relayer.settlement.worker import SettlementWorker
from relayer.venue_info.chain import ChainInfo

SERIES = 103  # BTC 60000 call, 2026-12-25 (mark about $7,290 = 7_290_000_000 base units)
PUT = 104
FUT = 109
COLLATERAL = 10**12  # $1,000,000 in 6-decimal base units


class LiveServer:
    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], float] = time.time,
        chain: ChainInfo | None = None,
        settlement: SettlementWorker | None = None,
    ) -> None:
        self.settings = settings
        config = uvicorn.Config(
            create_app(settings, clock, chain, settlement),
            host="127.0.0.1",
            port=0,
            log_level="warning",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("relayer did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.url, timeout=30)
        self.dom = self.server.config.app.state.venue.domain

    @property
    def venue(self) -> Venue:
        return self.server.config.app.state.venue

    def events(self) -> int:
        return self.venue.seq  # the public /health shows no count of commands (privacy)

    def stop(self) -> None:
        """Stop serving (idempotent); the database is then free for another Venue."""
        if self.thread.is_alive():
            self.http.close()
            self.server.should_exit = True
            self.thread.join(10)


_last_read_ms = 0
_read_ms_lock = threading.Lock()


def read_timestamp_ms() -> int:
    """Wall-clock milliseconds for a signed read, strictly increasing: the relayer refuses a
    signed read it has seen, and two same reads signed in one millisecond are one message (a
    fast machine does that)."""
    global _last_read_ms
    with _read_ms_lock:
        _last_read_ms = max(int(time.time() * 1000), _last_read_ms + 1)
        return _last_read_ms


@dataclass
class Desk:
    """A trading account: key, id, and signed calls."""

    srv: LiveServer | None
    key: PrivateKey
    account_id: int
    dom: int
    nonces: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    url: str = ""

    def leg(
        self,
        series: int,
        side: str,
        price: int,
        qty: int,
        *,
        order_id: int | None = None,
        expiry: int | None = None,
        key: PrivateKey | None = None,
        group: tuple[int, int, int] = (0, 0, 0),
        trigger: tuple[int, int, int] = (0, 0, 0),
    ) -> dict:
        return signed_leg(
            key or self.key,
            self.dom,
            self.account_id,
            next(self.nonces) if order_id is None else order_id,
            series,
            side,
            price,
            qty,
            int(time.time()) + 3600 if expiry is None else expiry,
            group,
            trigger,
        )

    def group(self, *legs: tuple[int, str, int, int]) -> list[dict]:
        """A signed atomic group of (series, side, price, qty) legs (CONVENTIONS.md)."""
        ids = [next(self.nonces) for _ in legs]
        return [
            self.leg(*spec, order_id=oid, group=group_of(ids, i))
            for i, (spec, oid) in enumerate(zip(legs, ids, strict=True))
        ]

    def submit(
        self,
        *legs: dict,
        type: str = "limit",
        client_order_id: str | None = None,
        http: httpx.Client | None = None,
        oco: bool = False,
    ) -> httpx.Response:
        body: dict = {"legs": list(legs), "type": type}
        if oco:
            body["oco"] = True
        if client_order_id:
            body["client_order_id"] = client_order_id
        return (http or self.srv.http).post("/v1/orders", json=body)

    def order(
        self, series: int, side: str, price: int, qty: int, type: str = "limit", **kw: object
    ) -> httpx.Response:
        return self.submit(self.leg(series, side, price, qty, **kw), type=type)

    def cancel(self, order_id: int) -> httpx.Response:
        return self.srv.http.post(
            "/v1/orders/cancel", json=signed_cancel(self.key, self.dom, self.account_id, order_id)
        )

    def withdraw(
        self,
        amount: int,
        eth_address: str = "0x" + "ab" * 20,
        *,
        nonce: int | None = None,
        key: PrivateKey | None = None,
        http: httpx.Client | None = None,
    ) -> httpx.Response:
        body = signed_withdrawal(
            key or self.key,
            self.dom,
            self.account_id,
            next(self.nonces) if nonce is None else nonce,
            amount,
            eth_address,
        )
        return (http or self.srv.http).post("/v1/withdrawals", json=body)

    def withdrawals(self, http: httpx.Client | None = None) -> list[dict]:
        r = self.get(f"/v1/accounts/{self.account_id}/withdrawals", http)
        assert r.status_code == 200, r.text
        return r.json()

    def get(self, path: str, http: httpx.Client | None = None) -> httpx.Response:
        headers = sign_request(
            self.key, self.dom, self.account_id, "GET", path, read_timestamp_ms()
        )
        return (http or self.srv.http).get(path, headers=headers)

    def account(self, http: httpx.Client | None = None) -> dict:
        r = self.get(f"/v1/accounts/{self.account_id}", http)
        assert r.status_code == 200, r.text
        return r.json()

    def open_orders(self, http: httpx.Client | None = None) -> list[dict]:
        r = self.get(f"/v1/accounts/{self.account_id}/orders?status=open", http)
        assert r.status_code == 200, r.text
        return r.json()

    def fills(self, http: httpx.Client | None = None) -> list[dict]:
        r = self.get(f"/v1/accounts/{self.account_id}/fills?limit=1000", http)
        assert r.status_code == 200, r.text
        return r.json()

    @staticmethod
    def hash_of(dom: int, leg: dict) -> str:
        return f"0x{leg_hash(dom, leg):064x}"


def make_key(i: int) -> PrivateKey:
    return PrivateKey(bytes([i]) * 32)


def deposit(http: httpx.Client, key: PrivateKey, amount: int = COLLATERAL) -> int:
    ax, ay = key.public_key()
    r = http.post("/v1/dev/deposit", json={"ax": str(ax), "ay": str(ay), "amount": str(amount)})
    assert r.status_code == 200, r.text
    return r.json()["account_id"]


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def make(
        clock: Callable[[], float] = time.time,
        chain: ChainInfo | None = None,
        **overrides: object,
    ) -> LiveServer:
        """A relayer on a fresh database; the dev faucet is on (``deposit`` funds desks
        through it) unless ``dev_faucet=False`` is passed."""
        settings = {"data_dir": tmp_path / f"data{len(servers)}", "dev_faucet": True, **overrides}
        s = LiveServer(Settings(**settings), clock, chain)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.stop()


@pytest.fixture
def server(make_server: Callable[..., LiveServer]) -> LiveServer:
    return make_server()


@pytest.fixture
def desks(server: LiveServer) -> list[Desk]:
    out = []
    for i in range(1, 4):
        key = make_key(i)
        out.append(Desk(server, key, deposit(server.http, key), server.dom))
    return out
