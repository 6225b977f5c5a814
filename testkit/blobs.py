"""Well-formed DBK3 blobs of random entries (DA_SPEC sec. 4), for tests and benchmarks that need
a blob the contract parses but no batch behind it (the stand-in circuit binds dataBinding
without computing it). Serialised by ``data_blob.serialise``."""

from __future__ import annotations

import random

from prover.crypto.field import P
from prover.statement import data_blob


def random_blob(n: int, positions: int, rng: random.Random | None = None) -> bytes:
    """``n`` entries with random strictly ascending 4-byte ids, and random words below p."""
    rng = rng or random.Random()
    ids = sorted(rng.sample(range(1 << 32), n))
    k = data_blob.K(positions)
    entries = tuple(
        data_blob.Entry(aid, rng.randrange(P), tuple(rng.randrange(P) for _ in range(k + 1)))
        for aid in ids
    )
    return data_blob.serialise(data_blob.Blob(positions, entries))
