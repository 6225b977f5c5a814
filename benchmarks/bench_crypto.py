"""Crypto-core throughput against circomlibjs, measured in the same run.

Measures Poseidon(2) hashes/s, EdDSA-Poseidon verifications/s and depth-20 sparse-tree leaf
updates/s, in Python (``prover``) and in node with circomlibjs doing the same work, and prints
the ratio Python / circomlibjs. The machine is shared with other work, so the two sides
alternate for ``--rounds`` rounds with the same time budget and each keeps its best round
(the least disturbed one); a single run can still swing by 2x under load.

    .venv/bin/python benchmarks/bench_crypto.py [--seconds 1] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from prover.crypto.eddsa import PrivateKey, verify
from prover.crypto.merkle import MerkleTree
from prover.crypto.poseidon import poseidon

ROOT = Path(__file__).resolve().parents[1]


def rate(fn: Callable[[int], object], seconds: float) -> float:
    """Calls per second of ``fn(i)`` over about ``seconds`` (after a short warm-up)."""
    for i in range(20):
        fn(i)
    n, t0 = 0, time.perf_counter()
    end = t0 + seconds
    while time.perf_counter() < end:
        fn(n)
        n += 1
    return n / (time.perf_counter() - t0)


def python_rates(seconds: float) -> dict[str, float]:
    key = PrivateKey(bytes([7]) * 32)
    pub, msg = key.public_key(), 123456789
    sig = key.sign(msg)

    def check(_: int) -> None:
        if not verify(pub, msg, sig):
            raise AssertionError("valid signature rejected")

    tree, rng = MerkleTree(20), random.Random(1)
    return {
        "poseidon2": rate(lambda i: poseidon([i, i + 1]), seconds),
        "verify": rate(check, seconds),
        "merkle": rate(lambda i: tree.update(rng.randrange(1 << 20), i + 1), seconds),
    }


def js_rates(seconds: float) -> dict[str, float]:
    out = subprocess.run(
        ["node", "benchmarks/js/bench_crypto.mjs", str(seconds)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.0, help="time budget per measurement")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds, best kept")
    args = ap.parse_args()
    js: dict[str, float] = {}
    py: dict[str, float] = {}
    for _ in range(args.rounds):
        for best, measured in ((js, js_rates(args.seconds)), (py, python_rates(args.seconds))):
            for k, v in measured.items():
                best[k] = max(best.get(k, 0.0), v)
    labels = {
        "poseidon2": "Poseidon(2) hashes/s",
        "verify": "EdDSA verifications/s",
        "merkle": "depth-20 leaf updates/s",
    }
    print(f"{'measure':26s} {'python':>10s} {'circomlibjs':>12s} {'ratio':>7s}")
    for k, label in labels.items():
        print(f"{label:26s} {py[k]:10.0f} {js[k]:12.0f} {py[k] / js[k]:7.2f}")


if __name__ == "__main__":
    main()
