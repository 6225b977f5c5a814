"""A pool of two worker processes proves independent witnesses; every proof verifies. A worker
killed mid-proof costs a retry, not the proof; a proof that fails on its own is not retried."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from prover.errors import ProvingError
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
    assert all(p.seconds > 0 for p in proofs)  # the worker's own time, carried back


def test_a_worker_killed_mid_proof_costs_a_retry(
    smoke_dev_keys: ProvingKeys, smoke_wtns: Path
) -> None:
    with ProverPool(smoke_dev_keys, workers=1, hold_seconds=2.0) as pool:
        pool.warm_up(1)
        job = pool.submit_witness(smoke_wtns)
        time.sleep(0.5)  # inside its 2 s hold: the proof is under way
        [pid] = pool.pids()
        os.kill(pid, signal.SIGKILL)
        proof = job.result()
        assert pool.lost == 1
    verify_or_raise(smoke_dev_keys, proof)


def test_a_proof_that_fails_on_its_own_is_not_retried(
    smoke_dev_keys: ProvingKeys, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.wtns"
    bad.write_bytes(b"not a witness")
    with ProverPool(smoke_dev_keys, workers=1) as pool:
        with pytest.raises(ProvingError, match="not a .wtns file"):
            pool.submit_witness(bad).result()
        assert pool.lost == 0


_ORPHAN = """
import multiprocessing, os, signal, sys, time
from prover.proving.pool import _exit_with_parent

def child():
    import threading
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    time.sleep(60)

if __name__ == "__main__":
    p = multiprocessing.get_context("spawn").Process(target=child)
    p.start()
    print(p.pid, flush=True)
    time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_worker_leaves_when_its_relayer_is_killed(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = tmp_path / "orphan.py"
    script.write_text(_ORPHAN)
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert run.returncode == -signal.SIGKILL, run.stderr
    child = int(run.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive(child):
        assert time.monotonic() < deadline, "the worker outlived its killed parent"
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
