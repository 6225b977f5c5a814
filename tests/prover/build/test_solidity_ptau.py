"""solc errors are readable; ptau files are checked before use."""

from pathlib import Path

import pytest

from prover.build import ptau, solidity
from prover.errors import DarkbookError, SolcError


def test_solc_compiles_and_reports_errors() -> None:
    ok = solidity.compile_sources({"A.sol": "pragma solidity ^0.8.20; contract A { uint x; }"})
    assert ok["A"].bytecode.startswith("0x60")
    with pytest.raises(SolcError, match="A.sol"):
        solidity.compile_sources({"A.sol": "pragma solidity ^0.8.20; contract A { uint x }"})


def test_ptau_power_read_from_header() -> None:
    assert ptau.ptau_power(ptau.dev_ptau(8, progress=False)) == 8


def test_damaged_ptau_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ptau"
    bad.write_bytes(b"not a ptau file at all")
    with pytest.raises(DarkbookError, match="bad.ptau"):
        ptau.ptau_power(bad)
    with pytest.raises(DarkbookError, match="does not exist"):
        ptau.ptau_power(tmp_path / "missing.ptau")


def test_power_for_fits_the_circuit() -> None:
    assert ptau.power_for(100) == 8
    assert (1 << ptau.power_for(5000)) >= 5000 + 64
