"""A pool of prover processes: groth16py proves on one core, so N workers keep N cores busy.

Each worker loads the proving key once (the backend caches it per process) and then takes
jobs: a .wtns to prove, or circuit inputs to turn into a witness and prove. Workers are
spawned, not forked, so no Rust thread pool or open file is shared across a fork.
Batches are sequential in state but independent in proving, so the batcher can submit
several at once and collect proofs in order. A worker process lost mid-proof (killed, out of
memory) breaks the executor: the pool starts a fresh one and proves that witness again, so the
loss costs a retry, not the batch.

``open_pool`` picks the implementation from the relayer's ``prover_cluster`` setting: ``local``
(this class), ``threads`` (prover.proving.thread_pool: one key for every worker) or
``ray://host:port`` / ``ray:auto`` (prover.proving.ray_pool), all behind ``ProofPool``
(prover.proving.interface).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import tempfile
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Any

from prover.build.circom import CompiledCircuit
from prover.errors import ProvingError
from prover.proving.interface import PoolBase, Proof, ProofPool, ProvingBackend, ProvingKeys

log = logging.getLogger("darkbook.prover")

_worker: ProvingBackend | None = None
_hold = 0.0


def _exit_with_parent(parent: int) -> None:
    """Leave once the parent is gone: after its kill -9 nothing else would stop this worker."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _init(keys: ProvingKeys, backend: str, hold_seconds: float = 0.0) -> None:
    global _worker, _hold
    _hold = hold_seconds
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    from prover.proving.select import make_backend

    _worker = make_backend(backend, keys)
    preload = getattr(_worker, "preload", None)
    if preload is not None:
        preload()


def _prove_wtns(wtns: str) -> Proof:
    assert _worker is not None, "worker not initialised"
    if _hold:
        time.sleep(_hold)  # tests: a window to lose this worker mid-proof
    t = time.perf_counter()
    proof = _worker.prove(Path(wtns))
    return replace(proof, seconds=time.perf_counter() - t)


def _prove_inputs(circuit: CompiledCircuit, inputs: dict[str, Any]) -> Proof:
    from prover.proving.prove_circuit import compute_witness

    assert _worker is not None, "worker not initialised"
    with tempfile.TemporaryDirectory(prefix="darkbook-pool-") as tmp:
        wtns = compute_witness(circuit, inputs, Path(tmp) / "witness.wtns")
        return _worker.prove(wtns)


def _warm() -> int:
    time.sleep(0.3)  # hold this worker so the next warm-up job starts another
    return os.getpid()


class ProverPool(PoolBase):
    """`workers` prover processes bound to one circuit's keys (default: one per core).
    ``hold_seconds`` is for tests only: each proof waits that long first, so a test can kill
    its worker mid-proof."""

    def __init__(
        self,
        keys: ProvingKeys,
        *,
        workers: int | None = None,
        backend: str = "arkworks",
        retries: int = 2,
        hold_seconds: float = 0.0,
    ) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.retries = retries  # proofs lost with a worker, per witness
        self.lost = 0  # workers lost mid-proof so far (each cost a retry)
        self._init_args = (keys, backend, hold_seconds)
        self._lock = threading.Lock()
        self._executor = self._spawn()

    def _spawn(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init,
            initargs=self._init_args,
        )

    def _respawn(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        """A fresh executor in place of a broken one (once, however many jobs saw it break)."""
        with self._lock:
            if self._executor is broken:
                self.lost += 1
                broken.shutdown(wait=False, cancel_futures=True)
                self._executor = self._spawn()
            return self._executor

    def _prove(self, wtns: str, out: Future[Proof], left: int) -> None:
        executor = self._executor
        try:
            inner = executor.submit(_prove_wtns, wtns)
        except BrokenProcessPool:  # broken by another job's lost worker: start afresh
            executor = self._respawn(executor)
            inner = executor.submit(_prove_wtns, wtns)

        def done(f: Future[Proof]) -> None:
            exc = f.exception()
            if isinstance(exc, BrokenProcessPool):
                if left <= 0:
                    out.set_exception(
                        ProvingError(
                            f"prover workers were lost {self.retries + 1} times proving {wtns}: "
                            "check the machine's memory (each worker holds the proving key)"
                        )
                    )
                    return
                log.warning("a prover worker was lost mid-proof; proving %s again", wtns)
                self._respawn(executor)
                self._prove(wtns, out, left - 1)
            elif exc is not None:
                out.set_exception(exc)
            else:
                out.set_result(f.result())

        inner.add_done_callback(done)

    def warm_up(self, rounds: int = 50) -> None:
        """Start every worker and load its key now, so the first proofs do not pay for it."""
        seen: set[int] = set()
        for _ in range(rounds):
            jobs = [self._executor.submit(_warm) for _ in range(self.workers)]
            seen |= {f.result() for f in jobs}
            if len(seen) >= self.workers:
                return

    def submit_witness(self, wtns: Path) -> Future[Proof]:
        out: Future[Proof] = Future()
        self._prove(str(wtns), out, self.retries)
        return out

    def submit_inputs(self, circuit: CompiledCircuit, inputs: dict[str, Any]) -> Future[Proof]:
        return self._executor.submit(_prove_inputs, circuit, inputs)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def pids(self) -> list[int]:
        """The worker processes' ids (tests kill one mid-proof)."""
        return [p.pid for p in list(self._executor._processes.values()) if p.pid is not None]


def open_pool(
    keys: ProvingKeys,
    cluster: str = "local",
    *,
    workers: int | None = None,
    backend: str = "arkworks",
) -> ProofPool:
    """The prover pool ``cluster`` names: ``local`` (processes here, default one per core),
    ``threads`` (threads here sharing one loaded key), ``ray://host:port`` (an existing Ray
    cluster's client server) or ``ray:auto`` (the cluster this machine's ``ray start``
    joined); with Ray, ``workers`` actors (default: one per CPU the cluster has)."""
    if cluster == "local":
        return ProverPool(keys, workers=workers, backend=backend)
    if cluster == "threads":
        from prover.proving.thread_pool import ThreadProverPool

        return ThreadProverPool(keys, workers=workers, backend=backend)
    if cluster == "ray:auto" or cluster.startswith("ray://"):
        from prover.proving.ray_pool import RayProverPool

        address = "auto" if cluster == "ray:auto" else cluster
        return RayProverPool(keys, address=address, workers=workers, backend=backend)
    raise ProvingError(
        f"prover_cluster {cluster!r} is not one of: local, threads, ray://host:port, ray:auto"
    )
