"""The demo, told through the running service: `darkbook relayer run` in its own process (its
own anvil, SQLite in a temporary folder), driven over HTTP and its chain only.

Chapters (as printed): 1 the service starts and prepares the venue, 2 ``GET /v1/venue``,
3 four desks deposit on-chain and the service's watcher credits them, 4 plain fills, 5 a
multi-leg spread, 6 a delta hedge with the future, 7 a refusal, 8 a withdrawal through the
API, 9 the service seals, proves and lands everything, the desk claims, 10 the keepers (a
price shock and a liquidation, a series expiring: relayer.demo.keepers, each skipped with its
reason when the service cannot show it), then the report (relayer.demo.report) ending with
one JSON line. ``run_demo`` returns the
``DemoReport`` the end-to-end test checks.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from relayer.demo.chain import DeskChain, batch_numbers
from relayer.demo.collect import collect
from relayer.demo.desks import Desk, demo_key, demo_secret, mark_price
from relayer.demo.hedges import arm_mandate, mandate_hedged
from relayer.demo.keepers import (
    price_file_settings,
    price_shock_and_liquidation,
    series_expiry,
    short_dated_series_settings,
)
from relayer.demo.report import USD, DemoReport, WithdrawalLine, render, usd
from relayer.demo.service import ServiceProcess, running_service
from relayer.demo.stage_times import StageTimes
from relayer.demo.stops import arm_stop, stop_fired

Say = Callable[[str], None]
DESK_DEPOSIT = 250_000 * USD
INSURANCE = 1_000_000 * USD  # the operator's deposit to account 0: liquidations draw on it
WITHDRAW = 10_000 * USD
DESKS = ("desk A", "desk B", "desk C", "desk D")
ORDER_LIFE = 3600  # seconds an order stays valid


def service_settings(config_name: str) -> dict[str, Any]:
    """The service's settings for the demo: the chosen circuit, short batch timers, and the
    operator's key known to the demo (it is the operator: it reads account 0's fees)."""
    return {
        "circuit": config_name,
        "batch_seconds": 1.0,
        "settle_poll_seconds": 0.2,
        "operator_secret": demo_secret("operator").hex(),
        "log_level": "info",
    }


class Story:
    """One demo run's state: the service, its chain, the desks, the traded series."""

    def __init__(self, svc: ServiceProcess, say: Say, prices: Path | None) -> None:
        self.svc, self.say, self.http, self.prices = svc, say, svc.client, prices
        self.venue = svc.get("/v1/venue")
        self.chain = DeskChain.connect(svc.rpc_url, self.venue["chain"])
        dom = int(self.venue["signing"]["domain"], 16)
        eth = self.chain.w3.eth.accounts
        self.desks = [Desk(n, demo_key(n), eth[i + 1], dom) for i, n in enumerate(DESKS)]
        self.times = StageTimes()
        self.withdrawals: list[WithdrawalLine] = []
        self.refused: dict[str, Any] = {}
        self._pick_series()

    def _pick_series(self) -> None:
        series = self.venue["series"]
        self.future = min((s for s in series if s["kind"] == "future"), key=lambda s: s["expiry"])
        calls = [s for s in series if s["kind"] == "call"]
        near = min(s["expiry"] for s in calls)
        calls = sorted((s for s in calls if s["expiry"] == near), key=lambda s: s["strike"])
        self.call = calls[(len(calls) - 1) // 2]  # at the money
        higher = [s for s in calls if s["strike"] > self.call["strike"]]
        self.wing = higher[0] if higher else self.future  # the spread's second leg

    def tick(self) -> None:
        """Sample the service's stage timings (called while waiting)."""
        self.times.sample(self.http.get("/metrics").text)

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float) -> Any:
        """``check()``'s first truthy answer, or its last falsy one after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            got = check()
            if got or time.monotonic() > deadline:
                return got
            if self.svc.proc.poll() is not None:
                raise RuntimeError(f"the service stopped:\n{self.svc.log_tail()}")
            self.tick()
            time.sleep(0.3)

    def until(self, what: str, check: Callable[[], Any], timeout: float = 900.0) -> Any:
        got = self.wait_for(what, check, timeout)
        if not got:
            raise TimeoutError(f"timed out waiting for {what}:\n{self.svc.log_tail()}")
        return got

    def positions(self, desk: Desk) -> dict[int, int]:
        """The desk's positions in the relayer's view (a signed read)."""
        acct = desk.account(self.http) or {"positions": []}
        return {int(p["series_id"]): int(p["qty"]) for p in acct["positions"] if int(p["qty"])}

    def proven_positions(self, desk: Desk) -> dict[int, int] | None:
        """The desk's positions in its newest leaf decrypted from chain data (None: no leaf)."""
        batches = batch_numbers(self.svc.get("/v1/batches?limit=1000"))
        found = self.chain.proven_leaf(desk, self.venue["circuit"]["positions"], batches)
        return None if found is None else {s: q for s, q in found[1].positions if s and q}

    # -- chapters -------------------------------------------------------------------------

    def show_venue(self) -> None:
        v, c = self.venue, self.venue["circuit"]
        self.say(
            f"2. GET /v1/venue: chain {v['chain']['chain_id']} at {self.svc.rpc_url}, Settlement "
            f"{v['chain']['settlement_address']}, collateral {v['chain']['token_address']} "
            f"({v['chain']['token_decimals']} decimals)"
        )
        self.say(
            f"   signing domain {v['signing']['domain'][:18]}…, circuit {c['name']} "
            f"(T={c['slots_per_batch']['trades']} D={c['slots_per_batch']['deposits']} "
            f"W={c['slots_per_batch']['withdrawals']} P={c['positions']}), fee "
            f"{usd(int(v['fee_per_contract']))}/contract, {len(v['series'])} series, market "
            f"epoch {v['market_epoch']}"
        )
        for s in {x["series_id"]: x for x in (self.call, self.wing, self.future)}.values():
            self.say(
                f"   series {s['series_id']}: {s['kind']:6} strike {s['strike']:>6} mark "
                f"{usd(int(s['mark']))}"
            )

    def deposit(self) -> None:
        self.say("3. four desks deposit on-chain (mint, approve, Settlement.deposit)")
        self.chain.fund(self.desks, DESK_DEPOSIT)
        self.chain.insure(self.chain.w3.eth.accounts[5], INSURANCE)
        self.say(f"   the operator funds account 0's insurance fund with {usd(INSURANCE)}")
        for d in self.desks:
            acct = self.until(f"{d.name}'s credit", lambda d=d: d.account(self.http))
            self.say(
                f"   {d.name} ({d.eth[:10]}…) deposited {usd(DESK_DEPOSIT)}: credited by the "
                f"service's watcher as account {d.account_id}, collateral "
                f"{usd(int(acct['collateral']))}"
            )

    def _cross(self, maker: Desk, taker: Desk, s: dict[str, Any], maker_side: str, qty: int) -> int:
        """``maker`` rests ``qty`` at the mark; ``taker`` takes it (IOC): the fills made."""
        sid, px, exp = int(s["series_id"]), mark_price(s), int(time.time()) + ORDER_LIFE
        r = maker.send(self.http, [maker.leg(sid, maker_side, px, qty, exp)], "limit")
        r.raise_for_status()
        other = "buy" if maker_side == "sell" else "sell"
        r = taker.send(self.http, [taker.leg(sid, other, px, qty, exp)], "ioc")
        r.raise_for_status()
        fills = r.json()["fills"]
        self.say(
            f"   {maker.name} rests {maker_side} {qty} x {sid} @ {usd(px)}; {taker.name} "
            f"{other}s (IOC): {len(fills)} fill(s)"
        )
        return len(fills)

    def plain_fills(self) -> None:
        a, b, c, d = self.desks
        self.say(f"4. plain fills on the at-the-money call {self.call['series_id']}")
        self._cross(a, b, self.call, "sell", 2)
        self._cross(d, c, self.call, "sell", 3)

    def spread(self) -> None:
        a, b, c, _ = self.desks
        k1, k2 = self.call, self.wing
        # a signed group's fills share one batch: on `test` (T = 1) no 2-leg group can prove
        proven = self.venue["circuit"]["slots_per_batch"]["group_fills"] >= 2
        how = "a signed group the proof fills whole" if proven else "atomic at the relayer"
        self.say(
            f"5. a multi-leg spread: {c.name} buys {k1['series_id']} and sells {k2['series_id']} "
            f"in one all-or-nothing group (fok, {how})"
        )
        exp = int(time.time()) + ORDER_LIFE
        for desk, s, side in ((a, k1, "sell"), (b, k2, "buy")):
            leg = desk.leg(int(s["series_id"]), side, mark_price(s), 1, exp)
            desk.send(self.http, [leg], "limit").raise_for_status()
        specs = [
            (int(k1["series_id"]), "buy", mark_price(k1), 1),
            (int(k2["series_id"]), "sell", mark_price(k2), 1),
        ]
        legs = c.group(specs, exp, proven)
        r = c.send(self.http, legs, "fok")
        r.raise_for_status()
        self.say(f"   group of {len(legs)} legs: {len(r.json()['fills'])} fill(s)")

    def _delta(self, desk: Desk) -> float:
        acct = desk.account(self.http) or {}
        return float(acct.get("greeks", {}).get(self.venue["underlying"], {}).get("delta", 0.0))

    def hedge(self) -> None:
        a, b, _, _ = self.desks
        before = self._delta(b)
        n = max(1, round(before))  # the future's delta is 1 per contract
        self.say(f"6. delta hedge: {b.name} is long {before:+.2f} delta; it sells {n} future(s)")
        self._cross(a, b, self.future, "buy", n)
        self.say(f"   {b.name}'s delta after the hedge: {self._delta(b):+.2f}")

    def refusal(self) -> None:
        d = self.desks[3]
        sid, px = int(self.future["series_id"]), mark_price(self.future)
        self.say(f"7. {d.name} bids for 50 futures it cannot margin")
        r = d.send(self.http, [d.leg(sid, "buy", px, 50, int(time.time()) + ORDER_LIFE)], "limit")
        self.refused = {"status": r.status_code, **r.json().get("error", {})}
        e = self.refused
        self.say(f"   HTTP {r.status_code} {e.get('code')} [{e.get('field')}]: {e.get('reason')}")

    def withdraw(self) -> None:
        a = self.desks[0]
        r = a.withdraw(self.http, WITHDRAW)
        r.raise_for_status()
        w = r.json()["withdrawal"]
        self.withdrawals.append(WithdrawalLine(a.name, WITHDRAW, [w["status"]]))
        self.say(
            f"8. {a.name} withdraws {usd(WITHDRAW)} to {a.eth} (POST /v1/withdrawals): "
            f"{w['status']}, debited at once"
        )

    def settle(self) -> None:
        """Wait until every fill and withdrawal is proven and landed, following the
        withdrawal's status as its owner reads it."""
        self.say("9. the service seals, proves and lands the batches by itself")
        a, line = self.desks[0], self.withdrawals[0]

        def done() -> bool:
            status = a.withdrawals(self.http)[0]["status"]
            if status != line.statuses[-1]:
                line.statuses.append(status)
                self.say(f"   {a.name}'s withdrawal: {status}")
            fills = [f for d in self.desks for f in d.fills(self.http)]
            settled = all(f["settlement"] in ("confirmed", "refused") for f in fills)
            health = self.svc.health()
            quiet = health["settlement"].get("queue_depth") == 0
            return settled and quiet and status in ("claimable", "refused")

        self.until("the batches to land", done)
        self.tick()

    def claim(self) -> None:
        a, line = self.desks[0], self.withdrawals[0]
        line.claimed, line.claim_gas = self.chain.claim(a.eth)
        line.statuses.append("claimed")
        self.say(f"   {a.name} claim(): paid {usd(line.claimed)} (gas {line.claim_gas:,})")


