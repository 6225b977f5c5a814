"""The toolchain finds the pinned tools and turns failures into errors that say what to do."""

from pathlib import Path

import pytest

from prover.build import toolchain
from prover.build.circom import compile_circuit
from prover.errors import CircomCompileError, SnarkjsError, ToolMissing


def test_every_tool_reports_its_version() -> None:
    versions = toolchain.tool_versions()
    assert set(versions) == set(toolchain.TOOLS)
    assert versions["circom2"].startswith("circom compiler 2.")
    assert versions["snarkjs"] == "snarkjs 0.7.6"
    assert versions["solcjs"].startswith("0.8.")
    assert "anvil" in versions["anvil"]


def test_missing_tool_names_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DARKBOOK_ROOT", str(tmp_path))
    with pytest.raises(ToolMissing, match=r"npm ci"):
        toolchain.tool_path("snarkjs")


def test_circom_error_shows_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.circom"
    bad.write_text(
        "pragma circom 2.1.0;\ntemplate T() {\n  signal output c;\n  c <== nope;\n}\n"
        "component main = T();\n"
    )
    with pytest.raises(CircomCompileError) as info:
        compile_circuit(bad)
    assert f'{bad}":4' in str(info.value) or f"{bad}:4" in str(info.value)
    assert "src/" not in str(info.value)


def test_missing_include_is_named(tmp_path: Path) -> None:
    src = tmp_path / "inc.circom"
    src.write_text('pragma circom 2.1.0;\ninclude "no_such_file.circom";\n')
    with pytest.raises(CircomCompileError, match="no_such_file.circom"):
        compile_circuit(src)


def test_snarkjs_failure_carries_stderr_tail(tmp_path: Path) -> None:
    with pytest.raises(SnarkjsError, match=r"snarkjs groth16 verify failed"):
        toolchain.run_tool(
            "snarkjs", ["groth16", "verify", tmp_path / "a", tmp_path / "b", tmp_path / "c"]
        )
