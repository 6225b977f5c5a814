"""The layer rules of pyproject.toml ([tool.importlinter]) hold, and each one refuses a breach."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
PACKAGES = [
    "prover",
    "prover/crypto",
    "prover/build",
    "prover/statement",
    "prover/model",
    "prover/proving",
    "relayer",
    "relayer/audit",
    *(f"relayer/{p}" for p in ("intake", "matching", "settlement", "storage", "accounts", "api")),
    "relayer/demo",
    "desk",
    "recovery",
    "testkit",
    "tests",
    "benchmarks",
]


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_project_keeps_every_layer_rule() -> None:
    out = _lint(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def _skeleton(tmp: Path) -> None:
    """Empty packages of the project's shape, under the project's own contracts."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    roots = "\n    ".join(config["root_packages"])
    lines = [f"[importlinter]\nroot_packages =\n    {roots}"]
    for c in config["contracts"]:
        lines.append(f"[importlinter:contract:{c['id']}]")
        for key, value in c.items():
            if key == "id":
                continue
            if isinstance(value, list):
                value = "\n    " + "\n    ".join(value)
            lines.append(f"{key} = {value}")
    (tmp / ".importlinter").write_text("\n".join(lines) + "\n")
    for pkg in PACKAGES:
        (tmp / pkg).mkdir(parents=True, exist_ok=True)
        (tmp / pkg / "__init__.py").write_text("")
    (tmp / "prover" / "errors.py").write_text("")


BREACHES = {
    "statement imports the model": ("prover/statement/x.py", "import prover.model"),
    "statement imports build": ("prover/statement/x.py", "import prover.build"),
    "statement imports the relayer": ("prover/statement/x.py", "import relayer"),
    "crypto imports the statement": ("prover/crypto/x.py", "import prover.statement"),
    "model imports proving": ("prover/model/x.py", "import prover.proving"),
    "prover imports the relayer": ("prover/proving/x.py", "import relayer"),
    "relayer imports tests": ("relayer/x.py", "import tests"),
    "relayer imports the test kit": ("relayer/x.py", "import testkit"),
    "benchmarks import tests": ("benchmarks/x.py", "import tests"),
    "the desk SDK imports relayer internals": ("desk/x.py", "import relayer"),
    "the relayer imports the desk SDK": ("relayer/x.py", "import desk"),
    "tests import benchmarks": ("tests/x.py", "import benchmarks"),
    "the privacy audit reads the venue's state": ("relayer/audit/x.py", "import relayer.matching"),
}


def test_a_clean_skeleton_passes(tmp_path: Path) -> None:
    _skeleton(tmp_path)
    (tmp_path / "relayer" / "x.py").write_text("import prover.statement\nimport prover.model\n")
    out = _lint(tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("breach", sorted(BREACHES))
def test_each_breach_is_refused(tmp_path: Path, breach: str) -> None:
    _skeleton(tmp_path)
    file, line = BREACHES[breach]
    (tmp_path / file).write_text(line + "\n")
    out = _lint(tmp_path)
    assert out.returncode != 0, f"{breach} was not refused:\n{out.stdout}"
    assert "BROKEN" in out.stdout
