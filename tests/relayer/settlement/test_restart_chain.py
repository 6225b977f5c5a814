"""Resume against what the chain holds (relayer.settlement.resume), in-process on anvil with real
proofs (`test` circuit): a batch the chain lost (anvil restarted from an older state) is sent
again; a batch that can never land (stamped longer ago than `maxBatchDelay`) is sealed again
under the same number; a batch an earlier run sent is found on chain, not sent twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.build.anvil import LocalChain, local_chain
from relayer.chain.deposit import mint_and_deposit
from relayer.settlement import batch_store, resume
from relayer.settlement.deployment import VenueDeployment
from relayer.settlement.errors import SubmissionReverted
from relayer.settlement.pipeline import SettlementPipeline
from relayer.storage.repository import Repository
from testkit.settlement import DESK_A, DESK_B, OPERATOR, venue_with_table

pytestmark = pytest.mark.slow


@pytest.fixture
def chain() -> Iterator[LocalChain]:
    with local_chain() as c:
        yield c


def _venue(chain: LocalChain) -> tuple[VenueDeployment, object]:
    w3 = chain.w3
    venue, vm = venue_with_table(w3)
    for eth, k in ((chain.accounts[1], DESK_A), (chain.accounts[2], DESK_B)):
        mint_and_deposit(venue.token, venue.settlement, eth, 10**9, k.public_key())
    return venue, vm


def _pipeline(venue: VenueDeployment, vm, repo: Repository) -> SettlementPipeline:
    """A pipeline as a restarted service builds it: resumed from ``repo``."""
    p = SettlementPipeline(venue, vm.table, OPERATOR)
    p.store = repo
    resume.resume(p, 0)
    p.poll_deposits()
    return p


def _count(venue: VenueDeployment) -> int:
    return int(venue.settlement.functions.state().call()[4])


def test_a_batch_the_chain_lost_is_sent_again(chain: LocalChain, tmp_path: Path) -> None:
    venue, vm = _venue(chain)
    repo = Repository(f"sqlite:///{tmp_path / 'relayer.db'}")
    p = _pipeline(venue, vm, repo)
    first = p.seal()
    p.prove(first)
    p.submit(first)
    snapshot = chain.w3.provider.make_request("evm_snapshot", [])["result"]
    second = p.seal()
    p.prove(second)
    p.submit(second)
    assert [s.status for s in batch_store.load(repo)] == ["confirmed", "confirmed"]
    chain.w3.provider.make_request("evm_revert", [snapshot])  # the chain forgets batch 2
    assert _count(venue) == 1

    again = _pipeline(venue, vm, repo)
    lost = again.batcher.unconfirmed()
    assert [(s.number, s.status) for s in lost] == [(2, "proved")]
    assert again.submit(lost[0]).new_root == second.new_root
    assert _count(venue) == 2 and batch_store.load(repo)[-1].status == "confirmed"


def test_a_batch_too_old_to_land_is_sealed_again_under_its_number(
    chain: LocalChain, tmp_path: Path
) -> None:
    venue, vm = _venue(chain)
    repo = Repository(f"sqlite:///{tmp_path / 'relayer.db'}")
    p = _pipeline(venue, vm, repo)
    old = p.seal()
    p.prove(old)
    delay = int(venue.settlement.functions.maxBatchDelay().call())
    chain.w3.provider.make_request("evm_increaseTime", [delay + 10])
    chain.w3.provider.make_request("evm_mine", [])
    with pytest.raises(SubmissionReverted, match="BatchTooOld"):
        p.submit(old)
    assert not p.batcher.sealed and batch_store.load(repo) == []  # forgotten: sealed again

    p.poll_deposits()
    fresh = p.seal()
    assert fresh is not None and fresh.number == 1 and fresh.timestamp > old.timestamp
    assert fresh.batch.deposits == old.batch.deposits  # the same queue entry
    p.prove(fresh)
    assert p.submit(fresh).new_root == fresh.new_root == old.new_root
    assert _count(venue) == 1


def test_a_batch_sent_by_a_crashed_run_is_found_not_sent_again(
    chain: LocalChain, tmp_path: Path
) -> None:
    venue, vm = _venue(chain)
    repo = Repository(f"sqlite:///{tmp_path / 'relayer.db'}")
    p = _pipeline(venue, vm, repo)
    sb = p.seal()
    p.prove(sb)
    p.submitter.submit(sb)  # lands, but the store never hears of it (a crash after sending)
    assert batch_store.load(repo)[0].status == "proved"

    again = _pipeline(venue, vm, repo)  # resume finds it on chain
    (stored,) = batch_store.load(repo)
    assert stored.status == "confirmed" and stored.tx_hash == sb.tx_hash
    assert not again.batcher.unconfirmed() and _count(venue) == 1
