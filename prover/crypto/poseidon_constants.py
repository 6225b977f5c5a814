"""Poseidon round constants and MDS matrices, regenerated with the reference Grain LFSR.

circomlib's Poseidon parameters were produced by the Poseidon authors' reference script
(``generate_parameters_grain.sage``) called as ``<field=1> <sbox=0> <n=254> <t> <R_F=8> <R_P>
<p>``, with the partial-round counts below. Regenerating them from that procedure (instead of
pasting ~25k numbers) keeps this module small and auditable; ``tests/crypto`` compares the output
with circomlibjs's constant tables for every width.

Generation takes ~15 ms for width 3 and ~0.1 s for width 17, so constants are produced lazily
per width and cached.
"""

from __future__ import annotations

from functools import cache

from prover.crypto.field import P
from prover.errors import LengthError

N_ROUNDS_F: int = 8
"""Full rounds (4 before, 4 after the partial rounds), same for every width."""

N_ROUNDS_P: tuple[int, ...] = (56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68)
"""Partial rounds for widths t = 2..17 (1..16 inputs), as in circomlib."""

MAX_INPUTS: int = len(N_ROUNDS_P)

_FIELD_BITS = 254


def partial_rounds(t: int) -> int:
    """Number of partial rounds for state width ``t`` (2..17)."""
    if not 2 <= t <= MAX_INPUTS + 1:
        raise LengthError(f"poseidon: width t={t} outside 2..{MAX_INPUTS + 1}")
    return N_ROUNDS_P[t - 2]


class _Grain:
    """The Grain LFSR of the reference script: 80-bit state, self-shrinking output.

    Raw bit ``n + 80`` is ``b[n+62] ^ b[n+51] ^ b[n+38] ^ b[n+23] ^ b[n+13] ^ b[n]``; as the
    nearest tap is 18 positions from the end, 18 raw bits are computed per step with shifts on
    an int (bit k of the int = list index k of the reference). Output: raw bits in pairs, the
    second kept when the first is 1. Bits are handled as '0'/'1' strings so the shrinking and
    the integer conversion run in C.
    """

    _CHUNK = 18

    def __init__(self, t: int, r_f: int, r_p: int) -> None:
        bits: list[int] = []
        for value, width in ((1, 2), (0, 4), (_FIELD_BITS, 12), (t, 12), (r_f, 10), (r_p, 10)):
            bits.extend((value >> (width - 1 - k)) & 1 for k in range(width))
        bits.extend([1] * 30)
        self._s = sum(b << k for k, b in enumerate(bits))
        warmup = -(-160 // self._CHUNK) * self._CHUNK
        self._raw = self._raw_bits(warmup)[160:]  # the first 160 raw bits are discarded
        self._out = ""

    def _raw_bits(self, n: int) -> str:
        """Next ``n`` raw LFSR bits (n a multiple of the chunk size) as a '0'/'1' string."""
        parts = []
        s, mask = self._s, (1 << self._CHUNK) - 1
        for _ in range(n // self._CHUNK):
            new = ((s >> 62) ^ (s >> 51) ^ (s >> 38) ^ (s >> 23) ^ (s >> 13) ^ s) & mask
            s = (s >> self._CHUNK) | (new << (80 - self._CHUNK))
            parts.append(format(new, "018b")[::-1])
        self._s = s
        return "".join(parts)

    def integer(self, nbits: int) -> int:
        """Next ``nbits`` output bits as a big-endian integer."""
        while len(self._out) < nbits:
            raw = self._raw + self._raw_bits(18 * 256)
            if len(raw) % 2:
                raw, self._raw = raw[:-1], raw[-1]
            else:
                self._raw = ""
            firsts, seconds = raw[0::2], raw[1::2]
            self._out += "".join(b for a, b in zip(firsts, seconds, strict=True) if a == "1")
        v = int(self._out[:nbits], 2)
        self._out = self._out[nbits:]
        return v


@cache
def constants(t: int) -> tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """Round constants (flat, ``(R_F + R_P) * t`` entries, round-major) and the t x t MDS
    matrix ``M`` such that one linear layer is ``new[i] = sum_j M[i][j] * state[j]``."""
    r_p = partial_rounds(t)
    grain = _Grain(t, N_ROUNDS_F, r_p)
    rc: list[int] = []
    for _ in range((N_ROUNDS_F + r_p) * t):
        v = grain.integer(_FIELD_BITS)
        while v >= P:  # rejection sampling, as in the reference script
            v = grain.integer(_FIELD_BITS)
        rc.append(v)
    while True:
        vals = [grain.integer(_FIELD_BITS) % P for _ in range(2 * t)]
        if len(set(vals)) != 2 * t:
            continue
        xs, ys = vals[:t], vals[t:]
        if any((x + y) % P == 0 for x in xs for y in ys):
            continue
        mds = tuple(tuple(pow(x + y, -1, P) for y in ys) for x in xs)
        return tuple(rc), mds
