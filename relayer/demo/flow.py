"""The demo narrative: one venue on a local chain, from deployment to a paid withdrawal.

Steps (numbers as printed): 1 chain and contracts with the real batch verifier, 2 the market
table and its hash registered by the oracle, 3 desks deposit on-chain, 4 deposit batches proven
and settled, 5 signed orders and a signed withdrawal through the relayer's HTTP API, 6 the
batcher reads fills and the withdrawal from the relayer's store, the batches are proven and
settled and the withdrawal claimed, 7 two refusals (an under-margined order at the relayer, a
tampered proof at the contract). ``run_demo`` returns a
``DemoReport`` the end-to-end test checks.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from web3 import Web3

from prover.build.anvil import local_chain
from prover.crypto.eddsa import PrivateKey
from prover.statement.data_blob import decrypt_own
from relayer.chain.deposit import mint_and_deposit
from relayer.demo.server import running_relayer
from relayer.intake.client import sign_request, signed_leg, signed_withdrawal
from relayer.settlement.batcher import SealedBatch
from relayer.settlement.deployment import VenueDeployment, deploy_venue
from relayer.settlement.errors import SubmissionReverted
from relayer.settlement.market import VenueMarket, build_venue_market
from relayer.settlement.pipeline import SettlementPipeline
from relayer.venue_info.chain import read_chain_info

Say = Callable[[str], None]
USD = 10**6  # collateral base units per USD (TestToken has 6 decimals)
DESK_DEPOSIT = 250_000 * USD
WITHDRAW = 10_000 * USD
BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583


def usd(base: int) -> str:
    if 0 < abs(base) < USD:
        return f"{base / USD:.6f} USD"
    return f"{base / USD:,.2f} USD"


def root(x: int) -> str:
    return f"0x{x:064x}"[:18] + "…"


def demo_key(name: str) -> PrivateKey:
    """Deterministic demo keys (never use a guessable seed for real money)."""
    return PrivateKey(hashlib.sha256(f"darkbook demo {name}".encode()).digest())


@dataclass
class Desk:
    name: str
    key: PrivateKey
    eth: str
    account_id: int = -1
    next_nonce: int = 1

    def nonce(self) -> int:
        n = self.next_nonce
        self.next_nonce += 1
        return n


@dataclass
class BatchLine:
    number: int
    deposits: int
    fills: int
    withdrawals: int
    witness_seconds: float
    prove_seconds: float
    snarkjs_ok: bool
    gas_used: int
    old_root: int
    new_root: int
    chain_root: int


@dataclass
class DemoReport:
    config: str
    batches: list[BatchLine] = field(default_factory=list)
    margin_refusal: dict[str, Any] = field(default_factory=dict)
    tampered_error: str = ""
    tampered_gas: int | None = None
    claimed: int = 0
    desk_token_balances: dict[str, int] = field(default_factory=dict)
    model_collateral: dict[int, int] = field(default_factory=dict)
    decrypted_collateral: int | None = None
    relayer_agrees: bool = False
    withdrawal_status: list[str] = field(default_factory=list)  # as the owner read it, in turn
    seconds: float = 0.0


def _wait(w3: Web3, tx: bytes) -> dict[str, Any]:
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {tx.hex()} reverted")
    return dict(receipt)


def _settle(
    p: SettlementPipeline, sb: SealedBatch, report: DemoReport, say: Say, tamper_first: bool = False
) -> BatchLine:
    b = sb.batch
    say(
        f"   batch {sb.number}: {len(b.deposits)} deposit(s), {len(b.trades)} fill(s), "
        f"{len(b.withdrawals)} withdrawal(s), timestamp {sb.timestamp}"
    )
    proved = p.prove(sb)
    ok = p.prover.verify_snarkjs(proved.proof)
    say(
        f"     proof: witness {proved.witness_seconds:.1f}s, arkworks prove "
        f"{proved.prove_seconds:.1f}s; snarkjs verify: {'OK' if ok else 'FAILED'}"
    )
    if tamper_first:
        bad = list(proved.words)
        bad[1] = BN254_Q - bad[1]  # A negated: still a curve point, no longer a valid proof
        try:
            p.submit(sb, bad, preflight=False)
        except SubmissionReverted as exc:
            report.tampered_error, report.tampered_gas = exc.error, exc.gas_used
            say(
                f"     REFUSED on-chain (tampered proof): tx {exc.tx_hash[:12]}… reverted "
                f"with {exc.error}, gas {exc.gas_used:,}; the batch stays '{sb.status}'"
            )
    landed = p.submit(sb)
    say(
        f"     settled in block {landed.block_number}, gas {landed.gas_used:,}; on-chain root "
        f"{root(landed.new_root)} == model root: {landed.new_root == sb.new_root}"
    )
    line = BatchLine(
        sb.number,
        len(b.deposits),
        len(b.trades),
        len(b.withdrawals),
        proved.witness_seconds,
        proved.prove_seconds,
        ok,
        landed.gas_used,
        sb.old_root,
        sb.new_root,
        landed.new_root,
    )
    report.batches.append(line)
    return line


def run_demo(
    config_name: str = "demo", say: Say = print, workdir: Path | None = None
) -> DemoReport:
    started = time.perf_counter()
    report = DemoReport(config_name)
    with (
        contextlib.ExitStack() as stack,
        tempfile.TemporaryDirectory(prefix="darkbook-demo-") as tmp,
        local_chain() as chain,
    ):
        w3 = chain.w3
        accounts = chain.accounts
        say(f"Darkbook demo ({config_name} circuit configuration)")
        say(
            f"1. anvil at {chain.url} (chain {w3.eth.chain_id}); compiling/loading the batch "
            "circuit for this deployment's domain (cached by content hash; a first run compiles "
            "it: ~4 min for demo, ~1 min for test on 2 cores, plus the key setup)"
        )
        t = time.perf_counter()
        operator_key = demo_key("operator")
        venue = deploy_venue(w3, config_name, operator_key=operator_key.public_key(), progress=True)
        venue.prover.start()  # the prover process loads the key while we go on
        stack.callback(venue.prover.close)
        cfg = venue.config
        say(
            f"   circuit batch_{cfg.name}: {venue.prover.circuit.constraints:,} constraints "
            f"(T={cfg.trades} D={cfg.deposits} W={cfg.withdrawals} P={cfg.positions} "
            f"M={cfg.series} S={cfg.scenarios}), ready in {time.perf_counter() - t:.1f}s"
        )
        say(
            "   WARNING: the proving keys are INSECURE development keys (single-party "
            "setup on this machine): demo only"
        )
        _print_contracts(venue, say)
        say(
            f"   genesis root {root(venue.genesis_root)}: account 0 already holds the operator's "
            "key (fees, settlements, liquidations), so no deposit can open another key there"
        )

        say("2. market table (risk engine: Black-76 full revaluation, SPAN-style grid)")
        now = int(w3.eth.get_block("latest")["timestamp"])
        vm = build_venue_market(cfg, now)
        marks = vm.table.marks()
        for s in vm.series:
            say(
                f"   series {s.id}: {s.kind:6} strike {s.strike:>6} expiry "
                f"{time.strftime('%Y-%m-%d', time.gmtime(s.expiry))}  mark "
                f"{usd(marks[s.id])}"
            )
        publish = venue.oracle.functions.publish(vm.hash, now)
        _wait(w3, publish.transact({"from": venue.oracle_owner}))
        say(f"   oracle {venue.oracle_owner[:10]}… registered market hash {root(vm.hash)} at {now}")

        pipeline = SettlementPipeline(venue, vm.table, operator_key.public_key())
        desks = [
            Desk("desk A", demo_key("desk A"), accounts[1]),
            Desk("desk B", demo_key("desk B"), accounts[2]),
        ]

        say("3. deposits on-chain (TestToken minted and approved, Settlement.deposit)")
        for d in desks:
            mint_and_deposit(venue.token, venue.settlement, d.eth, DESK_DEPOSIT, d.key.public_key())

        chain_info = read_chain_info(w3, venue.settlement.address)
        with running_relayer(
            cfg,
            vm,
            Path(workdir or tmp) / "relayer",
            chain=chain_info,
            operator_key=operator_key.public_key(),
        ) as relayer:
            say(f"   relayer API on {relayer.url} (uvicorn in-process, SQLite in a temp dir)")
            v = relayer.client.get("/v1/venue").json()
            if int(v["signing"]["domain"], 16) != cfg.domain:
                raise RuntimeError("the relayer's signing domain is not the circuit's")
            say(
                f"   GET /v1/venue: chain {v['chain']['chain_id']}, collateral "
                f"{v['chain']['token_address'][:10]}… ({v['chain']['token_decimals']} decimals), "
                f"domain {v['signing']['domain'][:18]}…, P={v['position_slots']}, "
                f"{len(v['series'])} series"
            )
            pipeline.store = relayer.repo
            for c in pipeline.poll_deposits():
                who = next(
                    (d for d in desks if d.key.public_key() == (c.deposit.ax, c.deposit.ay)), None
                )
                if who is None:
                    raise RuntimeError(f"queue #{c.deposit.queue_index}: not a desk's deposit")
                r = relayer.client.post(
                    "/v1/dev/deposit",
                    json={
                        "ax": str(c.deposit.ax),
                        "ay": str(c.deposit.ay),
                        "amount": str(c.deposit.amount),
                    },
                )
                r.raise_for_status()
                if r.json()["account_id"] != c.account_id:
                    raise RuntimeError("relayer and batcher assigned different account ids")
                who.account_id = c.account_id
                say(
                    f"   queue #{c.deposit.queue_index}: {who.name} ({who.eth[:10]}…) "
                    f"{usd(c.deposit.amount)} -> account {c.account_id}, credited at the relayer"
                )

            say(f"4. batch 1: the batcher consumes the deposit queue (D={cfg.deposits} per batch)")
            sb = pipeline.seal()
            assert sb is not None
            _settle(pipeline, sb, report, say)

            say("5. signed orders through the relayer API (POST /v1/orders)")
            _trade(relayer.client, venue, vm, desks, cfg.trades, report, say)
            a = desks[0]
            _withdraw(relayer.client, venue, a, report, say)
            _refusal(relayer.client, venue, vm, desks[1], report, say)

            say("6. next batches: the rest of the queue, the fills and the withdrawal")
            n, nw = pipeline.poll_store(relayer.repo)
            say(
                f"   batcher read {n} fill(s) with both signed orders and {nw} withdrawal(s) "
                "from the relayer's store"
            )
            first = True
            while pipeline.batcher.has_work:
                sb = pipeline.seal()
                if sb is None:
                    raise RuntimeError(f"work left but nothing sealable: {pipeline.batcher.held}")
                if first:
                    say("   (its first submission carries a tampered proof: see step 7)")
                _settle(pipeline, sb, report, say, tamper_first=first)
                first = False
                if pipeline.batcher.held is not None:
                    say(f"     held for a later batch: {pipeline.batcher.held}")
            _withdrawal_status(relayer.client, venue, a, report, say)
            report.relayer_agrees = all(
                _compare(relayer.client, venue, pipeline, d, say) for d in desks
            )
            shown = relayer.client.get("/v1/batches").json()
            say(
                "   GET /v1/batches: "
                + ", ".join(
                    f"#{b['batch_id']} {b['status']} block {b['block_number']}" for b in shown
                )
            )
            for refused in pipeline.batcher.refused:
                say(f"   refused by the model: {refused}")

        _claim(venue, a, report, say)
        _decrypt(venue, pipeline, a, report, say)
        _summary(venue, pipeline, desks, report, say)
    report.seconds = time.perf_counter() - started
    say(f"done in {report.seconds:.1f}s")
    return report


def _print_contracts(venue: VenueDeployment, say: Say) -> None:
    dep = venue.deployment
    say(f"   Settlement {dep.settlement.address}  batch verifier {dep.batch_verifier.address}")
    say(f"   TestToken {dep.token.address}  TestOracle {dep.oracle.address if dep.oracle else '-'}")
    say(
        f"   keys (one per power): admin {venue.admin}, relayer {venue.relayer} (submits "
        f"batches), oracle {venue.oracle_owner} (registers tables)"
    )


def _order(
    client: Any,
    venue: VenueDeployment,
    desk: Desk,
    series: int,
    side: str,
    price: int,
    qty: int,
    expiry: int,
    tif: str = "limit",
) -> Any:
    leg = signed_leg(
        desk.key,
        venue.config.domain,
        desk.account_id,
        desk.nonce(),
        series,
        side,
        price,
        qty,
        expiry,
    )
    return client.post("/v1/orders", json={"legs": [leg], "type": tif})


def _trade(
    client: Any,
    venue: VenueDeployment,
    vm: VenueMarket,
    desks: list[Desk],
    slots: int,
    report: DemoReport,
    say: Say,
) -> None:
    a, b = desks
    expiry = int(time.time()) + 3600
    marks = vm.table.marks()
    ticks = {s.id: s.price_tick for s in vm.series}
    option = next(s.id for s in vm.series if s.kind == "call")
    future = next(s.id for s in vm.series if s.kind == "future")

    def px(sid: int) -> int:
        return marks[sid] // ticks[sid] * ticks[sid]

    plan = [(a, option, "sell", 2, b), (b, future, "sell", 1, a)][: max(1, min(2, slots))]
    for maker, sid, side, qty, taker in plan:
        r = _order(client, venue, maker, sid, side, px(sid), qty, expiry)
        r.raise_for_status()
        say(
            f"   {maker.name} rests {side} {qty} x series {sid} @ {usd(px(sid))}: "
            f"{r.json()['orders'][0]['status']}"
        )
        other = "buy" if side == "sell" else "sell"
        r = _order(client, venue, taker, sid, other, px(sid), qty, expiry, "ioc")
        r.raise_for_status()
        fills = r.json()["fills"]
        say(
            f"   {taker.name} {other}s {qty} x series {sid} (IOC): {len(fills)} fill(s) at "
            f"{', '.join(usd(int(f['price'])) for f in fills)}"
        )


def _refusal(
    client: Any, venue: VenueDeployment, vm: VenueMarket, b: Desk, report: DemoReport, say: Say
) -> None:
    future = next(s for s in vm.series if s.kind == "future")
    price = vm.table.marks()[future.id] // future.price_tick * future.price_tick
    say(f"   {b.name} bids for 50 futures it cannot margin (see step 7)")
    r = _order(client, venue, b, future.id, "buy", price, 50, int(time.time()) + 3600)
    report.margin_refusal = {"status": r.status_code, **r.json().get("error", {})}
    e = report.margin_refusal
    say(f"   HTTP {r.status_code} {e.get('code')} [{e.get('field')}]: {e.get('reason')}")


def _withdraw(
    client: Any, venue: VenueDeployment, desk: Desk, report: DemoReport, say: Say
) -> None:
    """The desk signs a withdrawal to its own address and posts it; the relayer margin-checks
    and debits it, and the batcher will read it from the relayer's store."""
    nonce = desk.nonce()
    body = signed_withdrawal(
        desk.key, venue.config.domain, desk.account_id, nonce, WITHDRAW, desk.eth
    )
    r = client.post("/v1/withdrawals", json=body)
    r.raise_for_status()
    w = r.json()["withdrawal"]
    report.withdrawal_status.append(w["status"])
    say(
        f"   {desk.name} withdraws {usd(WITHDRAW)} to {desk.eth} (POST /v1/withdrawals, nonce "
        f"{nonce}): {w['status']}, debited at the relayer"
    )


