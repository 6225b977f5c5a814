"""Exceptions of the prover package: the cryptographic core and the toolchain/build pipeline.

Every rejection of bad input raises a subclass of :class:`CryptoError` whose message says
which check failed, so a caller (API handler, batcher) can log or return it verbatim.
All subclasses also derive from :class:`ValueError`, so generic input validation that
catches ``ValueError`` keeps working.
"""

from __future__ import annotations


class DarkbookError(Exception):
    """Base of every error Darkbook raises on purpose."""


class CryptoError(DarkbookError, ValueError):
    """Base class for every input rejected by ``prover``'s cryptographic core."""


class FieldError(CryptoError):
    """A value is not a canonical BN254 scalar-field element (not an int, negative or >= p)."""


class LengthError(CryptoError):
    """A list or byte string has the wrong length (e.g. Poseidon arity, packed point size)."""


class CurveError(CryptoError):
    """A point is not on Baby Jubjub, not in its prime-order subgroup, or is the identity."""


class SignatureError(CryptoError):
    """A signature is malformed (e.g. S >= subgroup order). ``verify`` never raises it."""


class MerkleError(CryptoError):
    """A Merkle tree index, depth or proof is malformed."""


class DecryptionError(CryptoError):
    """A Poseidon ciphertext failed its authentication or padding check."""


# --- toolchain and build errors (foundation) ---


class ToolError(DarkbookError):
    """A node tool (circom2, snarkjs, solc, anvil) failed or is missing."""


class ToolMissing(ToolError):
    """A tool is not installed under node_modules/.bin."""


class CircomCompileError(ToolError):
    """circom rejected a circuit; the message carries its file and line."""


class SnarkjsError(ToolError):
    """snarkjs exited non-zero; the message carries the tail of its stderr."""


class SolcError(ToolError):
    """solc reported errors for a contract source."""


class WitnessError(DarkbookError):
    """The input does not satisfy the circuit (or does not match its signals)."""


class ChainError(DarkbookError):
    """The local chain did not start or stopped answering."""


# --- proving (backends, keys, ceremony files) ---


class ProvingError(DarkbookError):
    """Keys, witness and circuit do not fit together, or a prover failed."""


class BinFileError(ProvingError):
    """A circom/snarkjs binary file (.r1cs, .wtns, .zkey, .ptau) is missing, wrong or damaged."""


class ZkeyError(ProvingError):
    """A .zkey is unsafe (gamma = delta) or was not made for the circuit it is used with."""


class PtauError(ProvingError):
    """The --ptau file is missing, not a powers-of-tau file, damaged, or too small."""
