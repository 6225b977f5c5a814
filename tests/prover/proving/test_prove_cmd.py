"""`darkbook prove`: four snarkjs-format files, cached second run, and clear errors on bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from prover.build import ptau, snarkjs_cli
from prover.build.circom import CompiledCircuit
from prover.build.toolchain import repo_root
from prover.errors import DarkbookError, WitnessError
from prover.proving.prove_circuit import OUTPUTS, prove_circuit
from relayer.cli import main
from tests.prover.proving.conftest import HERE, SMOKE_INPUT

SMOKE = repo_root() / "circuits" / "smoke.circom"


def _input(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("backend", ["arkworks", "snarkjs"])
def test_cli_writes_snarkjs_files_that_verify(
    tmp_path: Path, backend: str, smoke_dev_keys: object, smoke_ceremony_keys: object
) -> None:
    out = tmp_path / "out"
    args = ["prove", str(SMOKE), "--input", str(_input(tmp_path, SMOKE_INPUT)), "--out", str(out)]
    assert main([*args, "--backend", backend]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    assert snarkjs_cli.verify(
        out / "verification_key.json", out / "public.json", out / "proof.json"
    )
    assert "contract Groth16Verifier" in (out / "Verifier.sol").read_text()
    proof = json.loads((out / "proof.json").read_text())
    assert proof["protocol"] == "groth16" and len(proof["pi_b"]) == 3


def test_second_run_skips_compile_and_setup(tmp_path: Path, smoke_dev_keys: object) -> None:
    first = prove_circuit(SMOKE, SMOKE_INPUT, tmp_path / "a")
    second = prove_circuit(SMOKE, SMOKE_INPUT, tmp_path / "b")
    assert second.compile_cached and second.setup_cached
    assert second.keys.folder == first.keys.folder


def test_circuit_outside_the_repo_finds_circomlib_and_its_own_includes(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    shutil.copy(HERE / "circuits" / "square.circom", folder / "square_lib.circom")
    (folder / "square_lib.circom").write_text(
        (folder / "square_lib.circom").read_text().replace("component main = Square();", "")
    )
    (folder / "main.circom").write_text(
        'pragma circom 2.1.0;\ninclude "square_lib.circom";\ninclude "poseidon.circom";\n'
        "template M() { signal input x; signal output y; signal output h;\n"
        "  y <== Square()(x); h <== Poseidon(1)([x]); }\ncomponent main = M();\n"
    )
    result = prove_circuit(folder / "main.circom", {"x": 4}, tmp_path / "out")
    assert result.proof.public[0] == "16"


def test_input_with_wrong_signals_lists_what_the_circuit_expects(tmp_path: Path) -> None:
    out = tmp_path / "out"
    bad = {"a": 3, "b": [11, 12], "prodcut": 33}
    with pytest.raises(WitnessError) as err:
        prove_circuit(SMOKE, bad, out)
    msg = str(err.value)
    assert "unknown signal 'prodcut'" in msg and "missing signal 'product'" in msg
    assert "'b' has 2 values, expected 1" in msg
    assert "expects: product, a, b" in msg
    assert not out.exists()


def test_unsatisfied_constraint_names_template_and_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(WitnessError) as err:
        prove_circuit(SMOKE, {"a": 3, "b": 11, "product": 34}, out)
    assert "template Smoke" in str(err.value)
    assert "smoke.circom:13" in str(err.value)
    assert not out.exists()


def test_cli_reports_bad_input_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = _input(tmp_path, {"a": 3})
    assert main(["prove", str(SMOKE), "--input", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "expects: product, a, b" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_missing_ptau_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.ptau"
    with pytest.raises(DarkbookError, match=r"--ptau .*nope\.ptau.*does not exist"):
        prove_circuit(SMOKE, SMOKE_INPUT, tmp_path / "out", ptau_file=missing)
    assert not (tmp_path / "out").exists()


def test_damaged_ptau_is_named(tmp_path: Path, smoke: CompiledCircuit) -> None:
    good = ptau.dev_ptau(ptau.power_for(smoke.constraints), progress=False)
    damaged = tmp_path / "damaged.ptau"
    damaged.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DarkbookError, match=r"--ptau .*damaged\.ptau.*damaged"):
        prove_circuit(SMOKE, SMOKE_INPUT, tmp_path / "out", ptau_file=damaged)
    junk = tmp_path / "junk.ptau"
    junk.write_bytes(b"not a ptau file at all")
    with pytest.raises(DarkbookError, match=r"--ptau .*junk\.ptau"):
        prove_circuit(SMOKE, SMOKE_INPUT, tmp_path / "out", ptau_file=junk)
    assert not (tmp_path / "out").exists()


def test_external_ptau_gives_ceremony_keys(tmp_path: Path, smoke: CompiledCircuit) -> None:
    """An external ptau file (here a copy of the dev one) takes the ceremony path."""
    src = ptau.dev_ptau(ptau.power_for(smoke.constraints), progress=False)
    result = prove_circuit(SMOKE, SMOKE_INPUT, tmp_path / "out", ptau_file=src)
    assert result.keys.mode == "ceremony" and result.keys.zkey is not None