def run_demo(
    config_name: str = "demo", say: Say = print, workdir: Path | None = None
) -> DemoReport:
    started = time.perf_counter()
    report = DemoReport(config_name)
    with tempfile.TemporaryDirectory(prefix="darkbook-demo-") as tmp:
        data_dir = Path(workdir or tmp) / "service"
        data_dir.mkdir(parents=True, exist_ok=True)
        settings = {
            **service_settings(config_name),
            **price_file_settings(data_dir),
            **short_dated_series_settings(config_name, data_dir),
        }
        prices = data_dir / "prices.json" if "oracle_price_source" in settings else None
        say(f"Darkbook demo ({config_name} circuit configuration), told through the service")
        say(
            "1. darkbook relayer run: its own anvil, SQLite in a temporary folder; it compiles "
            "the circuit, sets up INSECURE development keys (cached: a first run takes minutes) "
            "and deploys, in the background"
        )
        with running_service(data_dir, settings, say) as svc:
            story = Story(svc, say, prices)
            story.show_venue()
            story.deposit()
            story.plain_fills()
            story.spread()
            story.hedge()
            story.refusal()
            story.withdraw()
            story.settle()
            story.claim()
            say(
                "10. keepers: a stop and a hedge mandate armed, a price shock and a "
                "liquidation, the stop fired, the hedge traded, a series expiring"
            )
            stop, mandate = arm_stop(story), arm_mandate(story)
            shock = price_shock_and_liquidation(story, prices)
            if prices is None:
                stop.skipped = "no price shock to fire it (no oracle price source setting)"
                mandate.skipped = "no price shock to move the delta (no oracle price source)"
            fired, hedged = stop_fired(story, stop), mandate_hedged(story, mandate)
            report.keepers = [shock, fired, hedged, series_expiry(story)]
            for k in report.keepers:
                if k.skipped:
                    say(f"   {k.name}: skipped: {k.skipped}")
            report.refusal = story.refused
            report.withdrawals = story.withdrawals
            collect(story, report)
    report.seconds = time.perf_counter() - started
    render(report, say)
    return report
