"""Sparse Poseidon Merkle trees, binary or 4-ary (account tree, per-account order storage).

Conventions (docs/CONVENTIONS.md): a binary node = Poseidon([left, right]); a 4-ary node =
Poseidon([c0, c1, c2, c3]); empty leaf = 0. The child index at each level is a digit of the
leaf index in base ``arity``, little-endian from the leaf up (binary: bit k says whether the
level-k node on the path is a right child; 4-ary: digit k = index bits 2k, 2k+1). Depth (the
number of levels) is a circuit parameter, 1..32 levels, at most 2^32 leaves for binary and
2^64 for 4-ary.

A proof carries ``arity - 1`` siblings per level, flattened leaf level first: for 4-ary the
three other children of the level's node, in child order, skipping the path's own position.

Only non-empty nodes are stored: a node equal to the empty-subtree root of its level is
dropped, so a tree with a few leaves holds about ``depth`` nodes per leaf, and an update costs
``depth`` Poseidon hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gmpy2 import mpz

from prover.crypto.field import check_field, is_field
from prover.crypto.poseidon import _hash_fn
from prover.errors import LengthError, MerkleError

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

ARITIES: tuple[int, ...] = (2, 4)

_H5 = _hash_fn(5)


def hash4(c0: int, c1: int, c2: int, c3: int) -> int:
    """A 4-ary tree node: circomlib ``Poseidon(4)`` (width 5) of four children (unchecked)."""
    return int(_H5(_Z, mpz(c0), mpz(c1), mpz(c2), mpz(c3))[0])


def _empty_roots4() -> tuple[int, ...]:
    z = [0]
    for _ in range(MAX_DEPTH):
        z.append(hash4(z[-1], z[-1], z[-1], z[-1]))
    return tuple(z)


EMPTY_ROOTS4: tuple[int, ...] = _empty_roots4()
"""EMPTY_ROOTS4[h] = root of an all-empty 4-ary subtree of height h (EMPTY_ROOTS4[0] = 0)."""


def empty_roots(arity: int = 2) -> tuple[int, ...]:
    """The empty-subtree roots of a tree of this arity, by height."""
    return EMPTY_ROOTS if _check_arity(arity) == 2 else EMPTY_ROOTS4


def _check_arity(arity: int) -> int:
    if isinstance(arity, bool) or arity not in ARITIES:
        raise MerkleError(f"merkle: arity {arity!r} not one of {ARITIES}")
    return arity


def _hash_children(children: Sequence[int]) -> int:
    return hash2(*children) if len(children) == 2 else hash4(*children)


def _children(node: int, digit: int, siblings: Sequence[int]) -> list[int]:
    """The level's children: ``siblings`` in order with ``node`` inserted at ``digit``."""
    out = list(siblings)
    out.insert(digit, node)
    return out


def _check_depth(depth: int) -> int:
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise MerkleError(f"merkle: depth {depth!r} outside 1..{MAX_DEPTH}")
    return depth


def _check_index(index: int, depth: int, arity: int = 2) -> int:
    bits = depth * (arity.bit_length() - 1)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 1 << bits:
        raise MerkleError(f"merkle: index {index!r} outside [0, 2^{bits})")
    return index


