"""Queue requests in the model alone (prover.model.requests): who pays, what, and the rules
naming each cheat. The circuit's side is tests/circuits/test_queue_requests.py."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from prover.model.apply import apply_batch
from prover.model.errors import Rejected
from prover.model.ops import Batch, Cancel, ForcedWithdrawal
from prover.model.sample import NOW, genesis, key_for
from prover.statement import queue
from prover.statement.config import get_config
from prover.statement.public_inputs import deposit_chain_step, stamped_forced_paid

TEST = get_config("test")


def _world(deposits: int = 1):
    return genesis(replace(TEST, deposits=deposits), 3, random.Random(1))


def _key(w, aid):
    return w.keys[aid].public_key()


def test_a_forced_withdrawal_pays_min_of_amount_and_free_and_hashes_its_word() -> None:
    w = _world()
    entry = ForcedWithdrawal(*_key(w, 2), 2, queue.EVERYTHING)
    result = apply_batch(w.state, Batch(NOW, w.market, deposits=(entry,)))
    held = w.state.get(2).collateral
    assert result.forced_paid == held == stamped_forced_paid(result.public[3])
    assert result.state.get(2).collateral == 0
    word = queue.withdrawal_word(2, queue.EVERYTHING)
    assert result.state.deposit_chain == deposit_chain_step(0, *_key(w, 2), word)
    assert result.inputs["dWord"] == [word]


@pytest.mark.parametrize("aid,key_of", [(1, 2), (7, 1), (16, 1)])  # other key, empty, no leaf
def test_a_request_that_does_not_apply_changes_no_leaf(aid: int, key_of: int) -> None:
    w = _world()
    for entry in (ForcedWithdrawal(*_key(w, key_of), aid, 5), Cancel(*_key(w, key_of), aid, 5)):
        result = apply_batch(w.state, Batch(NOW, w.market, deposits=(entry,)))
        # only the fee credit writes (account 0, every batch): no leaf of the request's
        assert result.written == (0,) and result.forced_paid == 0
        for a in range(1, TEST.account_capacity):
            assert result.state.tree.leaf(a) == w.state.tree.leaf(a)


def test_account_0_never_pays_a_forced_withdrawal() -> None:
    w = _world()
    acct = w.state.get(0)
    acct.collateral = 1_000  # owed to others (issue 18 rule 1)
    w.state.put(0, acct)
    entry = ForcedWithdrawal(*_key(w, 0), 0, 5)
    result = apply_batch(w.state, Batch(NOW, w.market, deposits=(entry,)))
    assert result.forced_paid == 0 and result.state.get(0).collateral == 1_000
    assert result.state.get(0).count == acct.count + 1  # the fee credit's write only


def test_a_served_request_writes_its_leaf_even_paying_nothing() -> None:
    """DA_SPEC sec. 2: a request that applies is a write (count + 1), whatever it pays."""
    w = _world()
    acct = w.state.get(3)
    acct.collateral = 0
    w.state.put(3, acct)
    entry = ForcedWithdrawal(*_key(w, 3), 3, 5)
    result = apply_batch(w.state, Batch(NOW, w.market, deposits=(entry,)))
    assert result.forced_paid == 0 and result.written == (0, 3)
    assert result.state.get(3).count == acct.count + 1


def test_a_cancel_kills_only_ids_up_to_its_own() -> None:
    w = _world()
    entry = Cancel(*_key(w, 1), 1, 6)
    after = apply_batch(w.state, Batch(NOW, w.market, deposits=(entry,))).state
    assert after.get(1).read_slot(6) == (6, queue.CANCELLED)
    assert after.get(1).read_slot(10) == (6, queue.CANCELLED)  # same slot (mod 4)
    assert after.get(1).count == w.state.get(1).count + 1  # the kill is a write
    again = apply_batch(after, Batch(NOW, w.market, deposits=(Cancel(*_key(w, 1), 1, 2),)))
    # an older id leaves the newer kill alone: no write of leaf 1
    assert again.written == (0,) and again.state.tree.leaf(1) == after.tree.leaf(1)


def test_cheats_are_named() -> None:
    w = _world(deposits=2)
    two = (ForcedWithdrawal(*_key(w, 1), 1, 5), ForcedWithdrawal(*_key(w, 2), 2, 5))
    with pytest.raises(Rejected, match="forced_withdrawals"):
        apply_batch(w.state, Batch(NOW, w.market, deposits=two))
    with pytest.raises(Rejected, match="forced_paid"):
        entry = ForcedWithdrawal(*_key(w, 1), 1, 5, pay=4)
        apply_batch(w.state, Batch(NOW, w.market, deposits=(entry,)))
    with pytest.raises(Rejected, match="cancel_skipped"):
        entry = Cancel(*_key(w, 1), 1, 5, skip=True)
        apply_batch(w.state, Batch(NOW, w.market, deposits=(entry,)))
    other = key_for(99).public_key()  # another key's request: paying it is the cheat
    with pytest.raises(Rejected, match="forced_paid"):
        entry = ForcedWithdrawal(*other, 1, 5, pay=5)
        apply_batch(w.state, Batch(NOW, w.market, deposits=(entry,)))
