"""A development .zkey straight from the .r1cs: a single-party Groth16 setup (INSECURE).

groth16py's saved arkworks key takes ~35 s to load at `demo` size (it checks every point); a
snarkjs .zkey imports in about a second, but a ceremony of 2^19 takes hours here. This writes
the .zkey snarkjs `zkey new` would write from a prepared powers of tau, with tau, alpha, beta,
gamma and delta drawn here and known to this process (hence insecure): every point is a scalar
times a generator, the scalars computed here in Python, the multiples by ffjavascript
(dev_zkey_points.js, one process per core). Layout and conventions are snarkjs's (zkey_new.js):
domain roots from 5, H on the odd points of the 2n domain, coefficients stored times R^2.
"""

from __future__ import annotations

import os
import secrets
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from prover.build import toolchain
from prover.build.binfile import r1cs_header, read_section, read_sections
from prover.crypto.field import P as R  # the scalar field: every exponent and coefficient
from prover.errors import ProvingError

Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583  # base field
_TWO_ADICITY = 28
_ROOT = pow(5, (R - 1) >> _TWO_ADICITY, R)  # ffjavascript's: 5 is Fr's smallest non-residue
POINTS_SCRIPT = Path(__file__).with_name("dev_zkey_points.js")


@dataclass(frozen=True)
class Toxic:
    """The setup's secrets: whoever knows them can forge proofs."""

    tau: int
    alpha: int
    beta: int
    gamma: int
    delta: int

    @staticmethod
    def draw() -> Toxic:
        return Toxic(*(1 + secrets.randbelow(R - 1) for _ in range(5)))


