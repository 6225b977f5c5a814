"""Both backends prove the smoke circuit; snarkjs accepts each proof, not a changed input."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from prover.build import snarkjs_cli
from prover.errors import ProvingError
from prover.proving.interface import ProvingKeys
from prover.proving.select import make_backend
from prover.proving.zkey_check import check_belongs
from tests.prover.proving.conftest import snarkjs_accepts, with_public_changed

CASES = [("dev", "arkworks"), ("dev", "snarkjs"), ("ceremony", "arkworks"), ("ceremony", "snarkjs")]


def _keys(request: pytest.FixtureRequest, mode: str) -> ProvingKeys:
    return request.getfixturevalue(f"smoke_{mode}_keys")


@pytest.mark.parametrize(("mode", "backend"), CASES)
def test_proof_verifies_with_snarkjs_and_changed_input_is_rejected(
    request: pytest.FixtureRequest, smoke_wtns: Path, tmp_path: Path, mode: str, backend: str
) -> None:
    keys = _keys(request, mode)
    proof = make_backend(backend, keys).prove(smoke_wtns)
    assert proof.public[-1] == "33"  # public signals: outputs (digest), then product
    assert len(proof.public) == keys.n_public == 2
    assert snarkjs_accepts(keys, proof, tmp_path)
    for index in range(len(proof.public)):
        assert not snarkjs_accepts(keys, with_public_changed(proof, index), tmp_path)


def test_both_backends_agree_on_public_signals_and_calldata_layout(
    smoke_ceremony_keys: ProvingKeys, smoke_wtns: Path, tmp_path: Path
) -> None:
    ark = make_backend("arkworks", smoke_ceremony_keys).prove(smoke_wtns)
    ref = make_backend("snarkjs", smoke_ceremony_keys).prove(smoke_wtns)
    assert ark.public == ref.public
    snarkjs_accepts(smoke_ceremony_keys, ark, tmp_path)  # writes proof.json/public.json
    expected = snarkjs_cli.solidity_calldata(tmp_path / "proof.json", tmp_path / "public.json")
    assert tuple(ark.calldata) == expected
    assert len(ark.to_bytes()) == 256


def test_snarkjs_backend_needs_a_zkey(smoke_dev_keys: ProvingKeys, tmp_path: Path) -> None:
    lost = dataclasses.replace(smoke_dev_keys, zkey=tmp_path / "gone.zkey")
    with pytest.raises(ProvingError, match="needs a .zkey"):
        make_backend("snarkjs", lost)


def test_dev_keys_are_marked_insecure_and_cached(smoke_dev_keys: ProvingKeys, smoke) -> None:
    from prover.proving.dev_setup import dev_keys

    assert smoke_dev_keys.insecure and smoke_dev_keys.mode == "dev"
    assert (smoke_dev_keys.folder / "INSECURE.txt").is_file()
    check_belongs(smoke_dev_keys.zkey, smoke.r1cs)  # a .zkey of exactly this circuit
    assert smoke_dev_keys.zkey.parent == smoke_dev_keys.folder
    assert dev_keys(smoke).folder == smoke_dev_keys.folder
