"""Cover touches as the relayer picks them (DA_SPEC secs. 2 and 4).

Every write bumps a leaf's ``count``, so a batch's blob names exactly the accounts it wrote; a
batch of one fill would tell the chain who traded. Cover hides that: random existing accounts
the batch does not write get a touch (count + 1, nothing else) in the batch's empty
touch-capable slots, until the blob holds ``A + 1`` entries (``data_blob.entry_floor``)
when the tree and the slots allow. A touched entry looks like any other write on chain.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Collection, Iterable
from dataclasses import replace

from prover.model.apply import apply_batch
from prover.model.ops import Batch, Touch
from prover.model.state import State
from prover.model.touches import free_touch_slots
from prover.statement.config import CircuitConfig
from prover.statement.data_blob import entry_floor


def cover_count(written: int, free_slots: int, candidates: int, config: CircuitConfig) -> int:
    """How many touches: enough for ``A + 1`` entries, within the empty touch-capable slots
    and the accounts there are to touch."""
    return max(0, min(entry_floor(config) - written, free_slots, candidates))


def pick_cover(
    existing: Iterable[int],
    written: Collection[int],
    free_slots: int,
    config: CircuitConfig,
    rng: random.Random | secrets.SystemRandom | None = None,
) -> list[int]:
    """Ids to touch, ascending: random ``existing`` accounts not in ``written``, as many as
    :func:`cover_count` allows (``secrets`` randomness unless ``rng`` is given)."""
    candidates = sorted(set(existing) - set(written))
    n = cover_count(len(set(written)), free_slots, len(candidates), config)
    return sorted((rng or secrets.SystemRandom()).sample(candidates, n))


def with_cover(
    state: State,
    batch: Batch,
    rng: random.Random | secrets.SystemRandom | None = None,
    *,
    written: Collection[int] | None = None,
) -> Batch:
    """``batch`` with cover touches replacing any it had (``batch`` itself when it has none
    and gets none): the model applies it without touches first (its written ids), unless the
    caller passes those ``written`` ids, then :func:`pick_cover` over the state's accounts.
    Without ``written``, raises what ``apply_batch`` raises for a batch it refuses."""
    bare = replace(batch, touches=())
    if written is None:
        written = apply_batch(state, bare).written
    free = len(free_touch_slots(bare, state.config))
    ids = pick_cover(state.accounts, written, free, state.config, rng)
    if not ids and not batch.touches:
        return batch  # unchanged: a caller that already applied it need not again
    return replace(bare, touches=tuple(Touch(a) for a in ids))
