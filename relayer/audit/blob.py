"""The accounts a batch's data blob names, read with the blob's own parser
(``prover.statement.data_blob.decode``, DBK3): ids and leaf hashes are public by design (anyone
rebuilds the tree from them); the ciphertexts are not readable here."""

from __future__ import annotations

from prover.statement import data_blob
from prover.statement.errors import StatementError


def blob_leaves(data: bytes) -> dict[int, int] | None:
    """account id -> published leaf hash of every entry (each one a leaf the batch wrote: its
    own operations and its cover touches alike), or None when ``data`` is not a blob of this
    build's version."""
    try:
        return {e.account_id: e.leaf_hash for e in data_blob.decode(data).entries}
    except (StatementError, ValueError):
        return None


def blob_accounts(data: bytes) -> list[int] | None:
    leaves = blob_leaves(data)
    return None if leaves is None else sorted(leaves)
