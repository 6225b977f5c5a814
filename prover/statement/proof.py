"""A Groth16 proof as the contract takes it: 8 words, or 256 bytes, in calldata order.

    [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]

``Settlement.submitBatch(uint256[8] proof, ...)`` takes these words, the generated verifier's
``verifyProof(a, b, c, inputs)`` the same words split, and groth16py reads and writes them as
256 big-endian bytes. snarkjs's proof.json writes each G2 coordinate as ``[c0, c1]`` while the
EVM pairing precompile wants ``(c1, c0)``: the B pairs are swapped here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from prover.errors import ProvingError

WORDS = 8
BYTES = 32 * WORDS
# (a, b, c, inputs): the arguments of the generated verifier's verifyProof
Calldata = tuple[list[int], list[list[int]], list[int], list[int]]


def _check(words: Sequence[int]) -> list[int]:
    if len(words) != WORDS:
        raise ProvingError(f"a Groth16 proof is {WORDS} words, got {len(words)}")
    return [int(w) for w in words]


def words_from_snarkjs(proof: dict[str, Any]) -> list[int]:
    """The 8 words of a snarkjs proof.json (projective ``z`` coordinates dropped: always 1)."""
    a, b, c = proof["pi_a"], proof["pi_b"], proof["pi_c"]
    return [int(x) for x in (a[0], a[1], b[0][1], b[0][0], b[1][1], b[1][0], c[0], c[1])]


def snarkjs_from_words(words: Sequence[int]) -> dict[str, Any]:
    """snarkjs proof.json from the 8 words (what `snarkjs groth16 verify` reads)."""
    w = [str(x) for x in _check(words)]
    return {
        "pi_a": [w[0], w[1], "1"],
        "pi_b": [[w[3], w[2]], [w[5], w[4]], ["1", "0"]],
        "pi_c": [w[6], w[7], "1"],
        "protocol": "groth16",
        "curve": "bn128",
    }


def words_from_bytes(raw: bytes) -> list[int]:
    if len(raw) != BYTES:
        raise ProvingError(f"a Groth16 proof is {BYTES} bytes, got {len(raw)}")
    return [int.from_bytes(raw[i : i + 32], "big") for i in range(0, BYTES, 32)]


def words_to_bytes(words: Sequence[int]) -> bytes:
    return b"".join(w.to_bytes(32, "big") for w in _check(words))


def calldata(words: Sequence[int], public: Sequence[int | str]) -> Calldata:
    """(a, b, c, inputs) for ``verifyProof``: the words split, public inputs as ints."""
    w = _check(words)
    return w[0:2], [w[2:4], w[4:6]], w[6:8], [int(x) for x in public]
