"""Order book and matching engine: pure, deterministic, no I/O (see engine.py)."""
