"""Rebuild the account tree and one owner's leaf from chain data alone.

Every batch's blob (prover.statement.data_blob) carries each leaf it wrote as (account id, new
leaf hash), so folding the blobs in batch order gives every leaf hash; each batch's root is
checked against the root its event proved. The owner finds its own entries by decrypting with
its key (an entry only opens to the key whose leaf it hashes to) and keeps the newest.
"""

from __future__ import annotations

from dataclasses import dataclass

from prover.crypto.eddsa import PrivateKey
from prover.crypto.merkle import MerkleProof, MerkleTree
from prover.errors import DecryptionError
from prover.statement import data_blob
from prover.statement.config import CircuitConfig
from prover.statement.data_blob import LeafPlain
from prover.statement.errors import StatementError
from recovery.chain_data import BatchData, ChainData, pending_deposits
from recovery.errors import RecoveryError


@dataclass(frozen=True)
class Recovered:
    """One owner's state as the chain proves it."""

    account_id: int
    batch: int  # the newest batch that published the leaf
    leaf: LeafPlain
    leaf_hash: int
    path: MerkleProof  # against ``root``
    root: int  # the rebuilt root, equal to Settlement.stateRoot


def rebuild_tree(batches: tuple[BatchData, ...], config: CircuitConfig) -> MerkleTree:
    """The account tree of leaf hashes after ``batches``; raises :class:`RecoveryError` naming
    the first batch whose published leaves do not give the root its event proved."""
    tree = MerkleTree(config.account_depth, arity=config.account_arity)
    for b in batches:
        try:
            hashes = data_blob.leaf_hashes(b.data)
        except StatementError as e:
            raise RecoveryError(f"batch {b.number}: unreadable data blob: {e}") from None
        for aid, h in hashes.items():
            if aid >= tree.capacity:
                raise RecoveryError(f"batch {b.number}: account id {aid} outside the tree")
            tree.update(aid, h)
        if tree.root != b.new_root:
            raise RecoveryError(
                f"batch {b.number}: the published leaves rebuild root {tree.root:#x}, the batch "
                f"proved {b.new_root:#x}: its data is incomplete (the operator withheld leaves)"
            )
    return tree


def _own_entries(chain: ChainData, key: PrivateKey, account_id: int | None):
    """(batch, account id, leaf, hash) of every entry that opens under ``key``."""
    for b in chain.batches:
        try:
            blob = data_blob.decode(b.data)
        except StatementError:  # no readable key: its entries open to nobody
            continue
        for e in blob.entries:
            if account_id is not None and e.account_id != account_id:
                continue
            try:
                leaf = data_blob.open_entry(blob, e, key, b.number)
            except (DecryptionError, StatementError, ValueError):
                continue
            yield b.number, e.account_id, leaf, e.leaf_hash


def recover_account(
    chain: ChainData, key: PrivateKey, config: CircuitConfig, account_id: int | None = None
) -> Recovered:
    """The owner's newest proven leaf and its path; ``account_id`` None: found by key."""
    tree = rebuild_tree(chain.batches, config)
    if tree.root != chain.state_root:
        raise RecoveryError(
            f"rebuilt root {tree.root:#x} is not Settlement.stateRoot {chain.state_root:#x}"
        )
    found = list(_own_entries(chain, key, account_id))
    if not found:
        who = "this key" if account_id is None else f"account {account_id} under this key"
        waiting = [d.queue_index for d in pending_deposits(chain, key.public_key())]
        hint = f"; its deposits at queue index {waiting} are not consumed" if waiting else ""
        raise RecoveryError(f"no batch published a leaf of {who}: nothing proven to recover{hint}")
    ids = {aid for _, aid, _, _ in found}
    if len(ids) > 1:
        raise RecoveryError(f"the key owns several accounts {sorted(ids)}: name one")
    batch, aid, leaf, h = found[-1]
    if tree.leaf(aid) != h:
        raise RecoveryError(f"account {aid}: the newest leaf that opens is not the tree's leaf")
    return Recovered(aid, batch, leaf, h, tree.proof(aid), tree.root)
