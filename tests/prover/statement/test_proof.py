"""The 8 proof words: snarkjs JSON, 256 bytes and verifier calldata agree (pi_b pairs swapped)."""

from __future__ import annotations

import pytest

from prover.errors import ProvingError
from prover.statement.proof import (
    calldata,
    snarkjs_from_words,
    words_from_bytes,
    words_from_snarkjs,
    words_to_bytes,
)

WORDS = [11, 12, 21, 22, 23, 24, 31, 32]


def test_snarkjs_json_round_trip_swaps_the_g2_pairs() -> None:
    proof = snarkjs_from_words(WORDS)
    assert proof["pi_a"] == ["11", "12", "1"]
    assert proof["pi_b"] == [["22", "21"], ["24", "23"], ["1", "0"]]  # snarkjs: [c0, c1]
    assert proof["pi_c"] == ["31", "32", "1"]
    assert words_from_snarkjs(proof) == WORDS


def test_bytes_round_trip() -> None:
    raw = words_to_bytes(WORDS)
    assert len(raw) == 256 and raw[31] == 11 and raw[-1] == 32
    assert words_from_bytes(raw) == WORDS
    with pytest.raises(ProvingError, match="256 bytes"):
        words_from_bytes(raw[:-1])
    with pytest.raises(ProvingError, match="8 words"):
        words_to_bytes(WORDS[:7])


def test_calldata_splits_the_words() -> None:
    assert calldata(WORDS, ["5", 6]) == ([11, 12], [[21, 22], [23, 24]], [31, 32], [5, 6])
