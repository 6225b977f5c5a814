"""A deposit the batch will refund is never credited by the relayer, and the loop goes on.

Real anvil, the `test` batch verifier, real proofs, the relayer's Venue in-process: a key on the
curve but outside the prime-order subgroup (the contract accepts it, the circuit refunds it,
issue 18 rule 7) gets no account at the relayer nor in the batch, the next desk gets account 1
in both, every loop pass succeeds, and the depositor is paid back on-chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.build.anvil import local_chain
from prover.crypto import babyjub
from prover.statement.deposits import torsion_points
from relayer.chain.deposit import mint_and_deposit
from relayer.intake.service import Venue
from relayer.settings import load_settings
from relayer.settlement.deployment import deploy_venue
from relayer.settlement.loop import SettlementLoop
from relayer.storage.repository import Repository
from testkit.settlement import DESK_A, DESK_B, OPERATOR, series_file

pytestmark = pytest.mark.slow


def test_a_refunded_deposit_is_never_credited_and_jams_nothing(tmp_path: Path) -> None:
    with local_chain() as chain:
        w3, eth = chain.w3, chain.accounts
        dep = deploy_venue(w3, "test", operator=OPERATOR)
        settings = load_settings(
            data_dir=tmp_path,
            circuit="test",
            series_file=series_file(tmp_path / "series.json", 2_000_000_000),
            chain_id=dep.config.chain_id,
            settlement_address=dep.settlement.address,
        )
        venue = Venue(settings)
        store = Repository(settings.db_url())
        try:
            venue.open_operator_account(OPERATOR.public_key())
            cfg, now = dep.config, int(w3.eth.get_block("latest")["timestamp"])
            table = venue.snapshot.table
            tx = dep.oracle.functions.publish(table.hash(cfg.series, cfg.scenarios), now)
            assert w3.eth.wait_for_transaction_receipt(tx.transact({"from": dep.oracle_owner}))
            loop = SettlementLoop(
                dep,
                table,
                OPERATOR,
                store,
                venue.credit_chain_deposit,
                lambda: venue.last_queue_index,
                batch_seconds=0,
            )
            mixed = babyjub.add(DESK_B.public_key(), torsion_points()[3])
            mint_and_deposit(dep.token, dep.settlement, eth[1], 4_000, mixed)
            mint_and_deposit(dep.token, dep.settlement, eth[2], 9_000, DESK_A.public_key())
            s = dep.settlement.functions
            for _ in range(8):
                assert loop.pass_once(), loop.last_error
                if s.state().call()[0] == 2 and not loop.batcher.unconfirmed():
                    break
            assert s.state().call()[0] == 2  # both queue entries consumed
            assert int(venue.account(1).collateral) == 9_000
            assert venue.last_queue_index == 1  # the refunded entry 0 was skipped, not credited
            assert loop.batcher.ids.get(mixed) is None
            assert loop.batcher.state.get(1).collateral == 9_000
            assert s.stateRoot().call() == loop.batcher.state.root
            before = dep.token.functions.balanceOf(eth[1]).call()
            w3.eth.wait_for_transaction_receipt(s.claim().transact({"from": eth[1]}))
            assert dep.token.functions.balanceOf(eth[1]).call() == before + 4_000
        finally:
            store.close()
            venue.close()
