"""Restart recovery: kill -9 the relayer with open orders, start it again, same book."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx

from prover.statement.encoding import domain
from relayer.api.listen import ListenError, wait_for_url
from relayer.settings import Settings
from testkit.relayer_process import relayer_command, relayer_env
from tests.relayer.conftest import PUT, SERIES, Desk, deposit, make_key

PX = 2_000_000_000
TICK = 1_000_000


class Proc:
    def __init__(self, data_dir: Path) -> None:
        # the desks are funded through the faucet
        env = relayer_env(local_chain="false", dev_faucet="true")
        self.p = subprocess.Popen(
            relayer_command(data_dir),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            url = wait_for_url(data_dir, self.p, timeout=60)
        except ListenError as exc:
            os.killpg(self.p.pid, signal.SIGKILL)  # if it still runs, so that stderr ends
            raise RuntimeError(f"{exc}: {self.p.stderr.read().decode()[-2000:]}") from None
        self.http = httpx.Client(base_url=url, timeout=30)
        deadline = time.monotonic() + 60
        while True:
            if self.p.poll() is not None:
                raise RuntimeError(self.p.stderr.read().decode()[-2000:])
            try:
                if self.http.get("/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("relayer did not start")
            time.sleep(0.1)

    def kill9(self) -> None:
        os.killpg(self.p.pid, signal.SIGKILL)
        self.p.wait(10)
        self.http.close()


def views(desks: list[Desk], http: httpx.Client) -> list:
    out = []
    for d in desks:
        out.append(
            (
                d.account(http),
                d.open_orders(http),
                d.fills(http),
                d.get(f"/v1/accounts/{d.account_id}/orders?limit=1000", http).json(),
            )
        )
    return out


def test_kill9_with_open_orders_then_identical_book(tmp_path: Path) -> None:
    dom = default_domain()
    proc = Proc(tmp_path)
    desks = []
    for i in (1, 2, 3):
        key = make_key(i)
        desks.append(Desk(None, key, deposit(proc.http, key), dom))
    a, b, c = desks
    h = proc.http
    a.submit(a.leg(SERIES, "sell", PX, 3), http=h)
    first_resting = c.leg(SERIES, "sell", PX + TICK, 2)
    c.submit(first_resting, http=h)
    b.submit(b.leg(SERIES, "sell", PX + TICK, 2), http=h)  # same price, later
    c.submit(c.leg(SERIES, "buy", PX - 5 * TICK, 4), http=h)
    b.submit(b.leg(PUT, "buy", PX, 2), http=h)
    a.submit(a.leg(SERIES, "buy", PX, 1), http=h)  # self-trade: cancels a's resting sell
    b.submit(b.leg(SERIES, "buy", PX, 1), type="ioc", http=h)  # no ask at PX any more
    partial = b.leg(SERIES, "buy", PX + TICK, 1)
    b.submit(partial, http=h)  # partially takes c's first resting order
    before = views(desks, h)
    assert any(v[1] for v in before)
    proc.kill9()

    proc = Proc(tmp_path)
    h = proc.http
    assert views(desks, h) == before
    # The same signed order again is recognised, not accepted twice.
    again = b.submit(partial, http=h).json()
    assert again["duplicate"] is True
    # Time priority survived: c's order (earlier) fills before b's at the same price.
    fills = a.submit(a.leg(SERIES, "buy", PX + TICK, 2), type="ioc", http=h).json()["fills"]
    assert [f["qty"] for f in fills] == ["1", "1"]
    c_fills = c.fills(h)
    assert c_fills[-1]["order_hash"] == Desk.hash_of(dom, first_resting)
    proc.kill9()


def test_every_acknowledged_order_survives_a_kill_mid_flow(tmp_path: Path) -> None:
    dom = default_domain()
    proc = Proc(tmp_path)
    keys = [make_key(i) for i in (1, 2)]
    desks = [Desk(None, k, deposit(proc.http, k), dom) for k in keys]
    legs = [
        desks[i % 2].leg(
            SERIES, "sell" if i % 2 else "buy", PX + (TICK if i % 2 else -TICK) * (1 + i % 7), 1
        )
        for i in range(60)
    ]
    acked: list[str] = []
    stop = threading.Event()
    enough = threading.Event()  # 15 acknowledged (or the flood ended): kill now

    def flood() -> None:
        with httpx.Client(base_url=proc.http.base_url, timeout=30) as http:
            for i, leg in enumerate(legs):
                if stop.is_set():
                    break
                try:
                    r = desks[i % 2].submit(leg, http=http)
                except httpx.TransportError:
                    break
                if r.status_code == 200:
                    acked.append(Desk.hash_of(dom, leg))
                    if len(acked) == 15:
                        enough.set()
        enough.set()

    t = threading.Thread(target=flood)
    t.start()
    assert enough.wait(120), "the flood stalled"
    assert len(acked) >= 15
    proc.kill9()
    stop.set()
    t.join()
    proc = Proc(tmp_path)
    for i, h in enumerate(acked):
        d = desks[0] if legs_by_hash(legs, dom)[h] % 2 == 0 else desks[1]
        r = d.get(f"/v1/orders/{h}", proc.http)
        assert r.status_code == 200, (i, r.text)
    proc.kill9()


def legs_by_hash(legs: list[dict], dom: int) -> dict[str, int]:
    return {Desk.hash_of(dom, leg): i for i, leg in enumerate(legs)}


def default_domain() -> int:
    """The domain a zero-config relayer signs for (its circuit config's deployment)."""
    s = Settings()
    return domain(s.chain_id, s.settlement_address)
