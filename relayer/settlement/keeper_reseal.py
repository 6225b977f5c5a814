"""Keeper ops across a batch sealed again: never booked twice, never lost.

The ledger books each batch's keeper ops once, by batch number (a ``keeper`` event; a number
at or below the last booked is refused). When batches that never landed are forgotten and
sealed again (``resume.restamp`` -> ``batch_store.unseal_from``: too old, a retired table; or
a crash before they landed), the ledger may already hold the first batches' keeper ops under
those numbers, and the batches sealed in their place may carry other ones (a newer table
liquidates or settles differently). So:

- a batch sealed again under a number the ledger booked is not booked again (it would be
  refused, and its ops counted twice);
- the first batch with a number the ledger has not booked carries the difference: for every
  number sealed again, its new keeper ops minus those the ledger booked (kept aside by
  ``unseal_from``, relayer.storage.resealed), merged with its own. That sum is written into the
  batch's stored keeper ops and the kept rows dropped in one transaction, then booked, so a
  crash before the booking books it at restart (``follower.book_stored``) and one before the
  transaction computes it again from the same rows.

Split mode (``darkbook relayer settle`` beside ``relayer run --no-settle``): the settle loop
has no ledger; it reads the ledger's last booked batch from the log
(``Repository.last_keeper_batch``) and stores the difference with the batch the same way, and
the venue's follower, which books from the store, waits while a difference is pending
(``difference_pending``), so it never books that batch without it.
"""

from __future__ import annotations

import logging

from relayer.settlement import batch_store
from relayer.settlement.keeper_booking import Deltas, merge_deltas
from relayer.storage import resealed
from relayer.storage.repository import Repository

log = logging.getLogger("darkbook.settlement")


def negate(deltas: Deltas) -> Deltas:
    return {aid: (-c, {s: -q for s, q in m.items()}) for aid, (c, m) in deltas.items()}


def _clean(deltas: Deltas) -> Deltas:
    return {aid: (c, m) for aid, (c, m) in deltas.items() if c or any(m.values())}


def difference_pending(repo: Repository, booked: int) -> bool:
    """Batches the ledger booked (numbers up to ``booked``) were sealed again and the batch
    carrying the difference is not stored yet: a follower booking from the store (split mode,
    ``VenueFollower``) waits, else it would book the next batch without it."""
    return any(n <= booked for n in resealed.load(repo))


def to_book(repo: Repository, number: int, deltas: Deltas, booked: int) -> Deltas | None:
    """What the ledger should book for sealed batch ``number`` (its keeper ops ``deltas``),
    given the last batch it booked: None for a number it booked already; else ``deltas``
    plus the difference the batches sealed again left (stored with the batch)."""
    if number <= booked:
        log.warning("batch %d was sealed again after the ledger booked it: booked later", number)
        return None
    kept = resealed.load(repo)
    kept = {n: d for n, d in kept.items() if n <= booked}  # others the ledger never booked
    if not kept:
        with repo.engine.begin() as conn:
            resealed.forget(conn)
        return deltas
    new = {s.number: s.keeper_deltas for s in batch_store.load(repo, after=min(kept) - 1)}
    total: Deltas = dict(deltas)
    for n, old in kept.items():
        total = merge_deltas(total, merge_deltas(new.get(n, {}), negate(old)))
    total = _clean(total)
    with repo.engine.begin() as conn:
        batch_store.set_keeper_deltas(conn, number, total)
        resealed.forget(conn)
    log.warning(
        "batch %d books the keeper-op difference of batch(es) %s sealed again",
        number,
        sorted(kept),
    )
    return total
