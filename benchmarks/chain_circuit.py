"""Synthetic benchmark circuits of about 2^p constraints: a chain of Poseidon(2) hashes.

Poseidon is what the batch circuit spends most constraints on, so its proving cost per
constraint is representative. Sources are written under build/bench/ and compiled through the
project's cache, so each size compiles once.
"""

from __future__ import annotations

from pathlib import Path

from prover.build.circom import CompiledCircuit, compile_circuit
from prover.build.toolchain import repo_root

POSEIDON2 = 240  # constraints per Poseidon(2) with --O2 (docs: DESIGN.md constraint budget)

_SOURCE = """pragma circom 2.1.0;

include "poseidon.circom";

// Benchmark circuit: {n} chained Poseidon(2) hashes, about 2^{power} constraints.
template Chain(n) {{
    signal input seed;   // public
    signal input secret;
    signal output out;
    signal h[n + 1];
    h[0] <== secret;
    for (var i = 0; i < n; i++) {{
        h[i + 1] <== Poseidon(2)([h[i], seed]);
    }}
    out <== h[n];
}}

component main {{public [seed]}} = Chain({n});
"""


def hashes_for(power: int) -> int:
    """As many hashes as fit a 2^power domain (constraints + public signals + 1 <= 2^power)."""
    return max(1, ((1 << power) - 64) // POSEIDON2)


def chain_circuit(power: int, *, progress: bool = False) -> CompiledCircuit:
    folder = repo_root() / "build" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"chain_{power}.circom"
    n = hashes_for(power)
    text = _SOURCE.format(n=n, power=power)
    if not source.is_file() or source.read_text() != text:
        source.write_text(text)
    return compile_circuit(source, progress=progress)


def chain_input(seed: int = 7, secret: int = 12345) -> dict[str, int]:
    return {"seed": seed, "secret": secret}


def source_path(power: int) -> Path:
    return repo_root() / "build" / "bench" / f"chain_{power}.circom"
