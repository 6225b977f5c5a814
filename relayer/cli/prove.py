"""`darkbook prove`: compile, set up, prove and verify one circuit; write snarkjs-format files.

Outside the checks of `make test`: a tool for proving any circom circuit with the project's
cached pipeline. Default backend arkworks with INSECURE dev keys; `--ptau FILE` for keys from
an external powers-of-tau ceremony.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prover.proving.interface import BACKENDS
from prover.proving.prove_circuit import OUTPUTS, prove_circuit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prove",
        help="compile, set up, prove and verify a circuit; write proof.json, public.json, ...",
    )
    p.add_argument("circuit", type=Path, help="the main .circom file")
    p.add_argument("--input", type=Path, required=True, help="input signals (JSON object)")
    p.add_argument("--out", type=Path, required=True, help="folder for the four output files")
    p.add_argument("--backend", choices=BACKENDS, default="arkworks")
    p.add_argument(
        "--ptau",
        type=Path,
        default=None,
        help="powers-of-tau file: ceremony keys (snarkjs phase 2) instead of INSECURE dev keys",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    result = prove_circuit(
        args.circuit,
        args.input,
        args.out,
        backend=args.backend,
        ptau_file=args.ptau,
        progress=True,
    )
    s = result.seconds
    keys = result.keys
    compiled = "cached" if result.compile_cached else f"{s['compile']:.1f}s"
    setup = "cached" if result.setup_cached else f"{s['setup']:.1f}s"
    print(
        f"{result.circuit.name}: {result.circuit.constraints} constraints; compile {compiled}, "
        f"{keys.mode} setup {setup}, witness {s['witness']:.2f}s, "
        f"{result.proof.backend} proof {s['prove']:.2f}s, verified"
    )
    if keys.insecure:
        how = "single-party setup" if keys.mode == "dev" else "the development ceremony"
        print(f"WARNING: INSECURE keys from {how}: for tests and demos only")
    print(f"wrote {', '.join(OUTPUTS)} to {result.out_dir}")
    return 0