def _withdrawal_status(
    client: Any, venue: VenueDeployment, desk: Desk, report: DemoReport, say: Say
) -> None:
    path = f"/v1/accounts/{desk.account_id}/withdrawals"
    headers = sign_request(desk.key, venue.config.domain, desk.account_id, "GET", path)
    r = client.get(path, headers=headers)
    r.raise_for_status()
    for w in r.json():
        report.withdrawal_status.append(w["status"])
        say(
            f"   {desk.name}: signed GET {path}: {usd(int(w['amount']))} {w['status']} "
            f"(batch {w['batch_id']})"
        )


def _compare(
    client: Any, venue: VenueDeployment, p: SettlementPipeline, desk: Desk, say: Say
) -> bool:
    """The relayer's ledger (a signed read) against the proven state: they agree exactly
    (the withdrawal was debited at the relayer when accepted, and proven in a batch)."""
    path = f"/v1/accounts/{desk.account_id}"
    headers = sign_request(desk.key, venue.config.domain, desk.account_id, "GET", path)
    view = client.get(path, headers=headers).json()
    acct = p.batcher.state.accounts[desk.account_id]
    mine = {s: q for s, q in acct.positions if s}
    theirs = {int(x["series_id"]): int(x["qty"]) for x in view["positions"]}
    same = int(view["collateral"]) == acct.collateral and mine == theirs
    im = view["initial_margin"]
    say(
        f"   {desk.name}: relayer's view (signed GET {path}) collateral "
        f"{usd(int(view['collateral']))}, initial margin {usd(int(im['requirement']))} "
        f"({'ok' if im['ok'] else 'FAILS'}); proven {usd(acct.collateral)}"
        f": {'agree' if same else 'DISAGREE'}"
    )
    return same


