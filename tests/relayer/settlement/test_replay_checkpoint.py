"""Replay checkpoints: a restart replays only the stored batches after the newest usable
checkpoint (the model's state after a sealed batch, relayer.storage.checkpoint) and reaches
exactly the state, cursors and sealed batches a full replay from genesis reaches. A checkpoint
that does not rebuild its batch's root, or that lies after a batch not yet confirmed (whose
circuit inputs only a replay gives), is not used; batches sealed again drop theirs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relayer.settlement import batch_store
from relayer.settlement.batcher import Batcher
from relayer.settlement.resume import replay, usable_checkpoint
from relayer.storage import checkpoint
from relayer.storage.repository import Repository
from testkit.settlement import DESK_A, DESK_B, OPERATOR, fill, funded, order


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    r = Repository(f"sqlite:///{tmp_path / 'relayer.db'}")
    yield r
    r.close()


def _stored_with_checkpoint(repo: Repository) -> Batcher:
    """Three deposit batches (a checkpoint after the third), then a fill's batch; batches 1-3
    confirmed, 4 proved."""
    b, vm = funded()
    checkpoint.save(repo, 3, b.state)
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
    for sb in b.sealed:
        batch_store.record_sealed(repo, sb, [], [])
    for sb in b.sealed[:3]:
        sb.status, sb.proof, sb.tx_hash = "confirmed", [1] * 8, "0x01"
        batch_store.record(repo, sb)
    b.sealed[3].status, b.sealed[3].proof = "proved", list(range(8))
    batch_store.record(repo, b.sealed[3])
    return b


def test_a_restart_replays_only_the_batches_after_the_checkpoint(repo: Repository) -> None:
    b = _stored_with_checkpoint(repo)
    stored = batch_store.load(repo)
    template = Batcher(b.config, b.market, OPERATOR)

    full = replay(template, stored)
    start = usable_checkpoint(template, repo, stored)
    assert start is not None and start[0] == 3
    quick = replay(template, stored, start)
    assert (full.replayed, quick.replayed) == (4, 1)  # type: ignore[attr-defined]

    # the same state, cursors and sealed batches as from genesis
    assert quick.state.root == full.state.root == b.state.root
    assert quick.state.deposits_processed == full.state.deposits_processed == 3
    assert quick.state.deposit_chain == full.state.deposit_chain
    assert checkpoint.state_to_json(quick.state) == checkpoint.state_to_json(full.state)
    assert [s.public for s in quick.sealed] == [s.public for s in full.sealed]
    assert [s.status for s in quick.sealed] == ["confirmed"] * 3 + ["proved"]
    assert (quick.last_timestamp, quick.last_fill_id) == (full.last_timestamp, 1)
    assert quick.ids.get(DESK_B.public_key()) == full.ids.get(DESK_B.public_key()) == 2
    assert quick.unconfirmed()[0].inputs == full.unconfirmed()[0].inputs  # ready to prove
    nq, nf = (
        quick.seal(quick.last_timestamp + 1, allow_empty=True),
        full.seal(full.last_timestamp + 1, allow_empty=True),
    )
    assert nq is not None and nf is not None
    assert (nq.number, nq.new_root) == (nf.number, nf.new_root) == (5, nf.new_root)
    assert nq.public[:-1] == nf.public[:-1]  # the data blob is encrypted afresh: its hash differs


def test_a_checkpoint_that_does_not_rebuild_its_root_is_not_used(repo: Repository) -> None:
    b = _stored_with_checkpoint(repo)
    stored = batch_store.load(repo)
    template = Batcher(b.config, b.market, OPERATOR)
    _, doc = checkpoint.newest(repo, 3)  # type: ignore[misc]
    doc["accounts"][1][3] = str(int(doc["accounts"][1][3]) + 1)  # one more unit for desk A
    checkpoint.save(repo, 3, checkpoint.state_from_json(b.config, doc))
    assert json.loads(json.dumps(doc))  # stored as given
    assert usable_checkpoint(template, repo, stored) is None
    assert replay(template, stored).state.root == b.state.root  # from genesis instead


def test_a_checkpoint_after_an_unconfirmed_batch_is_not_used(repo: Repository) -> None:
    b = _stored_with_checkpoint(repo)
    b.sealed[1].status = "submitted"  # batch 2 not final: its inputs come from a replay
    batch_store.record(repo, b.sealed[1])
    stored = batch_store.load(repo)
    template = Batcher(b.config, b.market, OPERATOR)
    assert usable_checkpoint(template, repo, stored) is None
    r = replay(template, stored)
    assert r.unconfirmed()[0].number == 2 and r.unconfirmed()[0].inputs


def test_batches_sealed_again_drop_their_checkpoints(repo: Repository) -> None:
    b = _stored_with_checkpoint(repo)
    checkpoint.save(repo, 4, b.state)
    batch_store.unseal_from(repo, 4)
    assert checkpoint.newest(repo, 10) is not None and checkpoint.newest(repo, 10)[0] == 3
    batch_store.unseal_from(repo, 3)
    assert checkpoint.newest(repo, 10) is None


@pytest.mark.slow
def test_the_loop_writes_checkpoints_and_a_restart_replays_after_them(tmp_path: Path) -> None:
    """Real anvil, real proofs: the loop checkpoints every 2 sealed batches; a loop started
    again on the same database (``resume``) replays only the batches after the newest one and
    reaches the state a full replay reaches, and lines up with the contract."""
    from prover.build.anvil import local_chain
    from relayer.chain.deposit import mint_and_deposit
    from relayer.settlement import resume
    from relayer.settlement.deployment import deploy_venue
    from relayer.settlement.loop import SettlementLoop
    from relayer.settlement.market import build_venue_market
    from testkit.settlement import DESK_A as A
    from testkit.settlement import DESK_B as B

    db = f"sqlite:///{tmp_path / 'relayer.db'}"
    with local_chain() as chain:
        w3 = chain.w3
        dep = deploy_venue(w3, "test", operator=OPERATOR)
        store = Repository(db)
        try:
            now = int(w3.eth.get_block("latest")["timestamp"])
            vm = build_venue_market(dep.config, now)
            tx = dep.oracle.functions.publish(vm.hash, now).transact({"from": dep.oracle_owner})
            assert w3.eth.wait_for_transaction_receipt(tx)["status"] == 1

            def new_loop() -> SettlementLoop:
                lp = SettlementLoop(dep, vm.table, OPERATOR, store, batch_seconds=0)
                lp.checkpoint_every = 2
                return lp

            loop = new_loop()
            resume.resume(loop.pipeline, 0)
            for i, (k, sender) in enumerate(((A, 1), (B, 2), (A, 1))):  # one batch each: 1, 2, 3
                mint_and_deposit(
                    dep.token, dep.settlement, w3.eth.accounts[sender], 10**9, k.public_key()
                )
                for _ in range(10):
                    assert loop.pass_once(), loop.last_error
                    if len(loop.batcher.sealed) == i + 1 and not loop.batcher.unconfirmed():
                        break
            assert [s.status for s in loop.batcher.sealed] == ["confirmed"] * 3
            assert checkpoint.newest(store, 10)[0] == 2  # type: ignore[index]

            again = new_loop()
            resume.resume(again.pipeline, 0)  # a restart: from the checkpoint at batch 2
            assert again.batcher.replayed == 1  # type: ignore[attr-defined]
            stored = batch_store.load(store)
            full = replay(Batcher(dep.config, vm.table, OPERATOR), stored)
            assert full.replayed == 3  # type: ignore[attr-defined]
            assert again.batcher.state.root == full.state.root == loop.batcher.state.root
            assert checkpoint.state_to_json(again.batcher.state) == checkpoint.state_to_json(
                full.state
            )
            assert again.pass_once(), again.last_error  # and it settles on from there
        finally:
            store.close()
            dep.prover.close()
