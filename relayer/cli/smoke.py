"""`darkbook smoke`: the toolchain end to end (compile, setup, prove, verify off- and on-chain)."""

from __future__ import annotations

import argparse

from prover.proving.smoke import run_smoke


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("smoke", help="prove a tiny circuit and verify it with snarkjs and on anvil")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    report = run_smoke(progress=True, say=lambda m: print(f"  {m}", flush=True))
    print("smoke flow: " + ("PASSED" if report.passed else "FAILED"))
    return 0 if report.passed else 1
