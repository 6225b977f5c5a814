"""Compile circom circuits with circom2 (WebAssembly), cached by a hash of every source involved.

circom2 cannot see parent folders, so it runs from the repository root with include folders
passed via -l, and sources include each other by bare file name. The cache key covers the
main file, every file it includes (resolved recursively), the compile parameters and the
circom and circomlib versions, so an unchanged circuit is never compiled twice.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from prover.build import cache, toolchain
from prover.errors import CircomCompileError

_INCLUDE = re.compile(r'^\s*include\s+"([^"]+)"\s*;', re.MULTILINE)
_CONSTRAINTS = re.compile(r"non-linear constraints:\s*(\d+)")
_LINEAR = re.compile(r"(?<!non-)linear constraints:\s*(\d+)")


@dataclass(frozen=True)
class CompiledCircuit:
    """The artifacts of one compiled circuit, all inside one cache entry."""

    name: str
    folder: Path
    r1cs: Path
    wasm: Path
    sym: Path | None  # None: compiled without signal names (``symbols=False``)
    constraints: int
    key: str

    @property
    def witness_js(self) -> Path:
        return self.folder / f"{self.name}_js" / "generate_witness.js"


def default_include_dirs() -> list[Path]:
    """The project's circuits folder and circomlib's, found without flags."""
    return [toolchain.repo_root() / "circuits", toolchain.circomlib_circuits()]


def resolve_includes(source: Path, include_dirs: list[Path]) -> list[Path]:
    """Every file the source includes, transitively, in a stable order."""
    seen: dict[Path, None] = {}
    stack = [source.resolve()]
    while stack:
        path = stack.pop()
        if path in seen:
            continue
        seen[path] = None
        for name in _INCLUDE.findall(path.read_text()):
            stack.append(_find_include(name, path, include_dirs))
    return list(seen)


def _find_include(name: str, including: Path, include_dirs: list[Path]) -> Path:
    for folder in [including.parent, *include_dirs]:
        candidate = (folder / name).resolve()
        if candidate.is_file():
            return candidate
    dirs = ", ".join(str(d) for d in include_dirs)
    raise CircomCompileError(
        f'{including}: include "{name}" not found in {including.parent} or [{dirs}]. '
        "Include by bare file name and pass the folder with include_dirs (circom -l)."
    )


def compile_key(
    source: Path, include_dirs: list[Path], prime: str = "bn128", *, symbols: bool = True
) -> str:
    files = resolve_includes(source, include_dirs)
    parts = [toolchain.tool_version("circom2"), toolchain.npm_package_version("circomlib"), prime]
    parts += [f.name + ":" + cache.file_digest(f) for f in files]
    if not symbols:  # another build: no .sym in it
        parts.append("no-sym")
    return cache.content_key(*parts)


def compile_circuit(
    source: Path,
    include_dirs: list[Path] | None = None,
    *,
    progress: bool = False,
    symbols: bool = True,
) -> CompiledCircuit:
    """Compile (or fetch from the cache) source into r1cs, wasm and (``symbols``) sym with
    --O2. Without symbols circom never builds the signal-name table: at ``prod``'s size
    (3 million labels) building it took circom2's WebAssembly heap past the 2 GiB its file
    writes can address (``RangeError: Start offset -1829821712``)."""
    source = Path(source).resolve()
    if not source.is_file():
        raise CircomCompileError(f"circuit source {source} does not exist")
    dirs = [Path(d).resolve() for d in (include_dirs or default_include_dirs())]
    key = compile_key(source, dirs, symbols=symbols)
    name = source.stem
    found = cache.lookup("circom", key)
    if found is None:
        if progress:
            print(f"compiling {source.name} with circom --O2 ...", flush=True)
        with cache.building("circom", key, label=source.name) as scratch:
            _run_circom(source, dirs, scratch, symbols)
        found = cache.entry_path("circom", key)
    info = json.loads((found / "info.json").read_text())
    return CompiledCircuit(
        name=name,
        folder=found,
        r1cs=found / f"{name}.r1cs",
        wasm=found / f"{name}_js" / f"{name}.wasm",
        sym=found / f"{name}.sym" if symbols else None,
        constraints=info["constraints"],
        key=key,
    )


def _run_circom(source: Path, include_dirs: list[Path], out: Path, symbols: bool = True) -> None:
    # circom2 sees only paths below its working directory: stage everything in one folder.
    stage = out / "src"
    stage.mkdir()
    shutil.copy(source, stage / source.name)
    args: list[str] = [
        f"src/{source.name}",
        "--r1cs",
        "--wasm",
        *(["--sym"] if symbols else []),
        "--O2",
        "-o",
        ".",
    ]
    for i, folder in enumerate(include_dirs):
        # copies, not symlinks: the WebAssembly sandbox does not follow links out of it
        shutil.copytree(folder, stage / f"inc{i}", ignore=shutil.ignore_patterns("test*", "*.js"))
        args += ["-l", f"src/inc{i}"]
    try:
        proc = toolchain.run_tool("circom2", args, cwd=out)
    except CircomCompileError as exc:  # show the user's paths, not the staging folder's
        msg = str(exc).replace(f"src/{source.name}", str(source))
        for i, folder in enumerate(include_dirs):
            msg = msg.replace(f"src/inc{i}", str(folder))
        raise CircomCompileError(msg) from None
    total = int(_CONSTRAINTS.search(proc.stdout).group(1)) if "non-linear" in proc.stdout else 0
    linear = _LINEAR.search(proc.stdout)
    total += int(linear.group(1)) if linear else 0
    (out / "info.json").write_text(json.dumps({"constraints": total, "log": proc.stdout}))
    shutil.rmtree(stage)
