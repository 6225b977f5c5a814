"""`darkbook demo`: the main job on embedded defaults (for now: the toolchain smoke flow)."""

from __future__ import annotations

import argparse

from relayer.cli import smoke


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the end-to-end demo on a local chain")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print("Darkbook demo: toolchain smoke flow (circom -> snarkjs -> verifier on anvil)")
    return smoke.run(args)
