"""The batcher's DBK3 blobs: each decodes, names exactly the ids the batch wrote (cover touches
included), every owner decrypts its own leaf from each blob that holds it and nobody else does,
cover touches fill the empty slots up to A + 1 entries when the tree allows, and folding the
blobs rebuilds every sealed root."""

from __future__ import annotations

import pytest

from prover.crypto.eddsa import PrivateKey
from prover.errors import DecryptionError
from prover.model.ops import sign_withdrawal
from prover.statement import data_blob
from recovery.rebuild import rebuild_tree
from relayer.settlement.batcher import Batcher, SealedBatch
from relayer.settlement.genesis import genesis_state
from testkit.settlement import DESK_A, DESK_B, OPERATOR, chain_of, fill, funded, order

KEYS = {0: OPERATOR, 1: DESK_A, 2: DESK_B}


def _old_root(b: Batcher, sb: SealedBatch) -> int:
    return (
        b.sealed[sb.number - 2].new_root
        if sb.number > 1
        else genesis_state(b.config, OPERATOR).root
    )


def _owners_read_their_own(b: Batcher, sb: SealedBatch, state_after: dict) -> None:
    """Every entry opens to its owner's key and to no other key."""
    old, p = data_blob.pad_seed(_old_root(b, sb), sb.batch.timestamp), b.config.positions
    for e in data_blob.decode(sb.data).entries:
        mine = data_blob.decrypt_own(
            sb.data, KEYS[e.account_id], e.account_id, old, b.operator_key, p
        )
        acct = state_after[e.account_id]
        assert mine is not None
        assert (mine.collateral, list(mine.positions), mine.count) == (
            acct.collateral,
            list(acct.positions),
            acct.count,
        )
        for other_id, other in KEYS.items():
            if other_id != e.account_id:
                with pytest.raises(DecryptionError):
                    data_blob.decrypt_own(sb.data, other, e.account_id, old, b.operator_key, p)


def test_blobs_decode_open_to_their_owners_only_and_rebuild_every_root() -> None:
    b, vm = funded()  # three deposit batches: account 0's key, desks A and B
    cfg, row = b.config, vm.table.rows[0]
    b.add_fill(
        fill(
            1,
            order(DESK_A, cfg, 1, 1, row.series_id, 0, row.mark, 2),
            order(DESK_B, cfg, 2, 1, row.series_id, 1, row.mark, 2),
            row.mark,
            2,
        )
    )
    traded = b.seal(b.last_timestamp + 5)
    assert traded is not None and traded.fill_ids == [1]
    assert not traded.batch.touches  # 0, 1 and 2 written: the floor (A + 1 = 3) is reached
    _owners_read_their_own(b, traded, b.state.accounts)
    assert rebuild_tree(chain_of(b).batches, cfg).root == b.state.root  # each root checked
    for sb in b.sealed:
        blob = data_blob.decode(sb.data)
        assert len(sb.data) == 7 + len(blob.entries) * data_blob.entry_bytes(cfg.positions)
        assert 0 in {e.account_id for e in blob.entries}  # the fee credit writes account 0


def test_cover_touches_fill_empty_slots_up_to_the_floor() -> None:
    b, _ = funded()
    cfg = b.config
    # batch 3 credited desk B: account 0 and 2 written, desk A touched as cover
    third = b.sealed[2]
    assert [t.account_id for t in third.batch.touches] == [1]
    assert [e.account_id for e in data_blob.decode(third.data).entries] == [0, 1, 2]

    # a keep-alive batch writes account 0 only: both desks are touched
    alive = b.seal(b.last_timestamp + 1, allow_empty=True)
    assert alive is not None
    assert sorted(t.account_id for t in alive.batch.touches) == [1, 2]
    entries = data_blob.decode(alive.data).entries
    assert [e.account_id for e in entries] == [0, 1, 2] and len(entries) == data_blob.entry_floor(
        cfg
    )
    _owners_read_their_own(b, alive, b.state.accounts)

    # a withdrawal of desk A: account 0 and 1 written, desk B the one cover touch
    w = sign_withdrawal(DESK_A, cfg.domain, 1, 9, 1_000, 0xAB)
    b.add_withdrawal(w)
    paid = b.seal(b.last_timestamp + 1)
    assert paid is not None and paid.batch.withdrawals == (w,)
    assert [t.account_id for t in paid.batch.touches] == [2]
    _owners_read_their_own(b, paid, b.state.accounts)
    assert rebuild_tree(chain_of(b).batches, cfg).root == b.state.root


def test_a_touch_changes_the_count_and_nothing_else() -> None:
    b, _ = funded()
    before = {
        a: (x.collateral, list(x.positions), x.orders_root, x.count)
        for a, x in b.state.accounts.items()
    }
    alive = b.seal(b.last_timestamp + 1, allow_empty=True)
    assert alive is not None
    for a in (1, 2):
        c, pos, root, count = before[a]
        x = b.state.accounts[a]
        assert (x.collateral, list(x.positions), x.orders_root) == (c, pos, root)
        assert x.count == count + 1


def test_the_wrong_key_is_refused_even_for_a_blob_it_is_not_in() -> None:
    b, _ = funded()
    first = b.sealed[0]  # account 0 only (the tree held nobody else to touch)
    stranger = PrivateKey(b"\x05" * 32)
    assert [e.account_id for e in data_blob.decode(first.data).entries] == [0]
    none = data_blob.decrypt_own(first.data, stranger, 3, 0, b.operator_key, b.config.positions)
    assert none is None  # no entry for account 3 in that blob
