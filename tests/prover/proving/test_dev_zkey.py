"""The development .zkey: its scalars, its points and the file itself, checked against snarkjs.

snarkjs is the reference here: it exports the verification key from our .zkey, proves from it
and verifies; the circuit check (zkey_check) finds exactly the circuit's coefficients in it.
"""

from __future__ import annotations

import random
from pathlib import Path

import groth16py
import pytest

from prover.build import snarkjs_cli
from prover.build.binfile import r1cs_header
from prover.build.circom import CompiledCircuit
from prover.errors import ZkeyError
from prover.proving import dev_zkey
from prover.proving.dev_zkey import R, Toxic, lagrange_at, root_of_unity, write_dev_zkey
from prover.proving.zkey_check import check_belongs, check_gamma_delta

Q = dev_zkey.Q
MONT = pow(2, 256, Q)


def _g1(raw: bytes) -> tuple[int, int] | None:
    """A .zkey G1 point (Montgomery coordinates) as integers; None for the point at infinity."""
    if raw == bytes(64):
        return None
    inv = pow(MONT, -1, Q)
    return (
        int.from_bytes(raw[:32], "little") * inv % Q,
        int.from_bytes(raw[32:], "little") * inv % Q,
    )


def _add(p: tuple[int, int], q: tuple[int, int]) -> tuple[int, int]:
    (x1, y1), (x2, y2) = p, q
    lam = (3 * x1 * x1 * pow(2 * y1, -1, Q) if p == q else (y2 - y1) * pow(x2 - x1, -1, Q)) % Q
    x3 = (lam * lam - x1 - x2) % Q
    return x3, (lam * (x1 - x3) - y1) % Q


def test_lagrange_basis_interpolates_on_the_domain_and_its_odd_coset() -> None:
    tau, n = random.Random(1).randrange(R), 8
    coeffs = [random.Random(2).randrange(R) for _ in range(n)]

    def f(x: int) -> int:
        return sum(c * pow(x, i, R) for i, c in enumerate(coeffs)) % R

    w = root_of_unity(n)
    basis = lagrange_at(tau, n)
    assert sum(b * f(pow(w, i, R)) for i, b in enumerate(basis)) % R == f(tau)
    w2 = root_of_unity(2 * n)  # L_{2i+1} over the 2n domain, each against the naive product
    odd = lagrange_at(tau, n, odd_of_2n=True)
    for i in (0, 3, n - 1):
        k = 2 * i + 1
        expect = 1
        for j in range(2 * n):
            if j != k:
                expect = expect * (tau - pow(w2, j, R)) * pow(pow(w2, k, R) - pow(w2, j, R), -1, R)
        assert odd[i] == expect % R
    assert pow(w, n, R) == 1 and pow(w, n // 2, R) == R - 1  # a primitive n-th root


def test_points_are_the_scalar_multiples_of_the_generators() -> None:
    rng = random.Random(3)
    a, b = rng.randrange(R), rng.randrange(R)
    scalars = [0, 1, 2, R - 1, a, b, (a + b) % R]
    g1 = dev_zkey._multiples("g1", scalars, 64)
    p = [_g1(g1[i * 64 : (i + 1) * 64]) for i in range(len(scalars))]
    assert p[0] is None and p[1] == (1, 2) and p[3] == (1, Q - 2)  # 0, G and -G
    assert p[2] == _add((1, 2), (1, 2))
    assert p[4] is not None and p[5] is not None and p[6] == _add(p[4], p[5])
    assert all(y * y % Q == (x**3 + 3) % Q for x, y in filter(None, p))
    g2 = dev_zkey._multiples("g2", [0, 1, R - 1], 128)
    assert g2[:128] == bytes(128)
    one, minus = g2[128:256], g2[256:]
    assert one[:64] == minus[:64] and one[64:] != minus[64:]  # -P: same x, y negated


@pytest.fixture(scope="module")
def smoke_zkey(smoke: CompiledCircuit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("devzkey") / "smoke.zkey"
    rng = random.Random(4)
    write_dev_zkey(smoke.r1cs, out, Toxic(*(rng.randrange(1, R) for _ in range(5))))
    return out


def test_snarkjs_reads_the_key_proves_with_it_and_accepts_the_proof(
    smoke_zkey: Path, smoke_wtns: Path, tmp_path: Path
) -> None:
    vkey = snarkjs_cli.export_vkey(smoke_zkey, tmp_path / "vk.json")
    _, ark_vk = groth16py.import_zkey(str(smoke_zkey))
    ours = groth16py.VerifyingKey.from_snarkjs_file(str(tmp_path / "vk.json"))
    assert ours.to_json() == ark_vk.to_json()  # snarkjs and groth16py read the same key
    assert vkey["nPublic"] == 2
    _, public = snarkjs_cli.prove(
        smoke_zkey, smoke_wtns, tmp_path / "proof.json", tmp_path / "public.json"
    )
    assert public[-1] == "33"
    assert snarkjs_cli.verify(
        tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json"
    )
    (tmp_path / "public.json").write_text('["1", "34"]')  # another statement: refused
    assert not snarkjs_cli.verify(
        tmp_path / "vk.json", tmp_path / "public.json", tmp_path / "proof.json"
    )


def test_the_key_holds_exactly_its_circuit(
    smoke_zkey: Path, smoke: CompiledCircuit, square: CompiledCircuit
) -> None:
    check_belongs(smoke_zkey, smoke.r1cs)
    assert check_gamma_delta(smoke_zkey).n_vars == r1cs_header(smoke.r1cs).n_wires
    with pytest.raises(ZkeyError, match="was not made for"):
        check_belongs(smoke_zkey, square.r1cs)
