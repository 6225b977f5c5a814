"""Static rules every project circuit follows (circheck and circomspect cannot run here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prover.build.toolchain import repo_root

SOURCES = sorted(p for p in (repo_root() / "circuits").glob("*.circom") if p.name != "smoke.circom")


def _code(path: Path) -> str:
    """The source without comments."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_unconstrained_assignment(path):
    assert "<--" not in _code(path), "use <== (or add the matching ===)"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_wide_num2bits(path):
    for n in re.findall(r"Num2Bits\((\d+)\)", _code(path)):
        assert int(n) < 254, "Num2Bits of 254+ bits aliases: use Num2Bits_strict"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_header(path):
    text = path.read_text()
    for template in re.findall(r"^template (\w+)", text, flags=re.M):
        head = text[: text.index(f"template {template}")]
        assert head.rstrip().endswith("*/"), f"{template} has no header comment"
        assert "@input" in head.rsplit("/*", 1)[1], f"{template} header lists no @input"


def test_signatures_always_enabled():
    code = _code(repo_root() / "circuits" / "signed-message.circom")
    assert "v.enabled <== 1;" in code
    users = [p.name for p in SOURCES if "EdDSAPoseidonVerifier" in _code(p)]
    assert users == ["signed-message.circom"]
