"""End to end on the service: proven fills per minute (orders in -> batches confirmed) and
order-to-finality latency p50/p99, against a baseline measured in the same run.

    .venv/bin/python benchmarks/bench_e2e.py [--config demo] [--baseline test] [--fills 16]

Each run starts `darkbook relayer run` in its own process (relayer.demo.service: its own
anvil, SQLite in a temporary folder) on one circuit configuration; four desks deposit on-chain
and are credited, and the deposit batches land (not timed). Then ``fills`` crossing pairs on
the at-the-money call (a maker rests 1 lot, a taker takes it IOC; the desks take turns) are
sent as fast as the API acknowledges them. Throughput = fills / (first order sent -> last
fill read ``confirmed`` by its owner); latency per fill = its taker order sent -> its fill
read ``confirmed`` (owners' signed fills reads, polled every 0.25 s).

Baseline: the same workload on another circuit configuration (default ``test``: T = 1, 56k
constraints), and the ratio is config / baseline fills per minute. One prover worker against
two (and Ray) is benchmarks/bench_throughput.py. Goal (issue 17, demo configuration, 2 cores):
>= 45 proven fills per minute.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from relayer.demo.chain import DeskChain
from relayer.demo.desks import Desk, demo_key, mark_price
from relayer.demo.service import ServiceProcess, running_service

DEPOSIT = 1_000_000 * 10**6
GOAL_PER_MINUTE = 45


@dataclass
class Run:
    config: str
    trades_per_batch: int
    fills: int
    seconds: float
    latencies: list[float]
    batches: int

    @property
    def per_minute(self) -> float:
        return 60 * self.fills / self.seconds

    def pct(self, q: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1]


def _wait(what: str, check: Callable[[], object], timeout: float = 1800.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.25)


def _quiet(svc: ServiceProcess) -> bool:
    """Nothing queued on-chain and every sealed batch confirmed."""
    batches = svc.get("/v1/batches?limit=1000")
    depth = svc.health()["settlement"].get("queue_depth")
    return depth == 0 and all(b["status"] == "confirmed" for b in batches)


def _setup(svc: ServiceProcess) -> tuple[list[Desk], dict]:
    venue = svc.get("/v1/venue")
    chain = DeskChain.connect(svc.rpc_url, venue["chain"])
    dom, eth = int(venue["signing"]["domain"], 16), chain.w3.eth.accounts
    desks = [Desk(f"bench {i}", demo_key(f"bench {i}"), eth[i + 1], dom) for i in range(4)]
    chain.fund(desks, DEPOSIT)
    _wait("credits", lambda: all(d.account(svc.client) for d in desks))
    _wait("deposit batches", lambda: _quiet(svc))
    call = next(s for s in venue["series"] if s["kind"] == "call")
    return desks, call


def _send(svc: ServiceProcess, desks: list[Desk], call: dict, n: int) -> dict[int, float]:
    """``n`` crossing pairs; each taker's fill id -> when its order was sent."""
    sid, px, exp = int(call["series_id"]), mark_price(call), int(time.time()) + 3600
    sent: dict[int, float] = {}
    for i in range(n):
        maker, taker = desks[i % 4], desks[(i + 1) % 4]
        maker.send(svc.client, [maker.leg(sid, "sell", px, 1, exp)], "limit").raise_for_status()
        t = time.monotonic()
        r = taker.send(svc.client, [taker.leg(sid, "buy", px, 1, exp)], "ioc")
        r.raise_for_status()
        (fill,) = r.json()["fills"]
        sent[fill["fill_id"]] = t
    return sent


def _follow(svc: ServiceProcess, desks: list[Desk], sent: dict[int, float]) -> dict[int, float]:
    """Each fill id -> when its owner first read it ``confirmed``."""
    final: dict[int, float] = {}
    deadline = time.monotonic() + 3600
    while len(final) < len(sent):
        now = time.monotonic()
        for d in desks:
            for f in d.fills(svc.client):
                if f["settlement"] == "refused":
                    raise RuntimeError(f"fill {f['fill_id']} refused: {f['reason']}")
                if f["fill_id"] in sent and f["settlement"] == "confirmed":
                    final.setdefault(f["fill_id"], now)
        if now > deadline:
            raise TimeoutError("fills not confirmed")
        time.sleep(0.25)
    return final


def measure(config: str, fills: int) -> Run:
    with tempfile.TemporaryDirectory(prefix="darkbook-bench-e2e-") as tmp:
        settings = {"circuit": config, "batch_seconds": 1.0, "settle_poll_seconds": 0.2}
        with running_service(Path(tmp), settings) as svc:
            desks, call = _setup(svc)
            before = len(svc.get("/v1/batches?limit=1000"))
            t0 = time.monotonic()
            sent = _send(svc, desks, call, fills)
            final = _follow(svc, desks, sent)
            seconds = max(final.values()) - t0
            batches = len(svc.get("/v1/batches?limit=1000")) - before
            trades = svc.get("/v1/venue")["circuit"]["slots_per_batch"]["trades"]
    latencies = [final[f] - sent[f] for f in sent]
    return Run(config, trades, fills, seconds, latencies, batches)


def report(r: Run) -> None:
    print(
        f"service on {r.config:5} (T={r.trades_per_batch}): {r.fills} fills in {r.seconds:.1f} s "
        f"({r.batches} batches): {r.per_minute:.1f} proven fills/min, order-to-finality "
        f"p50 {r.pct(50):.1f} s, p99 {r.pct(99):.1f} s"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="demo", help="circuit configuration measured")
    ap.add_argument("--baseline", default="test", help="configuration of the baseline run")
    ap.add_argument("--fills", type=int, default=16, help="crossing pairs per run")
    args = ap.parse_args()
    base = measure(args.baseline, args.fills)
    report(base)
    run = measure(args.config, args.fills)
    report(run)
    print(
        f"ratio {run.config} / {base.config}: {run.per_minute / base.per_minute:.2f}x proven "
        f"fills per minute, p50 latency {run.pct(50) / base.pct(50):.2f}x (baseline: the "
        f"{base.config} configuration; the service has no prover-worker setting yet, so one "
        "worker against two is not measured)"
    )
    met = "met" if run.per_minute >= GOAL_PER_MINUTE else "not met"
    print(f"goal >= {GOAL_PER_MINUTE} proven fills/min on {run.config}: {met}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
