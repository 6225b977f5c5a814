"""The prover pool on Ray: one actor per worker, each loading the proving key once and keeping
it between batches, on as many machines as the Ray cluster has.

Same interface as the local process pool (``ProofPool``, prover.proving.interface), chosen by
the relayer's ``prover_cluster`` setting (``ray://host:port`` or ``ray:auto``; see
prover.proving.pool.open_pool and docs/operations.md).

Nodes need not share a disk: the key files go to the object store once, and an actor whose
node already holds the same file (same SHA-256, e.g. the head machine) reads it in place;
witnesses travel as bytes. An actor lost mid-proof (node gone, process killed, out of memory)
is restarted by Ray (it loads the key again) and the witness is proved again on whichever
actor is free first: a lost worker costs a retry, not the batch. A proof that fails for any
other reason (a witness that does not satisfy the circuit) is not retried.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import queue
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ray
from ray.exceptions import RayError, RayTaskError

from prover.build.cache import file_digest
from prover.errors import ProvingError
from prover.proving.interface import PoolBase, Proof, ProvingKeys

log = logging.getLogger("darkbook.prover")


@dataclass(frozen=True)
class _KeyFile:
    path: str  # where the driver read it
    name: str
    digest: str
    data: Any  # ray.ObjectRef[bytes], fetched only by a node without the same file


@dataclass(frozen=True)
class _KeyBundle:
    keys: ProvingKeys
    files: dict[str, _KeyFile]  # ProvingKeys field -> its file

    def local_keys(self) -> ProvingKeys:
        """The keys with every file on this node: the driver's path when it holds the same
        bytes, else a copy from the object store (cached by digest for restarts)."""
        changes: dict[str, Path] = {}
        for attr, f in self.files.items():
            here = Path(f.path)
            if here.is_file() and file_digest(here) == f.digest:
                continue
            folder = Path(tempfile.gettempdir()) / "darkbook-ray-keys" / f.digest[:20]
            target = folder / f.name
            if not target.is_file():
                folder.mkdir(parents=True, exist_ok=True)
                scratch = folder / f".{f.name}.{os.getpid()}"
                scratch.write_bytes(ray.get(f.data))
                scratch.replace(target)  # whole or absent: a crash never leaves half a key
            changes[attr] = target
        return dataclasses.replace(self.keys, **changes)


def _bundle(keys: ProvingKeys) -> _KeyBundle:
    files: dict[str, _KeyFile] = {}
    for attr in ("zkey", "vkey"):
        path: Path = getattr(keys, attr)
        data = ray.put(path.read_bytes())
        files[attr] = _KeyFile(str(path), path.name, file_digest(path), data)
    return _KeyBundle(keys, files)


class _ProverActor:
    """One worker: loads the key in its constructor (again after a restart), then proves."""

    def __init__(self, bundle: _KeyBundle, backend: str, hold_seconds: float) -> None:
        from prover.proving.select import make_backend

        self.backend = make_backend(backend, bundle.local_keys())
        preload = getattr(self.backend, "preload", None)
        if preload is not None:
            preload()
        self.hold_seconds = hold_seconds

    def ready(self) -> int:
        return os.getpid()

    def prove(self, wtns: bytes) -> Proof:
        if self.hold_seconds:
            time.sleep(self.hold_seconds)  # tests: a window to lose this worker mid-proof
        with tempfile.TemporaryDirectory(prefix="darkbook-ray-") as tmp:
            path = Path(tmp) / "batch.wtns"
            path.write_bytes(wtns)
            t = time.perf_counter()
            proof = self.backend.prove(path)
        return dataclasses.replace(proof, seconds=time.perf_counter() - t)


class RayProverPool(PoolBase):
    """``workers`` prover actors on a Ray cluster (default: one per CPU it has).

    ``address``: ``ray://host:port`` (Ray Client), ``auto`` (the cluster this machine joined)
    or None (a ``ray.init`` the caller already made, e.g. tests' local head). ``hold_seconds``
    is for tests only: each proof waits that long first, so a test can kill its actor."""

    def __init__(
        self,
        keys: ProvingKeys,
        *,
        address: str | None = None,
        workers: int | None = None,
        backend: str = "arkworks",
        retries: int = 2,
        hold_seconds: float = 0.0,
    ) -> None:
        self._owns_ray = False
        if not ray.is_initialized():
            if address is None:
                raise ProvingError(
                    "no Ray cluster: set prover_cluster to ray://host:port or ray:auto, "
                    "or call ray.init() first"
                )
            try:
                ray.init(address=address, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ProvingError(
                    f"cannot reach the Ray cluster at {address}: {exc}; check that its head "
                    "is running (`ray start --head`) and the address and port are right"
                ) from exc
            self._owns_ray = True
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.retries = retries
        self.lost = 0  # actors lost mid-proof so far (each cost a retry)
        actor = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=0)(_ProverActor)
        bundle = _bundle(keys)
        self._actors = [actor.remote(bundle, backend, hold_seconds) for _ in range(self.workers)]
        self._free: queue.Queue[Any] = queue.Queue()
        for a in self._actors:
            self._free.put(a)
        self._busy: dict[int, Any] = {}  # thread id -> the actor it waits on
        self._lock = threading.Lock()
        self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="darkbook-ray")

    def warm_up(self, rounds: int = 50) -> None:
        """Wait until every actor has loaded its key."""
        ray.get([a.ready.remote() for a in self._actors])

    def submit_witness(self, wtns: Path) -> Future[Proof]:
        return self._threads.submit(self._prove, Path(wtns).read_bytes(), str(wtns))

    def busy(self) -> list[Any]:
        """The actors proving right now (tests kill one mid-proof)."""
        with self._lock:
            return list(self._busy.values())

    def _prove(self, data: bytes, name: str) -> Proof:
        ref = ray.put(data)  # once, however many tries
        for attempt in range(self.retries + 1):
            actor = self._free.get()
            with self._lock:
                self._busy[threading.get_ident()] = actor
            try:
                return ray.get(actor.prove.remote(ref))
            except RayTaskError as exc:  # the proof itself failed: the same on any worker
                cause = exc.as_instanceof_cause()
                if isinstance(cause, ProvingError):
                    raise ProvingError(str(cause).splitlines()[-1]) from None
                raise cause from None
            except RayError as exc:  # the actor died or is unreachable: Ray restarts it
                self.lost += 1
                log.warning(
                    "prover actor lost proving %s (try %d of %d): %s",
                    name,
                    attempt + 1,
                    self.retries + 1,
                    type(exc).__name__,
                )
            finally:
                with self._lock:
                    self._busy.pop(threading.get_ident(), None)
                self._free.put(actor)
        raise ProvingError(
            f"prover actors were lost {self.retries + 1} times proving {name}: check the Ray "
            "cluster's nodes (`ray status`) and their memory (each actor holds the key)"
        )

    def close(self) -> None:
        self._threads.shutdown(wait=True, cancel_futures=True)
        for a in self._actors:
            ray.kill(a, no_restart=True)
        self._actors = []
        if self._owns_ray:
            ray.shutdown()
