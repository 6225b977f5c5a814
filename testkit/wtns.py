"""Read and write snarkjs .wtns files and find signals by name (for mutation tests)."""

from __future__ import annotations

import struct
from pathlib import Path

from prover.build.circom import CompiledCircuit


def read_wtns(path: Path) -> list[int]:
    """The witness values, wire 0 first."""
    data = path.read_bytes()
    assert data[:4] == b"wtns"
    n_sections = struct.unpack_from("<I", data, 8)[0]
    pos, n8, values = 12, 32, []
    for _ in range(n_sections):
        sid, size = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if sid == 1:
            n8 = struct.unpack_from("<I", data, pos)[0]
        elif sid == 2:
            count = size // n8
            values = [
                int.from_bytes(data[pos + i * n8 : pos + (i + 1) * n8], "little")
                for i in range(count)
            ]
        pos += size
    return values


def write_wtns(path: Path, template: Path, values: list[int]) -> None:
    """Write values into a copy of the template .wtns (same header, same wire count)."""
    data = bytearray(template.read_bytes())
    n_sections = struct.unpack_from("<I", data, 8)[0]
    pos, n8 = 12, 32
    for _ in range(n_sections):
        sid, size = struct.unpack_from("<IQ", data, pos)
        pos += 12
        if sid == 1:
            n8 = struct.unpack_from("<I", data, pos)[0]
        elif sid == 2:
            assert size // n8 == len(values)
            for i, v in enumerate(values):
                data[pos + i * n8 : pos + (i + 1) * n8] = v.to_bytes(n8, "little")
        pos += size
    path.write_bytes(bytes(data))


def signal_index(circuit: CompiledCircuit, name: str) -> int:
    """The witness wire of a named signal (from the .sym file)."""
    if circuit.sym is None:
        raise KeyError(f"{name}: {circuit.name} was compiled without symbols")
    for line in circuit.sym.read_text().splitlines():
        parts = line.split(",")
        if len(parts) >= 4 and parts[3] == name:
            return int(parts[1])
    raise KeyError(name)
