"""Prover threads sharing one key (``prover_cluster = "threads"``): two proofs run at the same
time over the one backend the pool loaded, every proof verifies, a proof that fails on its own
fails alone, and the relayer's setting names the mode."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from prover.errors import ProvingError
from prover.proving.interface import Proof, ProvingKeys
from prover.proving.pool import open_pool
from prover.proving.prove_circuit import verify_or_raise
from prover.proving.thread_pool import ThreadProverPool
from relayer.settings import Settings


def test_two_threads_prove_at_once_over_one_key(
    smoke_dev_keys: ProvingKeys, smoke_wtns: Path
) -> None:
    with open_pool(smoke_dev_keys, "threads", workers=2) as pool:
        assert isinstance(pool, ThreadProverPool) and pool.workers == 2
        both_in = threading.Barrier(2, timeout=60)  # broken unless two proofs overlap
        prove = pool.backend.prove
        seen: list[object] = []

        def overlapping(wtns: Path) -> Proof:
            both_in.wait()
            seen.append(pool.backend)
            return prove(wtns)

        pool.backend.prove = overlapping  # type: ignore[method-assign]
        proofs = pool.prove_all([smoke_wtns, smoke_wtns])
    assert len(seen) == 2 and seen[0] is seen[1]  # one backend, so one loaded key
    for proof in proofs:
        verify_or_raise(smoke_dev_keys, proof)
    assert proofs[0].public == proofs[1].public and all(p.seconds > 0 for p in proofs)


def test_a_failing_proof_fails_alone(
    smoke_dev_keys: ProvingKeys, smoke_wtns: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.wtns"
    bad.write_bytes(b"not a witness")
    with ThreadProverPool(smoke_dev_keys, workers=2) as pool:
        pool.warm_up()
        failing = pool.submit_witness(bad)
        good = pool.submit_witness(smoke_wtns)
        with pytest.raises(ProvingError, match="not a .wtns file"):
            failing.result()
        verify_or_raise(smoke_dev_keys, good.result())
        assert pool.lost == 0


def test_the_relayer_setting_takes_threads() -> None:
    assert Settings(prover_cluster="threads").prover_cluster == "threads"
    with pytest.raises(ValueError, match="prover_cluster"):
        Settings(prover_cluster="thread")