def _claim(venue: VenueDeployment, desk: Desk, report: DemoReport, say: Say) -> None:
    w3 = venue.settlement.w3
    due = venue.settlement.functions.claimable(desk.eth).call()
    before = venue.token.functions.balanceOf(desk.eth).call()
    receipt = _wait(w3, venue.settlement.functions.claim().transact({"from": desk.eth}))
    after = venue.token.functions.balanceOf(desk.eth).call()
    report.claimed = after - before
    say(
        f"   {desk.name} claim(): claimable {usd(due)}, wallet {usd(before)} -> {usd(after)} "
        f"(gas {receipt['gasUsed']:,})"
    )


def _decrypt(
    venue: VenueDeployment, p: SettlementPipeline, desk: Desk, report: DemoReport, say: Say
) -> None:
    last = next(
        b
        for b in reversed(p.batcher.sealed)
        if desk.account_id
        in {so.order.account_id for t in b.batch.trades for so in (t.buy, t.sell)}
        | {w.account_id for w in b.batch.withdrawals}
    )
    logs = venue.settlement.events.BatchSubmitted().get_logs(
        from_block=last.block_number, to_block=last.block_number
    )
    data = bytes(logs[0]["args"]["data"])
    leaf = decrypt_own(data, desk.key, desk.account_id, last.number, venue.config.positions)
    if leaf is not None:
        report.decrypted_collateral = leaf.collateral
        pos = ", ".join(f"{q:+d} x {s}" for s, q in leaf.positions if s) or "none"
        say(
            f"   {desk.name} decrypts its own leaf from batch {last.number}'s on-chain data: "
            f"collateral {usd(leaf.collateral)}, positions {pos}"
        )


