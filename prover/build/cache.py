"""Content-addressed artifact cache: every build product lives under a key that hashes its inputs.

Default location ~/.cache/darkbook, overridable with DARKBOOK_CACHE. An entry is a folder that
is filled in a temporary sibling and renamed into place only when complete, so a crash mid-build
never leaves a half-written entry that later runs would trust.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

_DONE = ".complete"


def cache_dir() -> Path:
    root = Path(os.environ.get("DARKBOOK_CACHE", Path.home() / ".cache" / "darkbook"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def content_key(*parts: str | bytes) -> str:
    """A short stable hash of the given inputs (sources, parameters, tool versions)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()[:20]


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def entry_path(kind: str, key: str) -> Path:
    return cache_dir() / kind / key


def lookup(kind: str, key: str) -> Path | None:
    """The finished entry for (kind, key), or None if it has not been built."""
    path = entry_path(kind, key)
    return path if (path / _DONE).exists() else None


@contextlib.contextmanager
def building(kind: str, key: str, label: str = "") -> Iterator[Path]:
    """Yield a scratch folder; on success it becomes the entry (kind, key) atomically.

    label is a human description shown by `darkbook doctor` (e.g. the circuit's file name).
    """
    final = entry_path(kind, key)
    final.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=final.parent))
    try:
        yield scratch
        (scratch / _DONE).write_text(label + "\n")
        try:
            os.replace(scratch, final)
        except OSError:  # another process finished the same build first: keep theirs
            if not (final / _DONE).exists():
                raise
            shutil.rmtree(scratch, ignore_errors=True)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def write_if_changed(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` unless it already holds it, atomically: a reader in another
    process sees the old text or the new, never half of it."""
    if path.exists() and path.read_text() == text:
        return path
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)
    return path


def contents() -> dict[str, list[str]]:
    """What is cached, by kind: "key (label)" per entry (for `darkbook doctor`)."""
    root = cache_dir()
    out: dict[str, list[str]] = {}
    for kind in sorted(p for p in root.iterdir() if p.is_dir()):
        out[kind.name] = sorted(
            f"{e.name} ({label})"
            if (label := (e / _DONE).read_text().strip()) not in ("", "ok")
            else e.name
            for e in kind.iterdir()
            if (e / _DONE).exists()
        )
    return out
