"""Rebuilding the tree and an owner's leaf from batch events (offline: the batcher's own
blobs and roots, as they land): every owner's rebuilt leaf is the sealed state's; a batch whose
data withholds a leaf is named; a wrong operator key or old root opens nothing; a relayer answer
that differs from the proven leaf is flagged."""

from __future__ import annotations

from dataclasses import replace

import pytest

from prover.crypto.merkle import verify_proof
from prover.model.apply import apply_batch
from prover.statement import data_blob
from recovery.chain_data import ChainData, DepositData, pending_deposits
from recovery.compare import differences
from recovery.errors import RecoveryError
from recovery.rebuild import Recovered, rebuild_tree, recover_account
from relayer.settlement.batcher import Batcher
from relayer.settlement.genesis import genesis_state
from testkit.settlement import DESK_A, DESK_B, OPERATOR, chain_of, fill, funded, key, order

KEYS = {0: OPERATOR, 1: DESK_A, 2: DESK_B}


@pytest.fixture(scope="module")
def history() -> Batcher:
    """Three deposit batches (account 0, desks A and B), then A buys 2 calls from B."""
    b, vm = funded()
    cfg, row = b.config, vm.table.rows[0]
    buy = order(DESK_A, cfg, 1, 1, row.series_id, 0, row.mark, 2)
    sell = order(DESK_B, cfg, 2, 1, row.series_id, 1, row.mark, 2)
    b.add_fill(fill(1, buy, sell, row.mark, 2))
    assert b.seal(b.last_timestamp + 5) is not None
    return b


def test_every_owner_rebuilds_its_newest_leaf_and_a_path_to_the_root(history: Batcher) -> None:
    b, chain = history, chain_of(history)
    tree = rebuild_tree(chain.batches, b.config)
    assert tree.root == chain.state_root == b.state.root
    for aid, k in KEYS.items():
        rec = recover_account(chain, k, b.config)  # found by key alone
        acct = b.state.accounts[aid]
        assert (rec.account_id, rec.batch) == (aid, len(b.sealed))  # the trade wrote all three
        assert (rec.leaf.collateral, list(rec.leaf.positions)) == (
            acct.collateral,
            list(acct.positions),
        )
        assert (rec.leaf.orders_root, rec.leaf.count, rec.leaf.enc) == (
            acct.orders_root,
            acct.count,
            acct.enc,
        )
        assert verify_proof(chain.state_root, aid, rec.leaf_hash, rec.path.siblings, 4)


def test_a_batch_that_withholds_a_written_leaf_is_named(history: Batcher) -> None:
    b, chain = history, chain_of(history)
    last = b.sealed[-1]
    before = b.sealed[-2]
    ids = data_blob.decode(last.data).entries
    kept = [e.account_id for e in ids if e.account_id != 1]  # account 1's new leaf withheld
    seed = data_blob.pad_seed(before.new_root, last.batch.timestamp)
    data = data_blob.build(seed, [(a, b.state.accounts[a]) for a in kept], b.config.positions)
    batches = (*chain.batches[:-1], replace(chain.batches[-1], data=data))
    with pytest.raises(RecoveryError, match=f"batch {last.number}: the published leaves rebuild"):
        rebuild_tree(batches, b.config)


def test_blob_ids_are_the_written_ids(history: Batcher) -> None:
    """What the blob names is exactly what the model wrote (cover touches included)."""
    b = history
    state = genesis_state(b.config, OPERATOR)
    for s in b.sealed:
        result = apply_batch(state, s.batch)
        ids = [e.account_id for e in data_blob.decode(s.data).entries]
        changed = [
            a for a in result.state.accounts if result.state.tree.leaf(a) != state.tree.leaf(a)
        ]
        assert ids == list(result.written) == sorted(changed)
        state = result.state


def test_a_key_with_no_leaf_recovers_nothing(history: Batcher) -> None:
    b, chain = history, chain_of(history)
    with pytest.raises(RecoveryError, match="no batch published a leaf of this key"):
        recover_account(chain, key("nobody"), b.config)
    with pytest.raises(RecoveryError, match="account 2 under this key"):
        recover_account(chain, DESK_A, b.config, account_id=2)  # another account's entries


def test_the_wrong_operator_key_or_genesis_root_opens_nothing(history: Batcher) -> None:
    b, chain = history, chain_of(history)
    wrong_op = ChainData(
        chain.batches, (), chain.state_root, chain.genesis_root, DESK_B.public_key()
    )
    with pytest.raises(RecoveryError, match="no batch published a leaf"):
        recover_account(wrong_op, DESK_A, b.config)
    # batch 1 (account 0's first deposit) is read with the genesis root as its old root
    only_first = chain_of(history)
    first = replace(only_first, batches=only_first.batches[:1], state_root=b.sealed[0].new_root)
    assert recover_account(first, OPERATOR, b.config).batch == 1
    wrong_genesis = replace(first, genesis_root=first.genesis_root + 1)
    with pytest.raises(RecoveryError, match="no batch published a leaf"):
        recover_account(wrong_genesis, OPERATOR, b.config)


def test_a_root_other_than_the_contracts_is_refused(history: Batcher) -> None:
    b, chain = history, chain_of(history)
    stale = replace(chain, batches=chain.batches[:-1])  # the newest batch not read
    with pytest.raises(RecoveryError, match="not Settlement.stateRoot"):
        recover_account(stale, DESK_A, b.config)


def test_a_key_whose_deposit_no_batch_consumed_is_told_so(history: Batcher) -> None:
    b, chain = history, chain_of(history)
    late_key = key("late desk")
    late = DepositData(5, "0x" + "11" * 20, late_key.public_key(), 1_000)
    waiting = replace(chain, deposits=(late,))
    assert pending_deposits(waiting, late_key.public_key()) == [late]
    with pytest.raises(RecoveryError, match=r"queue index \[5\] are not consumed"):
        recover_account(waiting, late_key, b.config)


def _report(rec: Recovered, collateral: int | None = None, qty: int | None = None) -> dict:
    """A relayer's ``GET /v1/accounts/{id}`` answer: the proven leaf, or a tampered one."""
    pos = [
        {"series_id": str(s), "qty": str(q if qty is None else qty)}
        for s, q in rec.leaf.positions
        if s and q
    ]
    c = rec.leaf.collateral if collateral is None else collateral
    return {"collateral": str(c), "positions": pos}


def test_a_relayer_answer_that_differs_from_the_chain_is_flagged(history: Batcher) -> None:
    b, chain = history, chain_of(history)
    rec = recover_account(chain, DESK_A, b.config)
    assert differences(rec, _report(rec)) == []
    lied = differences(rec, _report(rec, collateral=rec.leaf.collateral + 1))
    assert lied == [f"collateral: chain {rec.leaf.collateral}, relayer {rec.leaf.collateral + 1}"]
    (sid, qty) = next((s, q) for s, q in rec.leaf.positions if s and q)
    moved = differences(rec, _report(rec, qty=qty + 1))
    assert moved == [f"series {sid}: chain {qty}, relayer {qty + 1}"]
