"""`darkbook demo [--config demo|test]`: the whole venue on a local chain (relayer/demo/flow.py).

anvil, the contracts with the real batch verifier (INSECURE dev keys), the risk engine's market
table registered by the oracle, desks depositing on-chain, orders through the relayer's HTTP
API, batches proven with arkworks (checked with snarkjs) and settled, a withdrawal claimed,
and two refusals. ``--config test`` runs the small circuit (seconds per proof).
"""

from __future__ import annotations

import argparse

from prover.statement.config import CONFIGS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the end-to-end demo on a local chain")
    p.add_argument(
        "--config",
        choices=sorted(CONFIGS),
        default="demo",
        help="batch circuit configuration (default demo; test is fast)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from relayer.demo.flow import run_demo

    run_demo(args.config)
    return 0
