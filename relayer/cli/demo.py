"""`darkbook demo [--config demo|test]`: the venue's story told through the running service
(relayer/demo/flow.py).

`darkbook relayer run` starts in its own process (its own anvil, SQLite in a temporary folder,
INSECURE dev keys); four desks deposit on its chain, trade, hedge and withdraw over its HTTP
API; the service seals, proves and lands the batches by itself; the demo prints a report and
one JSON line. ``--config test`` runs the small circuit (seconds per proof).

``--exit-drill`` (relayer/demo/exit_drill.py): the desks trade, the operator stops for good,
exit mode is triggered and every desk rebuilds its state from chain data alone and exits.
"""

from __future__ import annotations

import argparse

from prover.statement.config import CONFIGS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the end-to-end demo through the service on a local chain")
    p.add_argument(
        "--config",
        choices=sorted(CONFIGS),
        default="demo",
        help="batch circuit configuration (default demo; test is fast)",
    )
    p.add_argument(
        "--exit-drill",
        action="store_true",
        help="stop the operator for good after trading; every desk recovers from chain data "
        "and exits (use with --config test)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.exit_drill:
        from relayer.demo.exit_drill import run_exit_drill

        out = run_exit_drill(args.config)
        return 0 if out["recovered_equal"] and out["exits_paid"] == out["desks"] else 1
    from relayer.demo.flow import run_demo

    report = run_demo(args.config)
    return 0 if report.summary()["calldata_leaks"] == 0 else 1