def root_of_unity(n: int) -> int:
    return pow(_ROOT, (1 << _TWO_ADICITY) // n, R)


def lagrange_at(tau: int, n: int, odd_of_2n: bool = False) -> list[int]:
    """L_i(tau) over the n-th roots of unity, or (odd_of_2n) L_{2i+1}(tau) over the 2n-th."""
    size = 2 * n if odd_of_2n else n
    w = root_of_unity(size)
    step, x = (w * w % R, w) if odd_of_2n else (w, 1)
    points = []
    for _ in range(n):
        points.append(x)
        x = x * step % R
    common = (pow(tau, size, R) - 1) * pow(size, -1, R) % R
    inv = _batch_inverse([(tau - p) % R for p in points])
    return [p * common % R * i % R for p, i in zip(points, inv, strict=True)]


def _batch_inverse(values: Sequence[int]) -> list[int]:
    prefix = [1] * (len(values) + 1)
    for i, v in enumerate(values):
        prefix[i + 1] = prefix[i] * v % R
    inv = pow(prefix[-1], -1, R)
    out = [0] * len(values)
    for i in range(len(values) - 1, -1, -1):
        out[i] = prefix[i] * inv % R
        inv = inv * values[i] % R
    return out


@dataclass
class Qap:
    """Each wire's A, B and C polynomials at tau, and section 4 of the .zkey (A and B terms)."""

    a: list[int]
    b: list[int]
    c: list[int]
    coefficients: bytes


def qap_at(r1cs: Path, lagrange: list[int]) -> Qap:
    """The r1cs's rows at tau, then one A row per public wire (1 times it), as snarkjs does."""
    head = r1cs_header(r1cs)
    data = read_section(r1cs, read_sections(r1cs, b"r1cs"), 2)
    polys = ([0] * head.n_wires, [0] * head.n_wires, [0] * head.n_wires)
    r2 = pow(2, 512, R)  # snarkjs stores a coefficient times R^2 (R = 2^256 mod r)
    out = bytearray()
    pos = 0
    for row in range(head.n_constraints):
        at = lagrange[row]
        for matrix, poly in enumerate(polys):
            (count,) = struct.unpack_from("<I", data, pos)
            pos += 4
            for _ in range(count):
                (wire,) = struct.unpack_from("<I", data, pos)
                coef = int.from_bytes(data[pos + 4 : pos + 36], "little")
                pos += 36
                poly[wire] = (poly[wire] + coef * at) % R
                if matrix < 2:
                    out += struct.pack("<III", matrix, row, wire)
                    out += (coef * r2 % R).to_bytes(32, "little")
    for wire in range(head.n_public + 1):
        row = head.n_constraints + wire
        polys[0][wire] = (polys[0][wire] + lagrange[row]) % R
        out += struct.pack("<III", 0, row, wire) + r2.to_bytes(32, "little")
    count = len(out) // 44
    return Qap(*polys, struct.pack("<I", count) + bytes(out))


def write_dev_zkey(r1cs: Path, out: Path, toxic: Toxic | None = None) -> None:
    """Write ``out``, a groth16 .zkey for ``r1cs`` from freshly drawn secrets (or ``toxic``)."""
    t = toxic or Toxic.draw()
    head = r1cs_header(r1cs)
    n = 1
    while n < head.n_constraints + head.n_public + 1:  # the rows and one per public wire
        n *= 2
    qap = qap_at(r1cs, lagrange_at(t.tau, n))
    pub = head.n_public + 1
    k = [(t.beta * a + t.alpha * b + c) % R for a, b, c in zip(qap.a, qap.b, qap.c, strict=True)]
    gamma_inv, delta_inv = pow(t.gamma, -1, R), pow(t.delta, -1, R)
    h = [x * delta_inv % R for x in lagrange_at(t.tau, n, odd_of_2n=True)]
    g1 = [t.alpha, t.beta, t.delta]
    g1 += [x * gamma_inv % R for x in k[:pub]] + qap.a + qap.b
    g1 += [x * delta_inv % R for x in k[pub:]] + h
    g1_counts = (1, 1, 1, pub, head.n_wires, head.n_wires, head.n_wires - pub, n)
    alpha1, beta1, delta1, ic, a, b1, c, hs = _split(_multiples("g1", g1, 64), 64, g1_counts)
    g2 = [t.beta, t.gamma, t.delta, *qap.b]
    beta2, gamma2, delta2, b2 = _split(_multiples("g2", g2, 128), 128, (1, 1, 1, head.n_wires))
    header = struct.pack("<I", 32) + Q.to_bytes(32, "little") + struct.pack("<I", 32)
    header += R.to_bytes(32, "little") + struct.pack("<III", head.n_wires, head.n_public, n)
    header += alpha1 + beta1 + beta2 + gamma2 + delta1 + delta2
    no_contribution = bytes(64) + struct.pack("<I", 0)
    bodies = [struct.pack("<I", 1), header, ic, qap.coefficients, a, b1, b2, c, hs]
    with out.open("wb") as fh:  # sections 1..10 in order: groth16, header, IC, coefficients,
        fh.write(b"zkey" + struct.pack("<II", 1, 10))  # A, B1, B2, C, H, contributions
        for kind, body in enumerate([*bodies, no_contribution], start=1):
            fh.write(struct.pack("<IQ", kind, len(body)) + body)


def _split(buf: bytes, size: int, counts: Sequence[int]) -> list[bytes]:
    """``buf`` cut into runs of ``counts[i]`` items of ``size`` bytes."""
    out, pos = [], 0
    for count in counts:
        out.append(buf[pos : pos + count * size])
        pos += count * size
    return out


def _multiples(group: str, scalars: list[int], size: int) -> bytes:
    """scalar x generator for each scalar, by dev_zkey_points.js in one process per core."""
    jobs = max(1, min(os.cpu_count() or 1, len(scalars) // 1024 + 1))
    step = -(-len(scalars) // jobs)
    with tempfile.TemporaryDirectory(prefix="darkbook-devzkey-") as tmp:
        procs = []
        for j in range(jobs):
            part = scalars[j * step : (j + 1) * step]
            src, dst = Path(tmp) / f"{j}.in", Path(tmp) / f"{j}.out"
            src.write_bytes(b"".join(s.to_bytes(32, "little") for s in part))
            cmd = ["node", str(POINTS_SCRIPT), group, str(src), str(dst)]
            proc = subprocess.Popen(cmd, cwd=toolchain.repo_root(), stderr=subprocess.PIPE)
            procs.append((proc, dst))
        out = bytearray()
        for proc, dst in procs:
            _, err = proc.communicate()
            if proc.returncode != 0:
                raise ProvingError(f"dev_zkey_points.js failed: {err.decode(errors='replace')}")
            out += dst.read_bytes()
    if len(out) != len(scalars) * size:
        raise ProvingError(f"dev_zkey_points.js wrote {len(out)} bytes for {len(scalars)} points")
    return bytes(out)
