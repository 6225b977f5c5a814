"""From Settlement's events alone, after real batches: the relayer (`darkbook relayer run`, its
own anvil, real proofs of the `test` circuit) takes deposits and fills and lands its batches;
then the tree rebuilt from the blobs has the contract's stateRoot, every desk's rebuilt leaf is
what the relayer reports (a tampered answer is flagged in test_rebuild.py), and every blob is
well-formed DBK3 with account 0 in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from web3 import Web3

from prover.crypto.merkle import verify_proof
from prover.statement import data_blob
from prover.statement.config import get_config
from recovery.chain_data import read_chain
from recovery.compare import differences, relayer_account
from recovery.rebuild import rebuild_tree, recover_account
from relayer.demo.flow import Story, service_settings
from relayer.demo.service import running_service

pytestmark = [pytest.mark.long, pytest.mark.slow, pytest.mark.timeout(1200)]
CFG = get_config("test")


def _settled(story: Story) -> bool:
    fills = [f for d in story.desks for f in d.fills(story.http)]
    quiet = story.svc.health()["settlement"].get("queue_depth") == 0
    return bool(fills) and quiet and all(f["settlement"] == "confirmed" for f in fills)


def test_the_tree_rebuilt_from_events_is_the_chains_and_each_desks_leaf_the_relayers(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    with running_service(tmp_path / "svc", service_settings("test"), lines.append) as svc:
        story = Story(svc, lines.append, None)
        story.deposit()
        story.plain_fills()
        story.hedge()
        story.until("the batches to land", lambda: _settled(story))
        w3 = Web3(Web3.HTTPProvider(svc.rpc_url))
        venue = story.venue
        chain = read_chain(w3, venue["chain"]["settlement_address"])
        assert len(chain.batches) >= 2

        tree = rebuild_tree(chain.batches, CFG)
        assert tree.root == chain.state_root == chain.batches[-1].new_root

        entry = data_blob.entry_bytes(CFG.positions)
        for b in chain.batches:  # one entry size; account 0 (the fee credit) in every blob
            ids = [e.account_id for e in data_blob.decode(b.data).entries]
            assert len(b.data) == 7 + len(ids) * entry
            assert 0 in ids and ids == sorted(set(ids))
        # once the three desks' accounts exist, every batch reaches A + 1 = 3 entries (cover)
        assert len(data_blob.decode(chain.batches[-1].data).entries) >= data_blob.entry_floor(CFG)

        dom = int(venue["signing"]["domain"], 16)
        for d in story.desks:
            rec = recover_account(chain, d.key, CFG)
            assert rec.account_id == d.account_id
            assert verify_proof(
                chain.state_root, rec.account_id, rec.leaf_hash, rec.path.siblings, 4
            )
            reported = relayer_account(svc.url, d.key, dom, d.account_id)
            assert differences(rec, reported) == [], d.name
            assert rec.leaf.collateral > 0 and any(q for _, q in rec.leaf.positions)
