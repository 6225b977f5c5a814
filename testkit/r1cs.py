"""A minimal .r1cs reader and a constraint checker indexed by wire (witness-mutation tests).

Checking a mutated witness with `snarkjs wtns check` takes seconds; mutating one wire of a
witness that satisfies every constraint can only break the constraints that mention the wire,
so checking those (A.w * B.w == C.w mod p) is the same verdict in microseconds. The test
cross-checks a few verdicts with snarkjs.
"""

from __future__ import annotations

import struct
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

Lc = dict[int, int]


@dataclass
class R1cs:
    prime: int
    n_wires: int
    n_public: int  # outputs + public inputs
    constraints: list[tuple[Lc, Lc, Lc]]

    def by_wire(self) -> dict[int, list[int]]:
        index: dict[int, list[int]] = defaultdict(list)
        for k, (a, b, c) in enumerate(self.constraints):
            for w in {*a, *b, *c}:
                index[w].append(k)
        return index

    def satisfied(self, k: int, values: list[int]) -> bool:
        a, b, c = self.constraints[k]
        p = self.prime

        def ev(lc: Lc) -> int:
            return sum(coef * values[w] for w, coef in lc.items()) % p

        return ev(a) * ev(b) % p == ev(c)


def read_r1cs(path: Path) -> R1cs:
    data = path.read_bytes()
    assert data[:4] == b"r1cs"
    n_sections = struct.unpack_from("<I", data, 8)[0]
    pos, sections = 12, {}
    for _ in range(n_sections):
        sid, size = struct.unpack_from("<IQ", data, pos)
        sections[sid] = (pos + 12, size)
        pos += 12 + size
    hpos = sections[1][0]
    n8 = struct.unpack_from("<I", data, hpos)[0]
    prime = int.from_bytes(data[hpos + 4 : hpos + 4 + n8], "little")
    n_wires, n_out, n_pub, _n_prv = struct.unpack_from("<IIII", data, hpos + 4 + n8)
    n_constraints = struct.unpack_from("<I", data, hpos + 4 + n8 + 24)[0]
    cpos = sections[2][0]
    constraints = []
    for _ in range(n_constraints):
        lcs = []
        for _ in range(3):
            n = struct.unpack_from("<I", data, cpos)[0]
            cpos += 4
            lc: Lc = {}
            for _ in range(n):
                w = struct.unpack_from("<I", data, cpos)[0]
                lc[w] = int.from_bytes(data[cpos + 4 : cpos + 4 + n8], "little")
                cpos += 4 + n8
            lcs.append(lc)
        constraints.append((lcs[0], lcs[1], lcs[2]))
    return R1cs(prime, n_wires, n_out + n_pub, constraints)
