"""Rebuild the account tree and one owner's leaf from chain data alone.

Every batch's blob (prover.statement.data_blob, DBK3) carries each leaf it wrote as (account
id, new leaf hash, ciphertext), so folding the blobs in batch order gives every leaf hash; each
batch's root is checked against the root its event proved (and the circuit proved the blob is
exactly what the batch wrote). The owner opens its own entries with ``data_blob.decrypt_own``:
the pads come from its ``enc`` (x(a * O), O the operator's key), the batch's old root and the
account id; an entry opens only when the contents hash, with the owner's key, to the published
leaf hash. The newest entry that opens is the owner's leaf.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from prover.crypto.eddsa import PrivateKey
from prover.crypto.merkle import MerkleProof, MerkleTree
from prover.errors import DecryptionError
from prover.statement import data_blob
from prover.statement.accounts import enc_from_owner
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
    leaf: LeafPlain  # collateral, orders root, positions, enc, count
    leaf_hash: int
    path: MerkleProof  # against ``root``
    root: int  # the rebuilt root, equal to Settlement.stateRoot


def rebuild_tree(batches: tuple[BatchData, ...], config: CircuitConfig) -> MerkleTree:
    """The account tree of leaf hashes after ``batches``; raises :class:`RecoveryError` naming
    the first batch whose published leaves do not give the root its event proved."""
    tree = MerkleTree(config.account_depth, arity=config.account_arity)
    for b in batches:
        try:
            entries = data_blob.decode(b.data).entries
        except StatementError as e:
            raise RecoveryError(f"batch {b.number}: unreadable data blob: {e}") from None
        for e in entries:
            if e.account_id >= tree.capacity:
                raise RecoveryError(f"batch {b.number}: account id {e.account_id} outside the tree")
            tree.update(e.account_id, e.leaf_hash)
        if tree.root != b.new_root:
            raise RecoveryError(
                f"batch {b.number}: the published leaves rebuild root {tree.root:#x}, the batch "
                f"proved {b.new_root:#x}: its data is incomplete (the operator withheld leaves)"
            )
    return tree


def _own_entries(
    chain: ChainData, key: PrivateKey, config: CircuitConfig, account_id: int | None
) -> Iterator[tuple[int, int, LeafPlain, int]]:
    """(batch, account id, leaf, hash) of every entry that opens under ``key``."""
    try:
        enc = enc_from_owner(key, chain.operator_key)  # x(a * O): the same in every batch
    except StatementError as e:
        raise RecoveryError(f"the operator key read from the chain is unusable: {e}") from None
    for i, b in enumerate(chain.batches):
        try:
            blob = data_blob.decode(b.data, config.positions)
        except StatementError:  # rebuild_tree names it; nothing of it opens
            continue
        for e in blob.entries:
            if account_id is not None and e.account_id != account_id:
                continue
            try:
                leaf = data_blob.open_entry(e, key, enc, chain.seed(i), config.positions)
            except (DecryptionError, StatementError, ValueError):
                continue  # another owner's entry (or a forged one): it opens to nobody here
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
    found = list(_own_entries(chain, key, config, account_id))
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
