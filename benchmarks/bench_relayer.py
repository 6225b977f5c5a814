"""Relayer throughput: the matching engine against a naive sorted-list book in the same run,
then orders accepted per second and acknowledgement latency over HTTP on loopback.

    .venv/bin/python benchmarks/bench_relayer.py [--depth 2000] [--takers 5000]
                                                 [--http-orders 300] [--concurrency 1,8]

Engine: a book of ``depth`` resting orders per side on each of 4 series, then ``takers``
commands (crossing IOC orders interleaved with new resting limit orders). Both books run the
same engine code (admission, margin check of both sides before each fill, state updates); only
the book structure differs, and the two must produce identical fills. The naive book keeps one
Python list per side, re-sorted on every insert and scanned from the front.

HTTP: ``darkbook relayer run`` in a subprocess on a temporary SQLite database (WAL,
synchronous=FULL, so every acknowledgement waits for an fsync); orders are signed beforehand
and sent by ``concurrency`` client threads (one run per value). Concurrent orders share
commits (group commit), so throughput grows with clients while each ack still waits for its
fsync.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for testkit

from prover.crypto.eddsa import PrivateKey
from prover.statement.encoding import domain
from relayer.api.listen import wait_for_url
from relayer.intake.client import signed_leg
from relayer.markets.series import default_series
from relayer.markets.snapshot import build_reference_snapshot
from relayer.matching.book import Book
from relayer.matching.engine import Engine
from relayer.matching.errors import Rejected
from relayer.matching.types import BUY, SELL, DepositCmd, Leg, OrderState, SubmitCmd, Tif
from relayer.settings import Settings
from testkit.relayer_process import relayer_command, relayer_env

NOW = int(time.time())
SPECS = default_series(NOW)
SNAP = build_reference_snapshot(SPECS, NOW, 1)
MARKS = SNAP.table.marks()
TRADED = [s.id for s in SPECS][:4]
ACCOUNTS = 64
TICK = 1_000_000


class NaiveSide:
    """Baseline: one list kept sorted by (price priority, arrival) with list.sort()."""

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.orders: list[OrderState] = []

    def _key(self, o: OrderState) -> tuple[int, int]:
        return (-o.leg.price if self.is_bid else o.leg.price, o.seq)

    def add(self, order: OrderState) -> None:
        self.orders.append(order)
        self.orders.sort(key=self._key)

    def remove(self, order: OrderState) -> None:
        self.orders.remove(order)

    def in_priority(self):
        return iter(list(self.orders))


class NaiveBook(Book):
    def __init__(self) -> None:
        self.bids = NaiveSide(True)  # type: ignore[assignment]
        self.asks = NaiveSide(False)  # type: ignore[assignment]


def make_engine(naive: bool) -> Engine:
    e = Engine(
        SPECS,
        order_depth=20,
        max_positions=4,
        max_open_orders=10**6,
        fee=10,
    )
    e.tables[1] = SNAP.table.values("im")
    if naive:
        e.books = {sid: NaiveBook() for sid in e.books}
    return e


def workload(depth: int, takers: int, seed: int = 1) -> tuple[list, list]:
    rng = random.Random(seed)
    nonce = dict.fromkeys(range(1, ACCOUNTS + 1), 0)
    hid = iter(range(1, 10**9))

    def leg(side: int, sid: int, px: int, qty: int) -> Leg:
        a = rng.randint(1, ACCOUNTS)
        nonce[a] += 1
        return Leg.of(next(hid), a, nonce[a], sid, side, px, qty, NOW + 86400)

    setup: list = [DepositCmd(a, a, 10**15, NOW) for a in range(1, ACCOUNTS + 1)]
    mid = {sid: MARKS[sid] // TICK * TICK for sid in TRADED}
    for _ in range(depth):
        for sid in TRADED:
            off = rng.randint(1, 400) * TICK
            setup.append(
                SubmitCmd((leg(BUY, sid, mid[sid] - off, rng.randint(1, 5)),), Tif.LIMIT, NOW, 1)
            )
            setup.append(
                SubmitCmd((leg(SELL, sid, mid[sid] + off, rng.randint(1, 5)),), Tif.LIMIT, NOW, 1)
            )
    run = []
    for i in range(takers):
        sid = rng.choice(TRADED)
        side = rng.choice([BUY, SELL])
        sign = 1 if side == BUY else -1
        if i % 2:  # crossing IOC a few levels deep
            px = mid[sid] + sign * rng.randint(1, 60) * TICK
            run.append(SubmitCmd((leg(side, sid, px, rng.randint(1, 8)),), Tif.IOC, NOW, 1))
        else:  # new resting order behind the touch
            px = mid[sid] - sign * rng.randint(1, 400) * TICK
            run.append(SubmitCmd((leg(side, sid, px, rng.randint(1, 5)),), Tif.LIMIT, NOW, 1))
    return setup, run


def bench_engine(naive: bool, setup: list, run: list) -> tuple[float, int, list]:
    e = make_engine(naive)
    for c in setup:
        e.execute(c)
    fills_before = len(e.fills)
    t0 = time.perf_counter()
    for c in run:
        with contextlib.suppress(Rejected):
            e.execute(c)
    dt = time.perf_counter() - t0
    return dt, len(e.fills) - fills_before, e.fills


# -- HTTP -------------------------------------------------------------------------------


def bench_http(n: int, concurrency: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        # desks are funded through the faucet
        env = relayer_env(  # throughput, not the per-account rate limit (docs/privacy.md)
            local_chain="false", max_open_orders=10**6, dev_faucet="true", order_rate_per_second=0
        )
        proc = subprocess.Popen(
            relayer_command(tmp),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = wait_for_url(Path(tmp), proc)
            with httpx.Client(base_url=base, timeout=60) as http:
                for _ in range(600):
                    try:
                        if http.get("/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        time.sleep(0.1)
                dom = default_domain()
                keys = [PrivateKey(bytes([i]) * 32) for i in range(1, 9)]
                ids = []
                for k in keys:
                    ax, ay = k.public_key()
                    ids.append(
                        http.post(
                            "/v1/dev/deposit",
                            json={"ax": str(ax), "ay": str(ay), "amount": str(10**15)},
                        ).json()["account_id"]
                    )
            rng = random.Random(3)
            sid = TRADED[1]
            mid = MARKS[sid] // TICK * TICK
            bodies = []
            for i in range(n):
                k = i % len(keys)
                side = rng.choice(["buy", "sell"])
                px = mid + (-1 if side == "buy" else 1) * rng.randint(-3, 40) * TICK
                bodies.append(
                    {
                        "legs": [
                            signed_leg(
                                keys[k],
                                dom,
                                ids[k],
                                i + 1,
                                sid,
                                side,
                                px,
                                rng.randint(1, 3),
                                NOW + 86400,
                            )
                        ],
                        "type": "limit",
                    }
                )
            latencies: list[float] = []
            errors = [0]
            lock = threading.Lock()

            def worker(chunk: list[dict]) -> None:
                with httpx.Client(base_url=base, timeout=60) as c:
                    for b in chunk:
                        t = time.perf_counter()
                        r = c.post("/v1/orders", json=b)
                        dt = time.perf_counter() - t
                        with lock:
                            latencies.append(dt)
                            errors[0] += r.status_code != 200

            chunks = [bodies[i::concurrency] for i in range(concurrency)]
            threads = [threading.Thread(target=worker, args=(c,)) for c in chunks]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
        finally:
            proc.terminate()
            proc.wait(10)
    latencies.sort()
    return {
        "orders": n,
        "errors": errors[0],
        "per_s": n / wall,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depth", type=int, default=2000, help="resting orders per side per series")
    ap.add_argument("--takers", type=int, default=5000)
    ap.add_argument("--http-orders", type=int, default=300)
    ap.add_argument(
        "--concurrency", default="1,8", help="client threads, comma-separated runs (default 1,8)"
    )
    args = ap.parse_args()
    setup, run = workload(args.depth, args.takers)
    t_fast, n_fast, fills_fast = bench_engine(False, setup, run)
    t_naive, n_naive, fills_naive = bench_engine(True, setup, run)
    assert fills_fast == fills_naive, "the two books disagree"
    print(
        f"engine (price levels): {len(run) / t_fast:9.0f} orders/s  {n_fast / t_fast:9.0f} "
        f"matches/s  ({n_fast} fills, book depth {args.depth}/side x {len(TRADED)} series)"
    )
    print(
        f"naive sorted list    : {len(run) / t_naive:9.0f} orders/s  {n_naive / t_naive:9.0f} "
        f"matches/s"
    )
    print(f"ratio engine / naive : {t_naive / t_fast:.1f}x (identical fills)")
    for conc in (int(c) for c in args.concurrency.split(",")):
        h = bench_http(args.http_orders, conc)
        print(
            f"HTTP (loopback, SQLite WAL synchronous=FULL, {conc} clients): "
            f"{h['per_s']:.0f} orders/s, ack p50 {h['p50_ms']:.1f} ms, p99 {h['p99_ms']:.1f} ms "
            f"({h['orders']} orders, {h['errors']} non-200)"
        )
    return 0


def default_domain() -> int:
    """The domain a zero-config relayer signs for (its circuit config's deployment)."""
    s = Settings()
    return domain(s.chain_id, s.settlement_address)


if __name__ == "__main__":
    sys.exit(main())
