"""Suite-wide settings: every relayer the tests start proves with one worker (CI has 2 cores),
and under pytest-xdist each worker writes its circuit mains in a build folder of its own."""

import os

from prover.build.toolchain import repo_root

# A venue per test with one prover per core would run 2 provers beside the test's own work.
os.environ.setdefault("DARKBOOK_PROVER_WORKERS", "1")

# Mains carry a deployment's domain: two workers deploying differently must not share one file.
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    os.environ.setdefault("DARKBOOK_BUILD_DIR", str(repo_root() / "build" / "xdist" / _worker))


def pytest_collection_modifyitems(items: list) -> None:
    """Files marked ``long`` go first: under ``--dist loadfile`` a long file scheduled last
    leaves the other worker idle for its whole run (the Makefile passes
    ``--no-loadscope-reorder``, else xdist puts the files with most tests first)."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
