"""Checks on a snarkjs Groth16 .zkey that snarkjs itself does not make.

- gamma != delta. A zkey with no phase-2 contribution has gamma_2 = delta_2 (both the G2
  generator), and with such a key anyone can forge proofs for any public input; yet
  `snarkjs zkey verify` passes it. We read both points from the header and refuse equality.
- The key belongs to the circuit. Its header must match the .r1cs (wires, public signals,
  domain) and its coefficient section must be exactly what `groth16 setup` derives from this
  .r1cs's A and B matrices (each value scaled by one constant, read from the zkey itself),
  so a key made for another circuit is refused before proving, not after a failed proof.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from prover.build.binfile import r1cs_header, read_section, read_sections
from prover.errors import ZkeyError

GROTH16 = 1


@dataclass(frozen=True)
class ZkeyHeader:
    n8q: int
    n8r: int
    r: int
    n_vars: int
    n_public: int
    domain_size: int
    gamma_2: bytes
    delta_2: bytes


def zkey_header(path: Path) -> ZkeyHeader:
    sections = read_sections(path, b"zkey")
    (protocol,) = struct.unpack_from("<I", read_section(path, sections, 1), 0)
    if protocol != GROTH16:
        raise ZkeyError(f"{path} is not a Groth16 zkey (protocol id {protocol})")
    body = read_section(path, sections, 2)
    (n8q,) = struct.unpack_from("<I", body, 0)
    pos = 4 + n8q
    (n8r,) = struct.unpack_from("<I", body, pos)
    r = int.from_bytes(body[pos + 4 : pos + 4 + n8r], "little")
    pos += 4 + n8r
    n_vars, n_public, domain = struct.unpack_from("<III", body, pos)
    pos += 12
    g1, g2 = 2 * n8q, 4 * n8q
    pos += g1 + g1 + g2  # alpha_1, beta_1, beta_2
    gamma_2 = body[pos : pos + g2]
    pos += g2 + g1  # gamma_2, delta_1
    delta_2 = body[pos : pos + g2]
    return ZkeyHeader(n8q, n8r, r, n_vars, n_public, domain, gamma_2, delta_2)


def check_gamma_delta(path: Path) -> ZkeyHeader:
    """Refuse a zkey whose gamma_2 equals delta_2 (no phase-2 contribution: forgeable)."""
    header = zkey_header(path)
    if header.gamma_2 == header.delta_2:
        raise ZkeyError(
            f"{path} has gamma_2 = delta_2 (no phase-2 contribution): anyone could forge "
            "proofs with it. Run `snarkjs zkey contribute` at least once."
        )
    return header


def check_belongs(zkey: Path, r1cs: Path) -> None:
    """Refuse a zkey that was not set up from this .r1cs."""
    head = zkey_header(zkey)
    circ = r1cs_header(r1cs)
    problems = []
    if head.r != circ.prime:
        problems.append("different scalar field")
    if head.n_vars != circ.n_wires:
        problems.append(f"{head.n_vars} wires in the key, {circ.n_wires} in the circuit")
    if head.n_public != circ.n_public:
        problems.append(
            f"{head.n_public} public signals in the key, {circ.n_public} in the circuit"
        )
    if head.domain_size < circ.n_constraints + circ.n_public + 1:
        problems.append(f"domain 2^{head.domain_size.bit_length() - 1} too small")
    if not problems:
        stored = read_section(zkey, read_sections(zkey, b"zkey"), 4)
        if stored != _expected_coefficients(r1cs, head, stored):
            problems.append("its constraint coefficients differ from the circuit's")
    if problems:
        raise ZkeyError(f"{zkey} was not made for {r1cs.name}: " + "; ".join(problems))


def _expected_coefficients(r1cs: Path, head: ZkeyHeader, stored: bytes) -> bytes:
    """Section 4 as `groth16 setup` writes it: A and B terms, then one A term per public wire.

    Each value is stored times a constant K (a Montgomery factor); the public-wire terms have
    coefficient 1, so K is the value of the zkey's last entry.
    """
    n8 = head.n8r
    scale = int.from_bytes(stored[-n8:], "little") if len(stored) >= n8 else 1
    circ = r1cs_header(r1cs)
    data = read_section(r1cs, read_sections(r1cs, b"r1cs"), 2)
    out = bytearray()
    count = 0
    pos = 0
    for c in range(circ.n_constraints):
        for matrix in range(3):
            (n,) = struct.unpack_from("<I", data, pos)
            pos += 4
            for _ in range(n):
                if matrix < 2:
                    (wire,) = struct.unpack_from("<I", data, pos)
                    value = int.from_bytes(data[pos + 4 : pos + 4 + n8], "little")
                    out += struct.pack("<III", matrix, c, wire)
                    out += (value * scale % head.r).to_bytes(n8, "little")
                    count += 1
                pos += 4 + n8
    for s in range(circ.n_public + 1):
        out += struct.pack("<III", 0, circ.n_constraints + s, s) + scale.to_bytes(n8, "little")
        count += 1
    return struct.pack("<I", count) + bytes(out)
