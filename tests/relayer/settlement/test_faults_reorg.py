"""Reorgs: a batch whose block the chain dropped after it looked settled is found and sent
again with the same contents, nothing downstream shows a state the chain no longer has until
the batch is final again (``settlement_confirmations``), and a deposit dropped before
``deposit_confirmations`` is never credited.

The reorg is anvil's ``evm_snapshot``/``evm_revert``: the blocks after the snapshot, and their
transactions, are gone. Real anvil, real proofs (`test` circuit), the service's loop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.build.anvil import local_chain
from relayer.settlement.loop import SettlementLoop
from relayer.storage.repository import Repository
from testkit.fault_venue import FaultVenue, rpc, tmp_repo
from testkit.settlement import DESK_A, DESK_B, key

pytestmark = pytest.mark.slow

WITHDRAW = 1_000_000


@pytest.fixture(scope="module")
def fv() -> Iterator[FaultVenue]:
    with local_chain() as c:
        fv = FaultVenue.make(c)
        fv.deposit(c.accounts[1], DESK_A)
        yield fv


@pytest.fixture
def fresh(fv: FaultVenue) -> Iterator[FaultVenue]:
    snap = rpc(fv.chain.w3, "evm_snapshot")
    yield fv
    rpc(fv.chain.w3, "evm_revert", snap)


def _mine(fv: FaultVenue, blocks: int) -> None:
    for _ in range(blocks):
        rpc(fv.chain.w3, "evm_mine")


def _passes(loop: SettlementLoop, n: int = 1) -> None:
    for _ in range(n):
        assert loop.pass_once(), loop.last_error


def _withdrawal_status(repo: Repository, h: int) -> str:
    row = repo.withdrawal(h)
    assert row is not None
    return str(row["status"])


def test_a_batch_dropped_before_it_was_final_is_sent_again(
    fresh: FaultVenue, tmp_path: Path
) -> None:
    w3, eth = fresh.chain.w3, fresh.chain.accounts[1]
    repo = tmp_repo(tmp_path)
    loop = fresh.loop(repo)
    loop.pipeline.submitter.confirmations = 3
    _passes(loop)  # batch 1: desk A's deposit, mined, not final
    (b1,) = loop.batcher.sealed
    assert b1.status == "submitted" and b1.block_number is not None
    _mine(fresh, 2)
    _passes(loop)
    assert b1.status == "confirmed"  # 3 deep: final

    h = fresh.withdrawal_row(repo, DESK_A, 1, WITHDRAW, eth, seq=1)
    snap = rpc(w3, "evm_snapshot")
    _passes(loop)  # batch 2 (the withdrawal) mined in the block the reorg will drop
    b2 = loop.batcher.sealed[1]
    dropped_tx = b2.tx_hash
    assert b2.status == "submitted" and fresh.count() == 2
    assert _withdrawal_status(repo, h) == "in_batch"  # not claimable before final
    _mine(fresh, 1)
    _passes(loop)
    assert b2.status == "submitted" and _withdrawal_status(repo, h) == "in_batch"

    rpc(w3, "evm_revert", snap)  # the chain forgets batch 2
    assert fresh.count() == 1
    _passes(loop)  # found missing and sent again, with the same contents
    assert fresh.count() == 2 and b2.status == "submitted"
    assert _withdrawal_status(repo, h) == "in_batch"
    _mine(fresh, 2)
    _passes(loop)
    assert b2.status == "confirmed" and _withdrawal_status(repo, h) == "claimable"
    assert dropped_tx is not None
    fresh.settled_once(2)  # one BatchSubmitted each, on the chain as it is now
    event = fresh.batch_events()[1]
    assert bytes(event["args"]["data"]) == b2.data and event["args"]["newRoot"] == b2.new_root
    assert fresh.venue.settlement.functions.stateRoot().call() == loop.batcher.state.root
    assert fresh.venue.settlement.functions.claimable(eth).call() == WITHDRAW


def test_a_final_batch_dropped_by_a_deeper_reorg_is_sent_again(
    fresh: FaultVenue, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    w3 = fresh.chain.w3
    repo = tmp_repo(tmp_path)
    loop = fresh.loop(repo)  # settlement_confirmations 1: final once mined
    snap = rpc(w3, "evm_snapshot")
    _passes(loop)
    (b1,) = loop.batcher.sealed
    assert b1.status == "confirmed" and loop.confirmed == 1
    rpc(w3, "evm_revert", snap)
    _mine(fresh, 2)  # the chain that replaced it is longer, as a reorg's is
    _passes(loop)  # demoted (logged as an error) and sent again in the same pass
    assert any("deeper than settlement_confirmations" in r.getMessage() for r in caplog.records)
    assert b1.status == "confirmed" and loop.confirmed == 2
    fresh.settled_once(1)
    assert fresh.venue.settlement.functions.stateRoot().call() == loop.batcher.state.root


def test_a_deposit_dropped_before_its_confirmations_is_never_credited(
    fresh: FaultVenue, tmp_path: Path
) -> None:
    w3, chain = fresh.chain.w3, fresh.chain
    credited: list[tuple[int, int]] = []
    loop = fresh.loop(tmp_repo(tmp_path), confirmations=3)

    def credit(ax: int, ay: int, amount: int, index: int, operator: bool) -> int:
        credited.append((index, amount))
        aid = loop.batcher.ids.get((ax, ay))
        assert aid is not None  # the batcher took the entry before it is credited
        return aid

    loop.credit = credit
    _mine(fresh, 2)
    _passes(loop)  # desk A's deposit (made at setup), 3 deep now: batch 1
    assert credited == [(0, 10**9)]
    snap = rpc(w3, "evm_snapshot")
    dropped = key("desk C")
    fresh.deposit(chain.accounts[3], dropped, 7 * 10**8)  # mined, then 1 block more: 2 deep
    _mine(fresh, 1)
    _passes(loop)
    assert credited == [(0, 10**9)] and loop.batcher.ids.get(dropped.public_key()) is None
    rpc(w3, "evm_revert", snap)  # the deposit is gone
    fresh.deposit(chain.accounts[2], DESK_B, 5 * 10**8)  # queue entry 1 is desk B's now
    _passes(loop)
    assert len(credited) == 1  # not deep enough yet
    _mine(fresh, 2)
    _passes(loop, 2)
    assert credited == [(0, 10**9), (1, 5 * 10**8)]
    assert loop.batcher.ids.get(dropped.public_key()) is None
    assert [b.status for b in loop.batcher.sealed] == ["confirmed", "confirmed"]
    fresh.settled_once(2)
    assert fresh.venue.settlement.functions.stateRoot().call() == loop.batcher.state.root