@dataclass(frozen=True, slots=True)
class MerkleProof:
    """Inclusion proof: ``arity - 1`` siblings per level, flattened, leaf level first.

    Binary: ``siblings[k]`` is the sibling at level k. 4-ary: ``siblings[3k:3k+3]`` are the
    other three children at level k, in child order.
    """

    index: int
    leaf: int
    siblings: tuple[int, ...]
    arity: int = 2

    @property
    def depth(self) -> int:
        return len(self.siblings) // (self.arity - 1)

    @property
    def path_bits(self) -> list[int]:
        """Index bits little-endian, ``log2(arity)`` per level: the circuit's ``pathBits``."""
        n = self.depth * (self.arity.bit_length() - 1)
        return [(self.index >> k) & 1 for k in range(n)]

    @property
    def path_digits(self) -> list[int]:
        """Child index per level (base-``arity`` digits of the index, leaf level first)."""
        return [(self.index // self.arity**k) % self.arity for k in range(self.depth)]

    @property
    def circuit_siblings(self) -> list[int] | list[list[int]]:
        """Siblings as the circuit takes them: ``[depth]`` (binary) or ``[depth][3]`` (4-ary)."""
        if self.arity == 2:
            return list(self.siblings)
        w = self.arity - 1
        return [list(self.siblings[w * k : w * k + w]) for k in range(self.depth)]

    def root(self) -> int:
        """Root implied by this proof (see :func:`compute_root`)."""
        return compute_root(self.index, self.leaf, self.siblings, self.arity)


def compute_root(index: int, leaf: int, siblings: Sequence[int], arity: int = 2) -> int:
    """Fold ``leaf`` up through ``siblings`` (flattened); raises on malformed input."""
    w = _check_arity(arity) - 1
    if len(siblings) % w:
        raise MerkleError(f"merkle: {len(siblings)} siblings is not a multiple of {w}")
    depth = _check_depth(len(siblings) // w)
    _check_index(index, depth, arity)
    node = check_field(leaf, "merkle leaf")
    for k in range(depth):
        level = siblings[w * k : w * k + w]
        for j, sib in enumerate(level):
            check_field(sib, f"merkle sibling[{w * k + j}]")
        node = _hash_children(_children(node, (index // arity**k) % arity, level))
    return node


def verify_proof(root: int, index: int, leaf: int, siblings: Sequence[int], arity: int = 2) -> bool:
    """True iff ``leaf`` sits at ``index`` under ``root``. Never raises on bad input."""
    try:
        return is_field(root) and compute_root(index, leaf, siblings, arity) == root
    except (MerkleError, LengthError, ValueError, TypeError):
        return False


class MerkleTree:
    """A sparse Poseidon tree of fixed depth and arity, updated one leaf at a time in O(depth)."""

    __slots__ = ("_empty", "_levels", "arity", "depth")

    def __init__(self, depth: int, leaves: dict[int, int] | None = None, arity: int = 2) -> None:
        self.depth: int = _check_depth(depth)
        self.arity: int = _check_arity(arity)
        self._empty = empty_roots(arity)
        # _levels[h] maps index-at-height-h -> node value, only for non-empty nodes
        self._levels: list[dict[int, int]] = [{} for _ in range(depth + 1)]
        for index, leaf in (leaves or {}).items():
            self.update(index, leaf)

    @property
    def root(self) -> int:
        """Current root (the empty-tree root when no leaf is set)."""
        return self._levels[self.depth].get(0, self._empty[self.depth])

    @property
    def capacity(self) -> int:
        """Number of leaves: ``arity ** depth``."""
        return self.arity**self.depth

    def __len__(self) -> int:
        """Number of non-empty leaves."""
        return len(self._levels[0])

    def leaf(self, index: int) -> int:
        """Leaf value at ``index`` (0 if empty)."""
        return self._levels[0].get(_check_index(index, self.depth, self.arity), 0)

    def leaves(self) -> dict[int, int]:
        """Copy of the non-empty leaves, index -> value."""
        return dict(self._levels[0])

    def _node(self, height: int, index: int) -> int:
        return self._levels[height].get(index, self._empty[height])

    def _set(self, height: int, index: int, value: int) -> None:
        if value == self._empty[height]:
            self._levels[height].pop(index, None)
        else:
            self._levels[height][index] = value

    def update(self, index: int, leaf: int) -> int:
        """Set leaf ``index`` to ``leaf`` (0 clears it); return the new root."""
        _check_index(index, self.depth, self.arity)
        node = check_field(leaf, "merkle leaf")
        self._set(0, index, node)
        for h in range(self.depth):
            if self.arity == 2:  # the hot path (order storage, binary trees): no lists
                sib = self._node(h, index ^ 1)
                node = hash2(sib, node) if index & 1 else hash2(node, sib)
            else:
                node = hash4(*_children(node, index % 4, self._level_siblings(h, index)))
            index //= self.arity
            self._set(h + 1, index, node)
        return node

    def _level_siblings(self, height: int, index: int) -> list[int]:
        """The other children of the height-``height`` node ``index``'s parent, in order."""
        first = index - index % self.arity
        return [self._node(height, first + j) for j in range(self.arity) if first + j != index]

    def proof(self, index: int) -> MerkleProof:
        """Inclusion proof for ``index`` (works for empty leaves too: proves the 0)."""
        _check_index(index, self.depth, self.arity)
        sibs: list[int] = []
        for h in range(self.depth):
            sibs += self._level_siblings(h, index // self.arity**h)
        return MerkleProof(index, self.leaf(index), tuple(sibs), self.arity)
