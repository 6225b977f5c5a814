"""Poseidon hash over BN254, bit-for-bit equal to circomlib's ``Poseidon(n)`` for 1..16 inputs.

``poseidon(inputs)`` is circomlib's ``Poseidon(len(inputs))``: the permutation of width
``t = len(inputs) + 1`` applied to ``[0, *inputs]``, output state[0]. ``permute`` exposes the
whole permutation (the Poseidon cipher needs it).

Speed: the relayer hashes a lot (every order, leaf and tree node), so the permutation runs in
the equivalent "optimized" form (Poseidon paper, appendix B; same idea as circomlib's
``poseidon_constants_opt``), derived here from the plain constants at first use of a width:

* partial-round constants on state[1:] are pushed forward through the linear layer, so a
  partial round adds one scalar to state[0];
* each partial round's dense MDS matrix is factored as ``S_r * A_r`` with ``S_r`` sparse
  (first row, first column, identity elsewhere) and ``A_r = diag(1, *)``; ``A_r`` commutes
  with the partial S-box and is folded into the previous round, so a partial round costs
  2t - 1 multiplications instead of t^2;
* sums of products are reduced mod p once per output element (lazy reduction).

The result is the same function, not an approximation: tests compare it with circomlibjs
and with the plain textbook permutation (:func:`permute_reference`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from gmpy2 import mpz, powmod

from prover.crypto.field import P, check_field
from prover.crypto.poseidon_constants import MAX_INPUTS, N_ROUNDS_F, constants, partial_rounds
from prover.errors import LengthError

__all__ = ["MAX_INPUTS", "P", "permute", "permute_reference", "poseidon", "poseidon_unchecked"]

Matrix = tuple[tuple[int, ...], ...]
_ZERO = mpz(0)


@dataclass(frozen=True)
class _Plan:
    """Precomputed optimized form of the width-t permutation."""

    t: int
    first_full: tuple[tuple[tuple[int, ...], Matrix], ...]  # (constants, matrix) x 4
    partial: tuple[tuple[int, int, tuple[int, ...], tuple[int, ...]], ...]  # (k, s00, w, v)
    last_full: tuple[tuple[tuple[int, ...], Matrix], ...]  # (constants, matrix) x 4


def _mat_mul(a: Matrix, b: Matrix) -> Matrix:
    n, m, k = len(a), len(b[0]), len(b)
    return tuple(
        tuple(sum(a[i][x] * b[x][j] for x in range(k)) % P for j in range(m)) for i in range(n)
    )


def _mat_vec(a: Matrix, v: Sequence[int]) -> tuple[int, ...]:
    return tuple(sum(r * x for r, x in zip(row, v, strict=True)) % P for row in a)


def _mat_inv(a: Matrix) -> Matrix:
    """Gauss-Jordan inverse mod P."""
    n = len(a)
    m = [list(row) + [int(i == j) for j in range(n)] for i, row in enumerate(a)]
    for col in range(n):
        piv = next(r for r in range(col, n) if m[r][col] % P)
        m[col], m[piv] = m[piv], m[col]
        iv = pow(m[col][col], -1, P)
        m[col] = [x * iv % P for x in m[col]]
        for r in range(n):
            if r != col and m[r][col]:
                f = m[r][col]
                m[r] = [(x - f * y) % P for x, y in zip(m[r], m[col], strict=True)]
    return tuple(tuple(row[n:]) for row in m)


@cache
def _plan(t: int) -> _Plan:
    rc, mds = constants(t)
    r_p = partial_rounds(t)
    half = N_ROUNDS_F // 2
    rcs = [list(rc[r * t : (r + 1) * t]) for r in range(N_ROUNDS_F + r_p)]

    # 1. push the state[1:] part of each partial-round constant into the next round
    carry = [0] * t
    ks: list[int] = []
    for r in range(half, half + r_p):
        c = [(x + y) % P for x, y in zip(rcs[r], carry, strict=True)]
        ks.append(c[0])
        carry = list(_mat_vec(mds, [0, *c[1:]]))
    rcs[half + r_p] = [(x + y) % P for x, y in zip(rcs[half + r_p], carry, strict=True)]

    # 2. factor partial-round matrices back to front: N = S * diag(1, N_hat)
    sparse: list[tuple[int, tuple[int, ...], tuple[int, ...]]] = []
    n: Matrix = mds
    for _ in range(r_p):
        n_hat = tuple(row[1:] for row in n[1:])
        n_row = (n[0][1:],)
        w = _mat_mul(n_row, _mat_inv(n_hat))[0]
        v = tuple(row[0] for row in n[1:])
        sparse.append((n[0][0], w, v))
        a = tuple((1,) + (0,) * (t - 1) if i == 0 else (0, *n_hat[i - 1]) for i in range(t))
        n = _mat_mul(a, mds)
    sparse.reverse()
    # after the loop, ``n`` = A_first * M is the last first-half full round's matrix

    first_full = tuple((tuple(rcs[r]), mds if r < half - 1 else n) for r in range(half))
    partial = tuple((k, s00, w, v) for k, (s00, w, v) in zip(ks, sparse, strict=True))
    last_full = tuple((tuple(rcs[r]), mds) for r in range(half + r_p, N_ROUNDS_F + r_p))
    return _Plan(t, first_full, partial, last_full)


def _compile(t: int, full_output: bool) -> Callable[..., tuple[mpz, ...]]:
    """Generate straight-line code for the width-t permutation from its :class:`_Plan`.

    Why generated code: a Python loop over rounds spends more time in interpreter overhead
    (zip, list building, index lookups) than in arithmetic; unrolling lets every constant be a
    local (bound as a default argument) and every state word a local variable. Arithmetic is on
    gmpy2 ``mpz`` (about 3x faster than ``int`` at 254 bits). Sums of products are left
    unreduced (``powmod`` reduces its base anyway), so there is one reduction per S-box and
    one per returned word. With ``full_output=False`` the last linear layer computes only
    state[0], which is all that :func:`poseidon` returns.
    """
    plan = _plan(t)
    consts: dict[str, mpz] = {}

    def k(value: int) -> str:
        name = f"c{len(consts)}"
        consts[name] = mpz(value)
        return name

    lines: list[str] = []

    def full_round(c: tuple[int, ...], m: Matrix, rows: int) -> None:
        for i in range(t):
            lines.append(f"x{i} = powmod(s{i} + {k(c[i])}, 5, P)")
        for i in range(rows):
            lines.append(f"s{i} = " + " + ".join(f"{k(m[i][j])} * x{j}" for j in range(t)))

    for c, m in plan.first_full:
        full_round(c, m, t)
    for kr, s00, w, v in plan.partial:
        lines.append(f"x = powmod(s0 + {k(kr)}, 5, P)")
        lines.append(
            f"s0 = {k(s00)} * x + " + " + ".join(f"{k(wj)} * s{j + 1}" for j, wj in enumerate(w))
        )
        lines.extend(f"s{j + 1} = s{j + 1} + {k(vj)} * x" for j, vj in enumerate(v))
    for r, (c, m) in enumerate(plan.last_full):
        full_round(c, m, t if full_output or r < len(plan.last_full) - 1 else 1)
    outs = range(t) if full_output else range(1)
    lines.append("return (" + "".join(f"s{i} % P, " for i in outs) + ")")

    args = ", ".join(f"s{i}" for i in range(t))
    defaults = ", ".join(f"{name}={name}" for name in consts)
    source = f"def _perm({args}, P=P, powmod=powmod, {defaults}):\n    " + "\n    ".join(lines)
    namespace: dict[str, object] = {**consts, "P": mpz(P), "powmod": powmod}
    exec(compile(source, f"<poseidon t={t}>", "exec"), namespace)
    return namespace["_perm"]  # type: ignore[return-value]


@cache
def _hash_fn(t: int) -> Callable[..., tuple[mpz, ...]]:
    return _compile(t, full_output=False)


@cache
def _perm_fn(t: int) -> Callable[..., tuple[mpz, ...]]:
    return _compile(t, full_output=True)


def permute(state: Sequence[int]) -> list[int]:
    """The Poseidon permutation of width ``len(state)`` (2..17); returns the full new state.

    Raises :class:`~prover.errors.LengthError` for an unsupported width and
    :class:`~prover.errors.FieldError` for a non-canonical element.
    """
    t = len(state)
    if not 2 <= t <= MAX_INPUTS + 1:
        raise LengthError(f"poseidon permutation: width {t} outside 2..{MAX_INPUTS + 1}")
    checked = [check_field(x, f"poseidon state[{i}]") for i, x in enumerate(state)]
    return [int(x) for x in _perm_fn(t)(*map(mpz, checked))]


def poseidon(inputs: Sequence[int]) -> int:
    """circomlib ``Poseidon(n)`` of ``n = len(inputs)`` canonical field elements (1 <= n <= 16).

    Raises :class:`~prover.errors.LengthError` for a bad arity and
    :class:`~prover.errors.FieldError` naming the offending input otherwise.
    """
    n = len(inputs)
    if not 1 <= n <= MAX_INPUTS:
        raise LengthError(f"poseidon: {n} inputs, circomlib supports 1..{MAX_INPUTS}")
    for i, x in enumerate(inputs):
        if type(x) is not int or not 0 <= x < P:  # fast path; check_field builds the message
            check_field(x, f"poseidon input[{i}]")
    return int(_hash_fn(n + 1)(_ZERO, *map(mpz, inputs))[0])


def poseidon_unchecked(inputs: Sequence[int]) -> int:
    """:func:`poseidon` for inputs the caller already knows are canonical (tree nodes).

    Skips validation only; the arity must still be 1..16.
    """
    return int(_hash_fn(len(inputs) + 1)(_ZERO, *map(mpz, inputs))[0])


def permute_reference(state: Sequence[int]) -> list[int]:
    """Textbook (unoptimized) permutation; slow, used by tests to pin the optimized form."""
    t = len(state)
    rc, mds = constants(t)
    r_p = partial_rounds(t)
    s = [check_field(x, f"state[{i}]") for i, x in enumerate(state)]
    half = N_ROUNDS_F // 2
    for r in range(N_ROUNDS_F + r_p):
        s = [(x + rc[r * t + i]) % P for i, x in enumerate(s)]
        if r < half or r >= half + r_p:
            s = [pow(x, 5, P) for x in s]
        else:
            s[0] = pow(s[0], 5, P)
        s = list(_mat_vec(mds, s))
    return s
