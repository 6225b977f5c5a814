"""Exceptions of the prover package: each says what went wrong and what to do about it."""


class DarkbookError(Exception):
    """Base of every error Darkbook raises on purpose."""


class ToolError(DarkbookError):
    """A node tool (circom2, snarkjs, solc, anvil) failed or is missing."""


class ToolMissing(ToolError):
    """A tool is not installed under node_modules/.bin."""


class CircomCompileError(ToolError):
    """circom rejected a circuit; the message carries its file and line."""


class SnarkjsError(ToolError):
    """snarkjs exited non-zero; the message carries the tail of its stderr."""


class WitnessError(DarkbookError):
    """The input does not satisfy the circuit (or does not match its signals)."""


class SolcError(ToolError):
    """solc reported errors for a contract source."""


class ChainError(DarkbookError):
    """The local chain did not start or stopped answering."""
