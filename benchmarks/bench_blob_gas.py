"""Gas of the contract's DBK3 blob check per entry, against the old keccak-only binding.

    .venv/bin/python benchmarks/bench_blob_gas.py [--sizes 0,1,8,32,128]

On a fresh anvil, contracts/test/DataBlobProbe.sol runs Settlement's own DataBlob.bind (parse:
magic, P, length, ascending ids, every word < p; alpha; F = prod (beta - e)) and, as the
baseline, keccak256(data) mod p (the DBK2 dataHash). Numbers are execution gas measured with
gasleft() in the probe (not a transaction's gas: on Prague that is often the EIP-7623 calldata
floor, 40 gas per non-zero byte, which hides execution). Beside them, what every entry costs
anyway: its calldata (16 gas per non-zero byte) plus LOG data (8 gas per byte), 132 bytes at
P = 2 and 4 (about 3,170 gas).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from prover.build.anvil import deploy, local_chain
from prover.build.solidity import collect_sources, compile_sources
from prover.build.toolchain import repo_root
from prover.crypto.field import P as FIELD
from prover.statement import data_blob
from testkit.blobs import random_blob


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="0,1,8,32,128", help="entries per blob")
    ap.add_argument("--positions", default="2,4,5", help="P values")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    art = compile_sources(collect_sources(repo_root() / "contracts/test/DataBlobProbe.sol"))[
        "DataBlobProbe"
    ]
    rng = random.Random(7)
    with local_chain() as chain:
        probe = deploy(chain.w3, art.abi, art.bytecode)
        print(f"{'P':>2} {'entries':>7} {'bytes':>6} {'keccak-only':>12} {'DBK3 check':>11}")
        per_entry_data = {}
        for p in (int(x) for x in args.positions.split(",")):
            rows = []
            for n in sizes:
                data = random_blob(n, p, rng)
                root = rng.randrange(1, FIELD)
                base = probe.functions.hashOnlyGas(data).call()
                full = probe.functions.bindGas(data, root, p).call()
                binding = probe.functions.bind(data, root, p).call()
                assert binding == data_blob.binding(data, root)  # same numbers as Python
                rows.append((n, base, full))
                print(f"{p:>2} {n:>7} {len(data):>6} {base:>12,} {full:>11,}")
            (n0, b0, f0), (n1, b1, f1) = rows[0], rows[-1]
            per_base, per_full = (b1 - b0) / (n1 - n0), (f1 - f0) / (n1 - n0)
            size = data_blob.entry_bytes(p)
            share = 16 * size + 8 * size  # calldata (all bytes non-zero, near enough) + LOG
            per_entry_data[p] = share
            print(
                f"P = {p}: check {per_full:,.0f} gas per entry, keccak-only {per_base:,.0f} "
                f"(ratio {per_full / per_base:.1f}); the entry's own data costs about "
                f"{share:,} gas (calldata + LOG), so the check adds "
                f"{(per_full - per_base) / share:.0%} to it"
            )


if __name__ == "__main__":
    main()
