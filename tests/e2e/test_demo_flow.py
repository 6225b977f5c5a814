"""`darkbook demo` end to end on the `test` configuration, through the service: `darkbook relayer
run` in its own process (its own anvil, real batch verifier with INSECURE dev keys, real
arkworks proofs), driven over HTTP and the chain only; the report and its JSON line checked.

About 45 s with the circuit cached; a fresh cache adds its compile (about a minute).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relayer.demo.flow import DESK_DEPOSIT, DESKS, INSURANCE, WITHDRAW, run_demo

pytestmark = [pytest.mark.long, pytest.mark.slow, pytest.mark.timeout(900)]
LIFECYCLE = ["queued", "in_batch", "claimable", "claimed"]


def test_demo_through_the_service_on_the_test_configuration(tmp_path: Path) -> None:
    lines: list[str] = []
    report = run_demo("test", say=lines.append, workdir=tmp_path)
    text = "\n".join(lines)
    summary = json.loads(lines[-1])  # the report ends with one JSON line
    assert summary == report.summary(), text

    # every batch the service sealed landed, in order, with its proof timed and its gas paid
    assert [b.number for b in report.batches] == list(range(1, len(report.batches) + 1))
    assert all(b.status == "confirmed" and b.gas and b.prove_seconds for b in report.batches)
    assert report.chain_root_is_last_batch
    assert summary["batches"] == len(report.batches)

    # plain fills, the two legs of the spread and the hedge were all proven
    assert len(report.fills) >= 5 and all(f.settlement == "confirmed" for f in report.fills)
    assert sum(b.fills for b in report.batches) == summary["fills"] == len(report.fills)
    assert summary["gas_per_fill"] == sum(b.gas or 0 for b in report.batches) // summary["fills"]
    assert summary["prove_seconds_per_batch"] > 0

    # the withdrawal went through the API and was paid on-chain
    (w,) = report.withdrawals
    seen = iter(LIFECYCLE)
    assert w.statuses[0] == "queued" and w.statuses[-2:] == ["claimable", "claimed"]
    assert all(s in seen for s in w.statuses)  # in lifecycle order
    assert w.claimed == WITHDRAW and summary["withdrawals"] == 1

    # each leaf decrypted from chain data, account 0 included, is the relayer's view
    assert {b.desk for b in report.balances} == {"operator", *DESKS}
    assert all(b.agree for b in report.balances), text
    assert summary["balances_agree"]
    # no collateral created or destroyed: the proven leaves, the claim and the fees the batches
    # carried out of the tree (feesAccrued) are the deposits
    proven = sum(b.proven_collateral or 0 for b in report.balances)
    assert report.fees_accrued > 0 and summary["fees_accrued"] == report.fees_accrued
    assert proven + w.claimed + report.fees_accrued == len(DESKS) * DESK_DEPOSIT + INSURANCE

    assert report.refusal["status"] == 422 and report.refusal["code"] == "insufficient_margin"
    assert summary["calldata_leaks"] == 0 and summary["transactions_scanned"] > summary["batches"]
    for k in report.keepers:  # done, or skipped with the reason
        assert (k.skipped is None) == (k.count > 0), k
    counted = summary["liquidations"] + summary["expiries"] + summary["triggers_fired"]
    assert counted + summary["hedges"] == sum(k.count for k in report.keepers)
    # desk B's mandate, armed before the shock, hedges with the future after it, proven
    hedge = next(k for k in report.keepers if k.name == "hedge")
    assert hedge.skipped is None and summary["hedges"] >= 1, text
    # the stop armed before the price shock fires on the shocked table and its fill is proven
    stop = next(k for k in report.keepers if k.name == "trigger")
    assert stop.skipped is None and summary["triggers_fired"] == 1, text
    # the demo's series are short-dated: one expires and the keeper settles every position
    expiry = next(k for k in report.keepers if k.name == "expiry")
    assert expiry.skipped is None and summary["expiries"] == expiry.count > 0, text
    assert "INSECURE" in text


def test_demo_command_takes_a_configuration() -> None:
    from relayer.cli import build_parser

    assert build_parser().parse_args(["demo"]).config == "demo"
    assert build_parser().parse_args(["demo", "--config", "test"]).config == "test"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--config", "nope"])
