"""A pool of prover processes: groth16py proves on one core, so N workers keep N cores busy.

Each worker loads the proving key once (the backend caches it per process) and then takes
jobs: a .wtns to prove, or circuit inputs to turn into a witness and prove. Workers are
spawned, not forked, so no Rust thread pool or open file is shared across a fork.
Batches are sequential in state but independent in proving, so the batcher can submit
several at once and collect proofs in order.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

from prover.build.circom import CompiledCircuit
from prover.proving.interface import Proof, ProvingBackend, ProvingKeys

_worker: ProvingBackend | None = None


def _init(keys: ProvingKeys, backend: str) -> None:
    global _worker
    from prover.proving.select import make_backend

    _worker = make_backend(backend, keys)
    preload = getattr(_worker, "preload", None)
    if preload is not None:
        preload()


def _prove_wtns(wtns: str) -> Proof:
    assert _worker is not None, "worker not initialised"
    return _worker.prove(Path(wtns))


def _prove_inputs(circuit: CompiledCircuit, inputs: dict[str, Any]) -> Proof:
    from prover.proving.prove_circuit import compute_witness

    assert _worker is not None, "worker not initialised"
    with tempfile.TemporaryDirectory(prefix="darkbook-pool-") as tmp:
        wtns = compute_witness(circuit, inputs, Path(tmp) / "witness.wtns")
        return _worker.prove(wtns)


def _warm() -> int:
    time.sleep(0.3)  # hold this worker so the next warm-up job starts another
    return os.getpid()


class ProverPool:
    """`workers` prover processes bound to one circuit's keys (default: one per core)."""

    def __init__(
        self, keys: ProvingKeys, *, workers: int | None = None, backend: str = "arkworks"
    ) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init,
            initargs=(keys, backend),
        )

    def warm_up(self, rounds: int = 50) -> None:
        """Start every worker and load its key now, so the first proofs do not pay for it."""
        seen: set[int] = set()
        for _ in range(rounds):
            jobs = [self._executor.submit(_warm) for _ in range(self.workers)]
            seen |= {f.result() for f in jobs}
            if len(seen) >= self.workers:
                return

    def submit_witness(self, wtns: Path) -> Future[Proof]:
        return self._executor.submit(_prove_wtns, str(wtns))

    def submit_inputs(self, circuit: CompiledCircuit, inputs: dict[str, Any]) -> Future[Proof]:
        return self._executor.submit(_prove_inputs, circuit, inputs)

    def prove_all(self, witnesses: list[Path]) -> list[Proof]:
        """Prove every witness, proofs returned in the order given."""
        return [f.result() for f in [self.submit_witness(w) for w in witnesses]]

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ProverPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
