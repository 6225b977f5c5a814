"""Gather the demo's report from what a desk and an observer can read: the desks' signed fills
reads, ``GET /v1/batches`` with each batch's receipt, the stage timings sampled from
``/metrics``, each desk's leaf decrypted from chain data against the relayer's view, and the
calldata of every transaction sent to Settlement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from relayer.demo.chain import batch_numbers
from relayer.demo.desks import Desk, demo_key
from relayer.demo.leaks import calldata_to, count_leaks
from relayer.demo.report import BalanceLine, BatchLine, DemoReport, FillLine

if TYPE_CHECKING:
    from relayer.demo.flow import Story


def collect(story: Story, report: DemoReport) -> None:
    # the keepers' last batch may still be landing: wait for it, then read its timings
    story.until("every sealed batch to land", lambda: _all_landed(story))
    story.tick()
    report.fills = fill_lines(story)
    report.batches = batch_lines(story, report.fills)
    batch_of_tx = batch_numbers(story.svc.get("/v1/batches?limit=1000"))
    report.balances = [operator_line(story, batch_of_tx)]
    report.balances += [balance_line(story, d, batch_of_tx) for d in story.desks]
    calldata = calldata_to(story.chain.w3, story.chain.settlement.address)
    report.transactions_scanned = len(calldata)
    report.calldata_leaks = count_leaks(calldata, (o for d in story.desks for o in d.signed))
    last = max((b for b in report.batches if b.new_root), key=lambda b: b.number, default=None)
    chain_root = story.chain.settlement.functions.stateRoot().call()
    report.chain_root_is_last_batch = last is not None and int(last.new_root, 16) == chain_root
    report.fees_accrued = story.chain.settlement.functions.feesAccrued().call()
    report.prove_seconds_per_batch = story.times.per_batch("prove")
    report.witness_seconds_per_batch = story.times.per_batch("witness")


def _all_landed(story: Story) -> bool:
    batches = story.svc.get("/v1/batches?limit=1000")
    return bool(batches) and all(b["status"] == "confirmed" for b in batches)


def fill_lines(story: Story) -> list[FillLine]:
    """Every fill once, its buyer and seller from the two owners' reads."""
    by_id: dict[int, FillLine] = {}
    for d in story.desks:
        for f in d.fills(story.http):
            line = by_id.setdefault(
                f["fill_id"],
                FillLine(
                    f["fill_id"],
                    int(f["series_id"]),
                    int(f["qty"]),
                    int(f["price"]),
                    "?",
                    "?",
                    f["batch_id"],
                    f["settlement"],
                ),
            )
            if f["side"] == "buy":
                line.buyer = d.name
            else:
                line.seller = d.name
    return [by_id[k] for k in sorted(by_id)]


def batch_lines(story: Story, fills: list[FillLine]) -> list[BatchLine]:
    out = []
    for b in reversed(story.svc.get("/v1/batches?limit=1000")):  # oldest first
        n = b["batch_id"]
        out.append(
            BatchLine(
                n,
                b["status"],
                sum(1 for f in fills if f.batch_id == n),
                story.chain.gas_used(b["tx_hash"]) if b["tx_hash"] else None,
                story.times.seconds["witness"].get(n),
                story.times.seconds["prove"].get(n),
                b["block_number"],
                b["new_root"],
                b["tx_hash"],
            )
        )
    return out


def operator_line(story: Story, batch_of_tx: dict[str, int]) -> BalanceLine:
    """Account 0 (settlement float, liquidations): its proven leaf against the relayer's view.
    Fees are nobody's collateral: they leave the tree with each batch (``feesAccrued``)."""
    operator = Desk("operator", demo_key("operator"), "", story.desks[0].domain, account_id=0)
    return balance_line(story, operator, batch_of_tx)


def balance_line(story: Story, desk: Desk, batch_of_tx: dict[str, int]) -> BalanceLine:
    view = desk.account(story.http) or {"collateral": "0", "positions": []}
    positions = story.venue["circuit"]["positions"]
    proven = story.chain.proven_leaf(desk, positions, batch_of_tx)
    return BalanceLine(
        desk.name,
        desk.account_id,
        int(view["collateral"]),
        {int(p["series_id"]): int(p["qty"]) for p in view["positions"]},
        proven[0] if proven else None,
        proven[1].collateral if proven else None,
        {s: q for s, q in proven[1].positions if s} if proven else {},
    )
