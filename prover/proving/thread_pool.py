"""Prover threads in this process sharing one proving key (``prover_cluster = "threads"``).

groth16py proves on one core and releases the GIL while it does, so N threads keep N cores
busy as N processes would (measured 1.70x with two threads against 1.79x with two processes;
end to end the same throughput, docs/operations.md), and the key is loaded and held once
instead of once per worker. At two workers that saves no measurable memory (a proof's own
buffers dominate); it counts with many workers on one machine. The price is isolation: a
prover that dies (out of memory, a crash in native code) takes the relayer with it, where the
process pool would lose one worker and retry.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from prover.proving.interface import PoolBase, Proof, ProvingKeys


class ThreadProverPool(PoolBase):
    """`workers` proving threads (default one per core) over one backend, one loaded key."""

    def __init__(
        self, keys: ProvingKeys, *, workers: int | None = None, backend: str = "arkworks"
    ) -> None:
        from prover.proving.select import make_backend

        self.workers = workers or os.cpu_count() or 1
        self.lost = 0  # the ProofPool counter: threads are never lost on their own
        self.backend = make_backend(backend, keys)
        self._loaded = False
        self._load_lock = threading.Lock()
        self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="darkbook-prover")

    def warm_up(self, rounds: int = 50) -> None:
        """Load the key now (once for every thread), so the first proofs do not pay for it."""
        with self._load_lock:  # two first proofs must not load the key twice
            if not self._loaded:
                preload = getattr(self.backend, "preload", None)
                if preload is not None:
                    preload()
                self._loaded = True

    def _prove(self, wtns: Path) -> Proof:
        self.warm_up()
        t = time.perf_counter()
        proof = self.backend.prove(wtns)
        return replace(proof, seconds=time.perf_counter() - t)

    def submit_witness(self, wtns: Path) -> Future[Proof]:
        return self._threads.submit(self._prove, Path(wtns))

    def close(self) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)
