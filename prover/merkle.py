"""Sparse binary Poseidon Merkle tree (account tree, per-account order storage).

Conventions (docs/CONVENTIONS.md): node = Poseidon([left, right]), empty leaf = 0, leaf index
bits little-endian from the leaf up (bit k of the index says whether the level-k node on the
path is a right child). Depth is a circuit parameter, 1..32.

Only non-empty nodes are stored: a node equal to the empty-subtree root of its level is
dropped, so a depth-32 tree with a few leaves holds about ``depth`` nodes per leaf, and an
update costs ``depth`` Poseidon(2) hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gmpy2 import mpz

from prover.errors import LengthError, MerkleError
from prover.field import check_field, is_field
from prover.poseidon import _hash_fn

MAX_DEPTH: int = 32

_H3 = _hash_fn(3)
_Z = mpz(0)


def hash2(left: int, right: int) -> int:
    """A tree node: circomlib ``Poseidon(2)`` of two canonical field elements (unchecked)."""
    return int(_H3(_Z, mpz(left), mpz(right))[0])


def _empty_roots() -> tuple[int, ...]:
    z = [0]
    for _ in range(MAX_DEPTH):
        z.append(hash2(z[-1], z[-1]))
    return tuple(z)


EMPTY_ROOTS: tuple[int, ...] = _empty_roots()
"""EMPTY_ROOTS[h] = root of an all-empty subtree of height h (EMPTY_ROOTS[0] = 0, a leaf)."""


def _check_depth(depth: int) -> int:
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise MerkleError(f"merkle: depth {depth!r} outside 1..{MAX_DEPTH}")
    return depth


def _check_index(index: int, depth: int) -> int:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 1 << depth:
        raise MerkleError(f"merkle: index {index!r} outside [0, 2^{depth})")
    return index


@dataclass(frozen=True, slots=True)
class MerkleProof:
    """Inclusion proof: ``siblings[k]`` is the sibling at level k (0 = leaf level)."""

    index: int
    leaf: int
    siblings: tuple[int, ...]

    @property
    def path_bits(self) -> list[int]:
        """Index bits little-endian, one per level: the circuit's ``pathIndices``."""
        return [(self.index >> k) & 1 for k in range(len(self.siblings))]

    def root(self) -> int:
        """Root implied by this proof (see :func:`compute_root`)."""
        return compute_root(self.index, self.leaf, self.siblings)


def compute_root(index: int, leaf: int, siblings: Sequence[int]) -> int:
    """Fold ``leaf`` up through ``siblings``; raises on malformed input."""
    depth = _check_depth(len(siblings))
    _check_index(index, depth)
    node = check_field(leaf, "merkle leaf")
    for k, sib in enumerate(siblings):
        check_field(sib, f"merkle sibling[{k}]")
        node = hash2(sib, node) if (index >> k) & 1 else hash2(node, sib)
    return node


def verify_proof(root: int, index: int, leaf: int, siblings: Sequence[int]) -> bool:
    """True iff ``leaf`` sits at ``index`` under ``root``. Never raises on bad input."""
    try:
        return is_field(root) and compute_root(index, leaf, siblings) == root
    except (MerkleError, LengthError, ValueError, TypeError):
        return False


class MerkleTree:
    """A sparse Poseidon tree of fixed depth, updated one leaf at a time in O(depth)."""

    __slots__ = ("_levels", "depth")

    def __init__(self, depth: int, leaves: dict[int, int] | None = None) -> None:
        self.depth: int = _check_depth(depth)
        # _levels[h] maps index-at-height-h -> node value, only for non-empty nodes
        self._levels: list[dict[int, int]] = [{} for _ in range(depth + 1)]
        for index, leaf in (leaves or {}).items():
            self.update(index, leaf)

    @property
    def root(self) -> int:
        """Current root (the empty-tree root when no leaf is set)."""
        return self._levels[self.depth].get(0, EMPTY_ROOTS[self.depth])

    def __len__(self) -> int:
        """Number of non-empty leaves."""
        return len(self._levels[0])

    def leaf(self, index: int) -> int:
        """Leaf value at ``index`` (0 if empty)."""
        return self._levels[0].get(_check_index(index, self.depth), 0)

    def leaves(self) -> dict[int, int]:
        """Copy of the non-empty leaves, index -> value."""
        return dict(self._levels[0])

    def _node(self, height: int, index: int) -> int:
        return self._levels[height].get(index, EMPTY_ROOTS[height])

    def _set(self, height: int, index: int, value: int) -> None:
        if value == EMPTY_ROOTS[height]:
            self._levels[height].pop(index, None)
        else:
            self._levels[height][index] = value

    def update(self, index: int, leaf: int) -> int:
        """Set leaf ``index`` to ``leaf`` (0 clears it); return the new root."""
        _check_index(index, self.depth)
        node = check_field(leaf, "merkle leaf")
        self._set(0, index, node)
        for h in range(self.depth):
            sib = self._node(h, index ^ 1)
            node = hash2(sib, node) if index & 1 else hash2(node, sib)
            index >>= 1
            self._set(h + 1, index, node)
        return node

    def proof(self, index: int) -> MerkleProof:
        """Inclusion proof for ``index`` (works for empty leaves too: proves the 0)."""
        _check_index(index, self.depth)
        sibs = tuple(self._node(h, (index >> h) ^ 1) for h in range(self.depth))
        return MerkleProof(index, self.leaf(index), sibs)
