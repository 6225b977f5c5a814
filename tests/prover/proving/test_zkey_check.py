"""Keys are refused when unsafe (gamma = delta) or made for another circuit, before proving."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import groth16py
import pytest

from prover.build import ptau, toolchain
from prover.build.circom import CompiledCircuit
from prover.errors import ProvingError, ZkeyError
from prover.proving.ceremony import import_zkey, same_vkey
from prover.proving.interface import ProvingKeys
from prover.proving.key_folder import check_keys_fit, load_keys
from prover.proving.prove_circuit import compute_witness
from prover.proving.select import make_backend
from prover.proving.snarkjs_setup import snarkjs_keys
from prover.proving.zkey_check import check_belongs, check_gamma_delta


def test_zkey_without_contribution_has_gamma_equal_delta_and_is_refused(
    smoke: CompiledCircuit, tmp_path: Path
) -> None:
    raw = tmp_path / "no_contribution.zkey"
    dev_ptau = ptau.dev_ptau(ptau.power_for(smoke.constraints), progress=False)
    toolchain.run_tool("snarkjs", ["groth16", "setup", smoke.r1cs, dev_ptau, raw])
    with pytest.raises(ZkeyError, match="gamma_2 = delta_2"):
        check_gamma_delta(raw)
    with pytest.raises(ZkeyError, match="forge"):
        import_zkey(raw, smoke)


def test_imported_zkey_yields_the_verification_key_snarkjs_exports(
    smoke: CompiledCircuit, smoke_ceremony_keys: ProvingKeys
) -> None:
    keyset = snarkjs_keys(smoke)
    _, vk = groth16py.import_zkey(str(keyset.zkey))
    assert same_vkey(json.loads(vk.to_json()), keyset.vkey_json())
    assert smoke_ceremony_keys.vkey_json() == keyset.vkey_json()


def test_zkey_of_another_circuit_is_refused(
    smoke: CompiledCircuit, square: CompiledCircuit
) -> None:
    zkey = snarkjs_keys(smoke).zkey
    with pytest.raises(ZkeyError, match="not made for square"):
        check_belongs(zkey, square.r1cs)
    with pytest.raises(ZkeyError, match="not made for square"):
        import_zkey(zkey, square)


def test_zkey_with_same_shape_but_other_coefficients_is_refused(
    smoke: CompiledCircuit, tmp_path: Path
) -> None:
    zkey = tmp_path / "tampered.zkey"
    shutil.copy(snarkjs_keys(smoke).zkey, zkey)
    data = bytearray(zkey.read_bytes())
    from prover.build.binfile import read_sections

    offset, _ = read_sections(zkey, b"zkey")[4][0]
    data[offset + 4 + 12] ^= 1  # first coefficient's lowest byte
    zkey.write_bytes(bytes(data))
    with pytest.raises(ZkeyError, match="coefficients differ"):
        check_belongs(zkey, smoke.r1cs)


def test_key_folder_of_another_circuit_is_refused(
    square: CompiledCircuit, smoke_dev_keys: ProvingKeys
) -> None:
    with pytest.raises(ProvingError, match="another circuit"):
        check_keys_fit(load_keys(smoke_dev_keys.folder), square.r1cs)


def test_witness_of_another_circuit_is_refused_before_proving(
    square: CompiledCircuit,
    smoke_dev_keys: ProvingKeys,
    smoke_ceremony_keys: ProvingKeys,
    tmp_path: Path,
) -> None:
    wtns = compute_witness(square, {"x": 5}, tmp_path / "square.wtns")
    for keys, backend in ((smoke_dev_keys, "arkworks"), (smoke_ceremony_keys, "snarkjs")):
        with pytest.raises(ProvingError, match="different circuits"):
            make_backend(backend, keys).prove(wtns)