def _summary(
    venue: VenueDeployment, p: SettlementPipeline, desks: list[Desk], report: DemoReport, say: Say
) -> None:
    say("7. refusals")
    e = report.margin_refusal
    say(f"   relayer: {e.get('status')} {e.get('code')} [{e.get('field')}]: {e.get('reason')}")
    say(
        f"   contract: tampered proof reverted on-chain with {report.tampered_error} "
        f"(gas {report.tampered_gas or 0:,}); the batch stayed queued, then landed"
    )
    say("summary")
    st = p.batcher.state
    for aid, acct in sorted(st.accounts.items()):
        name = "operator (fees)" if aid == 0 else next(d.name for d in desks if d.account_id == aid)
        pos = ", ".join(f"{q:+d} x {s}" for s, q in acct.positions if s) or "-"
        report.model_collateral[aid] = acct.collateral
        say(f"   account {aid} {name:16} collateral {usd(acct.collateral):>18}  positions {pos}")
    for d in desks:
        bal = venue.token.functions.balanceOf(d.eth).call()
        report.desk_token_balances[d.name] = bal
        say(f"   {d.name} wallet {usd(bal)}")
    held = venue.token.functions.balanceOf(venue.settlement.address).call()
    chain_root = venue.settlement.functions.stateRoot().call()
    say(
        f"   Settlement holds {usd(held)}; on-chain root {root(chain_root)} "
        f"== model root {root(st.root)}: {chain_root == st.root}"
    )
    say("   batch  ops(d/f/w)  witness  prove   gas")
    for b in report.batches:
        ops = f"{b.deposits}/{b.fills}/{b.withdrawals}"
        say(
            f"   {b.number:5}  {ops:10}  {b.witness_seconds:6.1f}s {b.prove_seconds:5.1f}s  "
            f"{b.gas_used:,}"
        )
