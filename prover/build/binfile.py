"""Read the iden3 binary containers circom and snarkjs write (.r1cs, .wtns, .zkey, .ptau).

Each is: 4 magic bytes, a u32 version, a u32 section count, then sections of (u32 type,
u64 length, body). We parse only headers and small sections in Python, so that a key or
witness that does not belong to a circuit is refused before any prover touches it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from prover.errors import BinFileError

Sections = dict[int, list[tuple[int, int]]]


def read_sections(path: Path, magic: bytes) -> Sections:
    """Offsets and lengths of every section; refuses a wrong magic or a truncated file."""
    path = Path(path)
    if not path.is_file():
        raise BinFileError(f"{path} does not exist")
    size = path.stat().st_size
    sections: Sections = {}
    with path.open("rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != magic:
            raise BinFileError(f"{path} is not a .{magic.decode()} file (bad magic bytes)")
        (count,) = struct.unpack("<I", head[8:12])
        pos = 12
        for _ in range(count):
            fh.seek(pos)
            hdr = fh.read(12)
            if len(hdr) < 12:
                raise BinFileError(f"{path} is damaged: truncated section table")
            kind, length = struct.unpack("<IQ", hdr)
            if pos + 12 + length > size:
                raise BinFileError(
                    f"{path} is damaged: section {kind} runs past the end of the file "
                    f"({pos + 12 + length} > {size} bytes)"
                )
            sections.setdefault(kind, []).append((pos + 12, length))
            pos += 12 + length
    return sections


def read_section(path: Path, sections: Sections, kind: int) -> bytes:
    if kind not in sections:
        raise BinFileError(f"{path} is damaged: no section {kind}")
    offset, length = sections[kind][0]
    with Path(path).open("rb") as fh:
        fh.seek(offset)
        return fh.read(length)


@dataclass(frozen=True)
class R1csHeader:
    """The shape of a circuit: what a key and a witness must agree with."""

    prime: int
    n_wires: int
    n_outputs: int
    n_pub_inputs: int
    n_prv_inputs: int
    n_constraints: int

    @property
    def n_public(self) -> int:
        """Public signals as snarkjs counts them: outputs, then public inputs."""
        return self.n_outputs + self.n_pub_inputs


def r1cs_header(path: Path) -> R1csHeader:
    sections = read_sections(path, b"r1cs")
    body = read_section(path, sections, 1)
    (n8,) = struct.unpack_from("<I", body, 0)
    prime = int.from_bytes(body[4 : 4 + n8], "little")
    wires, outs, pubs, prvs, _labels, constraints = struct.unpack_from("<IIIIQI", body, 4 + n8)
    return R1csHeader(prime, wires, outs, pubs, prvs, constraints)


@dataclass(frozen=True)
class Witness:
    prime: int
    values: list[int]


def read_wtns(path: Path, *, limit: int | None = None) -> Witness:
    """The witness values (standard form), or only the first `limit` of them."""
    sections = read_sections(path, b"wtns")
    head = read_section(path, sections, 1)
    (n8,) = struct.unpack_from("<I", head, 0)
    prime = int.from_bytes(head[4 : 4 + n8], "little")
    (count,) = struct.unpack_from("<I", head, 4 + n8)
    offset, length = sections[2][0] if 2 in sections else (0, -1)
    if length != count * n8:
        raise BinFileError(f"{path} is damaged: {count} values announced, {length} bytes stored")
    take = count if limit is None else min(limit, count)
    with Path(path).open("rb") as fh:
        fh.seek(offset)
        raw = fh.read(take * n8)
    values = [int.from_bytes(raw[i * n8 : (i + 1) * n8], "little") for i in range(take)]
    return Witness(prime, values)


def wtns_size(path: Path) -> tuple[int, int]:
    """(prime, number of values) of a .wtns without reading the values."""
    sections = read_sections(path, b"wtns")
    head = read_section(path, sections, 1)
    (n8,) = struct.unpack_from("<I", head, 0)
    prime = int.from_bytes(head[4 : 4 + n8], "little")
    (count,) = struct.unpack_from("<I", head, 4 + n8)
    return prime, count
