"""Throughput by prover pool: proven fills per minute end to end (orders in -> batches
confirmed) with one process worker, two process workers and two Ray workers, in one run.

    .venv/bin/python benchmarks/bench_throughput.py [--config demo] [--fills 16]
        [--modes local1,local2,ray2] (also threads2)

Each mode starts `darkbook relayer run` in its own process (relayer.demo.service: its own
anvil, SQLite in a temporary folder) with ``prover_cluster`` / ``prover_workers`` set; the
workload, the desks and the timing are benchmarks/bench_e2e.py's (crossing pairs on the
at-the-money call, sent as fast as the API acknowledges them). ``ray2`` starts a local Ray head
first (`ray start --head`, 2 CPUs, no dashboard, its own temp folder) and the service joins it
with ``prover_cluster = "ray:auto"``, as on a machine of a multi-machine cluster
(docs/operations.md). ``threads2`` is two prover threads of the service's own process sharing
one loaded key (``prover_cluster = "threads"``).

Reported per mode: proven fills per minute and its ratio to ``local1`` (same run), order-to-
finality p50/p99, seconds per batch by stage (seal, witness, prove, submit, confirm) from
the service's ``/metrics`` (``darkbook_settlement_stage_seconds``), and the resident memory
of the service's process tree after the run (its prover workers hold the keys; not for Ray,
whose actors live in the cluster). Every mode pays its key load
before the timed part (the service is ``ok`` only once prepared, and the workers load the key
meanwhile); a worker imports the `demo` key (a .zkey) in about a second.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# one machine: Ray keeps every address on loopback (else it swaps 127.0.0.1 for the machine's
# own interface address); inherited by the Ray head and the service this starts
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

from benchmarks.bench_e2e import Run, _follow, _send, _setup
from prover.build.anvil import free_port
from relayer.demo.service import running_service
from relayer.demo.stage_times import stage_totals

STAGES = ("seal", "witness", "prove", "submit", "confirm")
MODES = {
    "local1": ("local", 1),
    "local2": ("local", 2),
    "threads2": ("threads", 2),
    "ray2": ("ray", 2),
}


@dataclass
class ModeRun:
    mode: str
    run: Run
    per_batch: dict[str, float]  # stage -> mean seconds per batch in the timed part
    rss_mb: float | None = None  # the service's process tree after the run (None: Ray)


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and every process under it (its prover workers, its anvil),
    from /proc: what proving keys cost on this machine."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    tree, todo = set(), [pid]
    while todo:
        p = todo.pop()
        tree.add(p)
        todo += [c for c, pp in parents.items() if pp == p and c not in tree]
    kb = 0
    for p in tree:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    kb += int(line.split()[1])
    return kb / 1024


@contextlib.contextmanager
def ray_head(cpus: int) -> Iterator[str]:
    """A local Ray head (`ray start --head --block`, ours to stop by its process group) that
    the service joins as ``ray:auto`` (RAY_ADDRESS names the head's GCS for it)."""
    ray = str(Path(sys.executable).with_name("ray"))
    tmp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths must fit
    gcs = free_port()
    cmd = [ray, "start", "--head", "--block", f"--port={gcs}", f"--num-cpus={cpus}"]
    cmd += ["--include-dashboard=false", f"--temp-dir={tmp}", "--node-ip-address=127.0.0.1"]
    cmd += ["--disable-usage-stats"]
    old = {k: os.environ.get(k) for k in ("RAY_ADDRESS", "RAY_AUTH_MODE")}
    os.environ["RAY_ADDRESS"] = f"127.0.0.1:{gcs}"  # inherited by the service it starts
    os.environ["RAY_AUTH_MODE"] = "token"  # the head's token (~/.ray/auth_token) for drivers
    head = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", gcs), 1):
                break
            if head.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the Ray head did not start")
            time.sleep(0.5)
        time.sleep(3)  # its raylet registers after the GCS listens
        yield "ray:auto"
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)


def _stages(text: str) -> dict[str, tuple[int, float]]:
    totals = stage_totals(text)
    return {s: totals.get(s, (0, 0.0)) for s in STAGES}


def measure(config: str, fills: int, cluster: str, workers: int, mode: str) -> ModeRun:
    with tempfile.TemporaryDirectory(prefix="darkbook-bench-tp-") as tmp:
        settings = {
            "circuit": config,
            "batch_seconds": 1.0,
            "settle_poll_seconds": 0.2,
            "prover_cluster": cluster,
            "prover_workers": workers,
        }
        with running_service(Path(tmp), settings, say=print) as svc:
            desks, call = _setup(svc)
            before_batches = len(svc.get("/v1/batches?limit=1000"))
            before = _stages(svc.client.get("/metrics").text)
            t0 = time.monotonic()
            sent = _send(svc, desks, call, fills)
            final = _follow(svc, desks, sent)
            seconds = max(final.values()) - t0
            time.sleep(1.0)  # the last batch's observations reach /metrics
            after = _stages(svc.client.get("/metrics").text)
            batches = len(svc.get("/v1/batches?limit=1000")) - before_batches
            trades = svc.get("/v1/venue")["circuit"]["slots_per_batch"]["trades"]
            rss = None if cluster.startswith("ray") else tree_rss_mb(svc.proc.pid)
    per_batch = {}
    for s in STAGES:
        n, total = after[s][0] - before[s][0], after[s][1] - before[s][1]
        per_batch[s] = total / n if n else float("nan")
    latencies = [final[f] - sent[f] for f in sent]
    run = Run(config, trades, fills, seconds, latencies, batches)
    return ModeRun(mode, run, per_batch, rss)


def report(m: ModeRun, base: ModeRun | None) -> None:
    r = m.run
    ratio = f", {r.per_minute / base.run.per_minute:.2f}x {base.mode}" if base else ""
    stages = ", ".join(f"{s} {m.per_batch[s]:.2f}" for s in STAGES)
    memory = "" if m.rss_mb is None else f"; service tree RSS {m.rss_mb:,.0f} MB"
    if m.rss_mb is not None and base is not None and base.rss_mb:
        memory += f" ({m.rss_mb / base.rss_mb:.2f}x {base.mode})"
    print(
        f"{m.mode:6} {r.config} (T={r.trades_per_batch}): {r.fills} fills, {r.batches} batches "
        f"in {r.seconds:.1f} s: {r.per_minute:.1f} proven fills/min{ratio}; order-to-finality "
        f"p50 {r.pct(50):.1f} s, p99 {r.pct(99):.1f} s; s/batch: {stages}{memory}",
        flush=True,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="demo", help="circuit configuration measured")
    ap.add_argument("--fills", type=int, default=16, help="crossing pairs per mode")
    ap.add_argument("--modes", default="local1,local2,ray2", help=f"of {', '.join(MODES)}")
    args = ap.parse_args()
    runs: list[ModeRun] = []
    for mode in args.modes.split(","):
        kind, workers = MODES[mode]
        if kind == "ray":
            with ray_head(workers) as address:
                runs.append(measure(args.config, args.fills, address, workers, mode))
        else:
            runs.append(measure(args.config, args.fills, kind, workers, mode))
        report(runs[-1], runs[0] if len(runs) > 1 else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
