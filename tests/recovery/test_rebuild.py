"""Rebuilding the tree and an owner's leaf from batch events (offline: blobs and roots built
here the way the batcher builds them); a batch whose data withholds a leaf is named."""

from __future__ import annotations

import pytest

from prover.crypto.eddsa import PrivateKey
from prover.crypto.merkle import MerkleTree, verify_proof
from prover.statement import data_blob
from prover.statement.config import get_config
from prover.statement.data_blob import LeafPlain, OwnedLeaf
from recovery.chain_data import BatchData, ChainData, DepositData, pending_deposits
from recovery.errors import RecoveryError
from recovery.rebuild import rebuild_tree, recover_account

CFG = get_config("test")
KEYS = {a: PrivateKey(bytes([a + 1]) * 32) for a in range(4)}


def leaf(collateral: int, qty: int = 0) -> LeafPlain:
    return LeafPlain(collateral, 7, [(11 if qty else 0, qty), (0, 0)])


def owned(aid: int, lf: LeafPlain) -> OwnedLeaf:
    return OwnedLeaf(aid, KEYS[aid].public_key(), lf)


def history(withhold: bool = False) -> tuple[ChainData, dict[int, LeafPlain]]:
    """Batch 1 opens accounts 0..2; batch 2 trades 1 against 2 (and pays account 0)."""
    state: dict[int, LeafPlain] = {}
    tree = MerkleTree(CFG.account_depth, arity=4)
    batches = []
    for number, writes in enumerate(
        [{0: leaf(0), 1: leaf(100), 2: leaf(200)}, {0: leaf(2), 1: leaf(99, 3), 2: leaf(199, -3)}],
        start=1,
    ):
        state.update(writes)
        for a, lf in writes.items():
            tree.update(a, owned(a, lf).leaf_hash())
        hidden = {1} if withhold and number == 2 else set()  # account 1's new leaf withheld
        shown = set(writes) - hidden
        shown |= set(data_blob.cover_ids(set(state) - hidden, shown, CFG))
        data = data_blob.encode([owned(a, state[a]) for a in shown], number, CFG)
        batches.append(BatchData(number, tree.root, data))
    return ChainData(tuple(batches), (), tree.root), state


def test_every_owner_rebuilds_its_newest_leaf_and_a_path_to_the_root() -> None:
    chain, state = history()
    tree = rebuild_tree(chain.batches, CFG)
    assert tree.root == chain.state_root
    for aid in (0, 1, 2):
        rec = recover_account(chain, KEYS[aid], CFG)  # found by key alone
        assert (rec.account_id, rec.leaf, rec.batch) == (aid, state[aid], 2)
        assert verify_proof(chain.state_root, aid, rec.leaf_hash, rec.path.siblings, 4)


def test_a_batch_that_withholds_a_written_leaf_is_named() -> None:
    chain, _ = history(withhold=True)
    with pytest.raises(RecoveryError, match="batch 2: the published leaves rebuild root"):
        rebuild_tree(chain.batches, CFG)


def test_a_key_with_no_leaf_recovers_nothing() -> None:
    chain, _ = history()
    with pytest.raises(RecoveryError, match="no batch published a leaf of this key"):
        recover_account(chain, KEYS[3], CFG)
    with pytest.raises(RecoveryError, match="account 2 under this key"):
        recover_account(chain, KEYS[1], CFG, account_id=2)  # another account's entry


def test_a_root_other_than_the_contracts_is_refused() -> None:
    chain, _ = history()
    stale = ChainData(chain.batches[:1], (), chain.state_root)  # the newest batch not read
    with pytest.raises(RecoveryError, match="not Settlement.stateRoot"):
        recover_account(stale, KEYS[1], CFG)


def test_a_key_whose_deposit_no_batch_consumed_is_told_so() -> None:
    chain, _ = history()
    late = DepositData(5, "0x" + "11" * 20, KEYS[3].public_key(), 1_000)
    waiting = ChainData(chain.batches, (late,), chain.state_root)
    assert pending_deposits(waiting, KEYS[3].public_key()) == [late]
    with pytest.raises(RecoveryError, match=r"queue index \[5\] are not consumed"):
        recover_account(waiting, KEYS[3], CFG)
