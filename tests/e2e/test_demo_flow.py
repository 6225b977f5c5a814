"""`darkbook demo` end to end on the `test` configuration: real anvil, the real batch verifier
(INSECURE dev keys, cached), real arkworks proofs checked by snarkjs, the relayer's HTTP API.

About 30 s with the circuit cached; a fresh cache adds its compile (about a minute).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from relayer.demo.flow import DESK_DEPOSIT, WITHDRAW, run_demo

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_demo_flow_on_the_test_configuration(tmp_path: Path) -> None:
    lines: list[str] = []
    report = run_demo("test", say=lines.append, workdir=tmp_path)
    text = "\n".join(lines)

    assert report.batches, text
    for b in report.batches:
        assert b.snarkjs_ok and b.chain_root == b.new_root and b.gas_used > 0
    for prev, nxt in zip(report.batches, report.batches[1:], strict=False):
        assert nxt.old_root == prev.new_root
    assert sum(b.deposits for b in report.batches) == 2  # desk A, desk B (account 0: genesis)
    assert sum(b.fills for b in report.batches) >= 1
    assert sum(b.withdrawals for b in report.batches) == 1
    assert report.withdrawal_status == ["queued", "claimable"]  # read back over the API

    assert report.margin_refusal["status"] == 422
    assert report.margin_refusal["code"] == "insufficient_margin"
    assert report.tampered_error == "InvalidProof()"

    # the withdrawal was paid on-chain, and no collateral was created or destroyed
    assert report.claimed == WITHDRAW == report.desk_token_balances["desk A"]
    # account 0 is the operator's from genesis (no deposit opens it): it holds only the fees
    assert sum(report.model_collateral.values()) + WITHDRAW == 2 * DESK_DEPOSIT
    assert 0 in report.model_collateral
    assert report.decrypted_collateral == report.model_collateral[1]
    assert report.relayer_agrees  # the relayer's ledger is the proven state
    assert "INSECURE" in text


def test_demo_command_takes_a_configuration() -> None:
    from relayer.cli import build_parser

    assert build_parser().parse_args(["demo"]).config == "demo"
    assert build_parser().parse_args(["demo", "--config", "test"]).config == "test"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--config", "nope"])
