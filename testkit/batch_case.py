"""The batch circuit's named configurations as proving workloads: main file plus a valid input.

Built from the batch engineer's model (prover.model): a funded genesis, one batch applied so
the start state is non-trivial, then a batch with trades and withdrawals.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prover.model.apply import BatchResult


def batch_result(config: str = "test", seed: int = 2026) -> BatchResult | None:
    """The model's result (inputs, public inputs) for a batch with trades and withdrawals."""
    from prover.model.apply import apply_batch
    from prover.model.sample import genesis, random_batch
    from prover.statement.config import CONFIGS

    cfg = CONFIGS[config]
    rng = random.Random(seed)
    world = genesis(cfg, 3, rng)
    world.state = apply_batch(world.state, random_batch(world, rng)).state
    for _ in range(200):
        batch = random_batch(world, rng)
        if batch.trades and batch.withdrawals:
            return apply_batch(world.state, batch)
    return None


def batch_case(config: str = "test", seed: int = 2026) -> tuple[Path, dict[str, Any]] | None:
    """(main .circom, inputs) for a batch of the named configuration."""
    from prover.proving.batch import batch_main
    from prover.statement.config import CONFIGS

    result = batch_result(config, seed)
    return None if result is None else (batch_main(CONFIGS[config]), result.inputs)
