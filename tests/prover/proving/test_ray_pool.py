"""The Ray prover pool on a local Ray head (loopback, 2 CPUs, no dashboard): real `test`-config
batches proven by actors that keep their keys; an actor killed mid-proof costs a retry, and
the batch still proves, once; a proof that fails for its own reasons is not retried."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray

from prover.errors import ProvingError
from prover.proving.batch import BatchProver
from prover.proving.pool import open_pool
from prover.proving.prove_circuit import compute_witness, verify_or_raise
from prover.proving.ray_pool import RayProverPool
from prover.statement.config import CONFIGS
from testkit.batch_case import batch_result

pytestmark = [pytest.mark.long, pytest.mark.slow]


@pytest.fixture(scope="module")
def ray_head() -> Iterator[None]:
    tmp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths must fit
    # one machine: Ray's processes keep to loopback, not the machine's interface address
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        _temp_dir=tmp,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
    )
    yield
    ray.shutdown()
    os.environ.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[BatchProver, Path, list[int]]:
    result = batch_result("test")
    assert result is not None
    prover = BatchProver.for_config(CONFIGS["test"])
    wtns = compute_witness(prover.circuit, result.inputs, tmp_path_factory.mktemp("r") / "b.wtns")
    return prover, wtns, list(result.public)


def test_two_ray_actors_prove_batches_and_keep_their_keys(ray_head, batch, smoke_wtns) -> None:
    prover, wtns, public = batch
    with RayProverPool(prover.keys, workers=2) as pool:
        pool.warm_up()
        first = pool.prove_all([wtns, wtns])
        again = pool.submit_witness(wtns).result()  # the same actors: no key loaded again
        # a witness of another circuit fails on any actor: refused, never retried
        with pytest.raises(ProvingError, match="different circuits"):
            pool.submit_witness(smoke_wtns).result()
        assert pool.lost == 0
    assert all(p.seconds > 0 for p in [*first, again])  # each actor's own proving time
    for proof in [*first, again]:
        verify_or_raise(prover.keys, proof)
        assert [int(x) for x in proof.public] == public


def test_an_actor_killed_mid_proof_costs_a_retry_not_the_batch(ray_head, batch) -> None:
    prover, wtns, public = batch
    with RayProverPool(prover.keys, workers=2, hold_seconds=4.0) as pool:
        pool.warm_up()
        job = pool.submit_witness(wtns)
        deadline = time.monotonic() + 30
        while not pool.busy() and time.monotonic() < deadline:
            time.sleep(0.05)
        [actor] = pool.busy()
        time.sleep(0.5)  # inside its 4 s hold: the proof is under way
        ray.kill(actor, no_restart=False)  # Ray restarts it; the job goes to a live actor
        proof = job.result()
        assert pool.lost == 1  # one retry, and one proof
    verify_or_raise(prover.keys, proof)
    assert [int(x) for x in proof.public] == public


def test_an_unknown_prover_cluster_is_refused(smoke_dev_keys) -> None:
    with pytest.raises(ProvingError, match="ray://host:port"):
        open_pool(smoke_dev_keys, "kubernetes://prover")
