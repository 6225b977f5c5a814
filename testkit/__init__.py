"""Shared helpers of the tests and benchmarks: harnesses, stand-in circuits, sample batches.

Nothing in prover/ or relayer/ imports this package, and it imports nothing from tests/ or
benchmarks/ (import-linter contracts in pyproject.toml)."""
