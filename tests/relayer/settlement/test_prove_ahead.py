"""Proving ahead: batches start proving on the prover pool the moment they are sealed (the
witness of one overlaps the proof of the one before), ``prove`` takes the proof made in the
background, and each batch's stage timings are logged once it is confirmed. The settlement
loop does not wait for a proof under way: it seals the next batch meanwhile, up to what the
pool can take, and lands them in order.

Real anvil, the real `test` batch verifier, a real one-worker process pool, real proofs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from prover.build.anvil import LocalChain, local_chain
from prover.proving.pool import open_pool
from relayer.chain.deposit import mint_and_deposit
from relayer.settings import Settings
from relayer.settlement.loop import SettlementLoop
from relayer.settlement.pipeline import SettlementPipeline
from relayer.storage.repository import Repository
from testkit.settlement import DESK_A, DESK_B, OPERATOR, venue_with_table

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chain() -> Iterator[LocalChain]:
    with local_chain() as c:
        yield c


def test_sealed_batches_prove_in_the_background_and_land_in_order(
    chain: LocalChain, caplog: pytest.LogCaptureFixture
) -> None:
    w3 = chain.w3
    venue, vm = venue_with_table(w3)
    p = SettlementPipeline(venue, vm.table, OPERATOR)
    p.prove_ahead = True
    for eth, k, amount in ((venue.admin, OPERATOR, 1_000), (chain.accounts[1], DESK_A, 10**9)):
        mint_and_deposit(venue.token, venue.settlement, eth, amount, k.public_key())
    p.poll_deposits()

    no_pool = p.seal()  # no pool yet: nothing starts in the background (it would hold us)
    assert no_pool is not None and p.ahead() == [] and p.proof_ready(no_pool)
    venue.prover.pool = open_pool(venue.prover.keys, "local", workers=1)
    try:
        first, second = p.seal(allow_empty=True), p.seal(allow_empty=True)
        assert first is not None and second is not None
        assert p.ahead() == [first.number, second.number]  # both under way before prove
        caplog.set_level(logging.INFO, logger="darkbook.settlement")
        for sb in (no_pool, first, second):
            p.prove(sb)
            assert p.submit(sb) and sb.status == "confirmed"
        assert p.ahead() == []
    finally:
        p.close()
        venue.prover.close()
    assert venue.settlement.functions.stateRoot().call() == second.new_root
    stages = [r.getMessage() for r in caplog.records if "stages:" in r.getMessage()]
    assert len(stages) == 3
    for stage in ("seal", "witness", "prove", "submit", "confirm"):
        assert f"{stage} " in stages[-1]


def test_the_loop_seals_the_next_batch_while_one_proves(chain: LocalChain, tmp_path: Path) -> None:
    w3 = chain.w3
    venue, vm = venue_with_table(w3)
    store = Repository(f"sqlite:///{tmp_path / 'relayer.db'}")
    loop = SettlementLoop(venue, vm.table, OPERATOR, store, batch_seconds=0)
    loop.pipeline.prove_ahead = True
    venue.prover.pool = open_pool(venue.prover.keys, "local", workers=1)
    desks = ((venue.admin, OPERATOR), (chain.accounts[1], DESK_A), (chain.accounts[2], DESK_B))
    for eth, k in desks:  # `test` has one deposit slot: each deposit fills a batch
        mint_and_deposit(venue.token, venue.settlement, eth, 10**6, k.public_key())
    try:
        assert loop.pass_once(), loop.last_error  # batch 0 sealed; its proof starts, no wait
        (first,) = loop.batcher.unconfirmed()
        assert first.proof is None and loop.pipeline.ahead() == [first.number]
        assert loop.pass_once(), (
            loop.last_error
        )  # the first still proves (its worker loads the key)
        assert [sb.number for sb in loop.batcher.unconfirmed()] == [first.number, first.number + 1]
        assert all(sb.proof is None for sb in loop.batcher.unconfirmed())
        assert loop.pass_once(), loop.last_error  # one worker, two batches: the third waits
        assert len(loop.batcher.sealed) == 2 and len(loop.batcher.deposits) == 1
        deadline = time.monotonic() + 240
        while len(loop.batcher.sealed) < 3 or loop.batcher.unconfirmed():
            assert time.monotonic() < deadline, "the three batches never landed"
            assert loop.pass_once(), loop.last_error
            time.sleep(0.2)
    finally:
        loop.pipeline.close()
        venue.prover.close()
        store.close()
    settlement = venue.settlement.functions
    assert settlement.state().call()[4] == 3
    assert settlement.stateRoot().call() == loop.batcher.state.root


@pytest.mark.parametrize("cluster", ["ray:/host:1", "ray://host", "process", "ray:auto:1"])
def test_a_prover_cluster_setting_of_no_known_form_is_refused(cluster: str) -> None:
    with pytest.raises(ValidationError, match="prover_cluster"):
        Settings(prover_cluster=cluster)
    assert Settings(prover_cluster="ray://10.0.0.5:10001").prover_cluster.startswith("ray://")


def test_the_next_timestamp_waits_by_the_chains_clock(chain: LocalChain) -> None:
    """A local chain whose time was moved hours ahead (the demo's expiry) gets its next batch
    time within seconds, not after those hours of this machine's clock."""
    w3 = chain.w3
    venue, vm = venue_with_table(w3)
    p = SettlementPipeline(venue, vm.table, OPERATOR)
    ahead = int(w3.eth.get_block("latest")["timestamp"]) + 3 * 3600
    w3.provider.make_request("evm_setNextBlockTimestamp", [ahead])
    w3.provider.make_request("evm_mine", [])
    p.batcher.last_timestamp = ahead  # a batch sealed at the chain's newest time
    started = time.monotonic()
    assert p.next_timestamp() > ahead
    assert time.monotonic() - started < 30
