"""What a restart rebuilds from the database, without a chain: every sealed batch is stored with
all it needs (relayer.settlement.batch_store), and replaying the stored batches from genesis
(relayer.settlement.resume.replay) gives the same sealed state, batch numbers, cursors and
public inputs; the queue read again is not sealed twice; the lifecycle and a forgotten batch's
fills and withdrawals are recorded as they go."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from prover.crypto.eddsa import Signature
from prover.model.ops import Batch, Liquidation, Settlement, Touch, Withdrawal
from relayer.settlement import batch_store
from relayer.settlement.batch_codec import batch_from_json, batch_to_json
from relayer.settlement.batcher import Batcher
from relayer.settlement.errors import SettlementError
from relayer.settlement.resume import replay
from relayer.storage import resealed
from relayer.storage.repository import Repository
from relayer.storage.tables import batch_contents, batches
from testkit.settlement import DESK_A, DESK_B, FUNDS, NOW, OPERATOR, fill, funded, order, queue


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    r = Repository(f"sqlite:///{tmp_path / 'relayer.db'}")
    yield r
    r.close()


def _trade_batcher() -> tuple[Batcher, object]:
    """``funded()`` (three deposit batches) plus one sealed fill between desks A and B."""
    b, vm = funded()
    cfg = b.config
    call, price = vm.table.rows[0].series_id, vm.table.rows[0].mark
    b.add_fill(
        fill(
            1,
            order(DESK_A, cfg, 1, 1, call, 0, price, 1),
            order(DESK_B, cfg, 2, 1, call, 1, price, 1),
            price,
            1,
        )
    )
    assert b.seal(b.last_timestamp + 5) is not None
    return b, vm


def test_batch_json_round_trip_keeps_every_operation() -> None:
    b, _ = _trade_batcher()
    for sb in b.sealed:
        assert batch_from_json(batch_to_json(sb.batch)) == sb.batch
    sig = Signature(1, 2, 3)
    keepers = Batch(
        NOW,
        b.market,
        withdrawals=(Withdrawal(1, 7, 10, 0xAB, sig),),
        liquidations=(Liquidation(2, 1, (None, 1)),),
        settlements=(Settlement(1, 103),),
        touches=(Touch(3), Touch(5)),
    )
    assert batch_from_json(batch_to_json(keepers)) == keepers
    assert any(sb.batch.touches for sb in b.sealed)  # cover touches kept too (random: stored)


def test_stored_batches_replay_to_the_same_sealed_state(repo: Repository) -> None:
    b, _ = _trade_batcher()
    for sb in b.sealed:
        batch_store.record_sealed(repo, sb, [], [])
    b.sealed[0].status, b.sealed[0].proof, b.sealed[0].tx_hash = "confirmed", [1] * 8, "0x01"
    batch_store.record(repo, b.sealed[0])
    b.sealed[-1].status, b.sealed[-1].proof = "proved", list(range(8))
    batch_store.record(repo, b.sealed[-1])

    stored = batch_store.load(repo)
    assert [s.number for s in stored] == [1, 2, 3, 4]
    assert [s.status for s in stored] == ["confirmed", "sealed", "sealed", "proved"]
    assert stored[-1].proof == list(range(8)) and stored[-1].fill_ids == [1]

    fresh = Batcher(b.config, b.market, OPERATOR)
    r = replay(fresh, stored)
    assert r.state.root == b.state.root and r.state.deposits_processed == 3
    assert [s.number for s in r.sealed] == [1, 2, 3, 4]
    assert [s.public for s in r.sealed] == [s.public for s in b.sealed]
    assert [s.data for s in r.sealed] == [s.data for s in b.sealed]
    assert r.last_timestamp == b.last_timestamp and r.last_fill_id == 1
    assert r.ids.get(DESK_B.public_key()) == 2
    assert [s.number for s in r.unconfirmed()] == [2, 3, 4]
    assert r.unconfirmed()[-1].inputs == b.sealed[-1].inputs  # ready to prove again
    assert r.sealed[0].inputs == {}  # landed: its witness is not kept

    # the queue read again from the start: the consumed entries are skipped, a new one queued
    entries = queue([OPERATOR, DESK_A, DESK_B, DESK_A], [1_000, FUNDS, FUNDS, 5_000])
    for d in entries:
        r.add_deposit(d)
    assert [d.queue_index for d in r.deposits] == [3]
    nxt = r.seal(r.last_timestamp + 1)
    assert nxt is not None and nxt.number == 5 and nxt.old_root == b.state.root


def test_a_gap_or_a_batch_that_does_not_replay_is_refused(repo: Repository) -> None:
    b, _ = _trade_batcher()
    fresh = Batcher(b.config, b.market, OPERATOR)
    for sb in b.sealed:
        batch_store.record_sealed(repo, sb, [], [])
    stored = batch_store.load(repo)
    with pytest.raises(SettlementError, match="skip from 1 to 3"):
        replay(fresh, [stored[0], *stored[2:]])
    with pytest.raises(SettlementError, match="does not replay"):
        replay(fresh, [stored[0], replace(stored[1], public=[0])])
    # the blob is rebuilt on replay: a stored batch whose cover touches differ is refused
    third = stored[2]
    assert third.batch.touches  # desk A was touched when desk B's deposit was credited
    other = replace(third, batch=replace(third.batch, touches=()))
    with pytest.raises(SettlementError, match="does not replay"):
        replay(fresh, [*stored[:2], other])
    forged = bytearray(third.data)
    forged[-1] ^= 1  # the same public inputs, a stored blob that is not the model's
    with pytest.raises(SettlementError, match="does not replay"):
        replay(fresh, [*stored[:2], replace(third, data=bytes(forged))])


def test_unseal_forgets_the_batches_and_requeues_their_operations(repo: Repository) -> None:
    b, _ = _trade_batcher()
    for sb in b.sealed:
        batch_store.record_sealed(repo, sb, [], [])
    assert resealed.load_time_floor(repo) == 0  # nothing forgotten yet
    batch_store.unseal_from(repo, 3)
    assert [s.number for s in batch_store.load(repo)] == [1, 2]
    # what is sealed in their place is stamped after them: their blobs' pads are never reused
    latest = b.sealed[-1].batch.timestamp
    assert resealed.load_time_floor(repo) == latest > b.sealed[1].batch.timestamp
    with repo.engine.connect() as conn:
        assert {r.batch_id for r in conn.execute(batches.select())} == {1, 2}
        assert {r.batch_id for r in conn.execute(batch_contents.select())} == {1, 2}
    batch_store.unseal_from(repo, 2)  # an earlier one forgotten later keeps the floor
    assert resealed.load_time_floor(repo) == latest
