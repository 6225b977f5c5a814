"""A pool of two worker processes proves independent witnesses; every proof verifies."""

from __future__ import annotations

from pathlib import Path

from prover.proving.interface import ProvingKeys
from prover.proving.pool import ProverPool
from prover.proving.prove_circuit import verify_or_raise
from tests.prover.proving.conftest import SMOKE_INPUT


def test_pool_of_two_proves_witnesses_and_inputs(
    smoke, smoke_dev_keys: ProvingKeys, smoke_wtns: Path
) -> None:
    with ProverPool(smoke_dev_keys, workers=2) as pool:
        proofs = pool.prove_all([smoke_wtns, smoke_wtns])
        from_inputs = pool.submit_inputs(smoke, {**SMOKE_INPUT, "b": 5, "product": 15}).result()
    for proof in [*proofs, from_inputs]:
        verify_or_raise(smoke_dev_keys, proof)
    assert proofs[0].public == proofs[1].public
    assert from_inputs.public[-1] == "15"
