"""The batcher's blobs (the model's written leaves, then cover): folding them rebuilds every
sealed root, the owners read their leaves, and a batch with a fill has as many entries as a
batch with none."""

from __future__ import annotations

from prover.statement import data_blob
from recovery.chain_data import BatchData, ChainData
from recovery.rebuild import rebuild_tree, recover_account
from testkit.settlement import DESK_A, DESK_B, NOW, fill, funded, order


def test_blobs_rebuild_every_sealed_root_and_hide_the_fill_count() -> None:
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
    traded = b.seal(NOW + 100)
    assert traded is not None and traded.fill_ids == [1]

    batches = tuple(BatchData(s.number, s.new_root, s.data) for s in b.sealed)
    assert rebuild_tree(batches, cfg).root == b.state.root  # each batch's root checked on the way
    sizes = {len(s.data) for s in b.sealed}
    counts = {len(data_blob.decode(s.data).entries) for s in b.sealed}
    assert counts == {data_blob.entry_floor(cfg)} and len(sizes) == 1

    chain = ChainData(batches, (), b.state.root)
    for aid, desk in ((1, DESK_A), (2, DESK_B)):
        rec = recover_account(chain, desk, cfg)
        acct = b.state.accounts[aid]
        assert (rec.account_id, rec.batch) == (aid, traded.number)
        assert (rec.leaf.collateral, rec.leaf.positions) == (acct.collateral, acct.positions)
