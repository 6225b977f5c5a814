"""Suite-wide settings: every relayer the tests start proves with one worker (CI has 2 cores)."""

import os

# A venue per test with one prover per core would run 2 provers beside the test's own work.
os.environ.setdefault("DARKBOOK_PROVER_WORKERS", "1")
