"""Powers-of-tau files: a cached local development ceremony, or an external file.

The development ceremony is INSECURE (one contributor, entropy from this machine): it is for
tests and demos only. Production keys come from an external ceremony passed with --ptau.
"""

from __future__ import annotations

import secrets
import struct
import sys
from pathlib import Path

from prover.build import binfile, cache, toolchain
from prover.errors import DarkbookError

MAX_DEV_POWER = 20


def ptau_power(path: Path) -> int:
    """The power a .ptau file supports, read from its header; refuses a damaged file."""
    sections = binfile.read_sections(Path(path), b"ptau")
    header = binfile.read_section(path, sections, 1)  # n8, prime (n8 bytes), power
    (n8,) = struct.unpack("<I", header[:4])
    return struct.unpack("<I", header[4 + n8 : 8 + n8])[0]


def power_for(constraints: int) -> int:
    """Smallest power whose domain fits the circuit (snarkjs needs 2^p >= constraints + inputs)."""
    power = 8
    while (1 << power) < constraints + 64:
        power += 1
    return power


def dev_ptau(power: int, *, progress: bool = True) -> Path:
    """A cached, phase-2-prepared development ceremony file of the given power (INSECURE)."""
    if not 1 <= power <= MAX_DEV_POWER:
        raise DarkbookError(f"development ceremony power {power} out of range 1..{MAX_DEV_POWER}")
    key = cache.content_key("ptau-dev", str(power), toolchain.tool_version("snarkjs"))
    found = cache.lookup("ptau", key)
    if found is None:
        with cache.building("ptau", key, label=f"INSECURE dev 2^{power}") as scratch:
            _ceremony(power, scratch, progress)
        found = cache.entry_path("ptau", key)
    return found / "final.ptau"


def _ceremony(power: int, out: Path, progress: bool) -> None:
    if progress:
        print(
            f"INSECURE development powers-of-tau ceremony at 2^{power} "
            "(cached; takes minutes at 2^14 and above) ...",
            file=sys.stderr,
            flush=True,
        )
    steps = [
        ["powersoftau", "new", "bn128", str(power), out / "p0.ptau"],
        [
            "powersoftau",
            "contribute",
            out / "p0.ptau",
            out / "p1.ptau",
            "--name=darkbook-dev",
            "-e=" + secrets.token_hex(32),
        ],
        ["powersoftau", "prepare", "phase2", out / "p1.ptau", out / "final.ptau"],
    ]
    for i, step in enumerate(steps, 1):
        if progress:
            print(f"  [{i}/3] snarkjs {step[0]} {step[1]}", file=sys.stderr, flush=True)
        toolchain.run_tool("snarkjs", step)
    (out / "p0.ptau").unlink()
    (out / "p1.ptau").unlink()
