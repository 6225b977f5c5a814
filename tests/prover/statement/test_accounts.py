"""The one account-id allocator: operator 0, then 1, 2, ... in queue order, within capacity."""

from __future__ import annotations

import pytest

from prover.crypto.eddsa import PrivateKey
from prover.statement.accounts import (
    OPERATOR_ACCOUNT,
    AccountIds,
    enc_from_operator,
    enc_from_owner,
)
from prover.statement.errors import StatementError

OP, A, B, C = (0, 1), (2, 3), (4, 5), (6, 7)


def test_operator_is_zero_and_others_count_from_one_in_order() -> None:
    ids = AccountIds(capacity=16, operator_key=OP)
    assert [ids.assign(k) for k in (A, OP, B, A, OP, C)] == [1, OPERATOR_ACCOUNT, 2, 1, 0, 3]
    assert ids.get(B) == 2 and ids.get((8, 9)) is None


def test_peek_changes_nothing() -> None:
    ids = AccountIds()
    assert ids.peek(A) == ids.peek(B) == 1 and ids.get(A) is None
    assert ids.assign(B) == 1 and ids.peek(A) == 2 and ids.peek(B) == 1


def test_capacity_bounds_the_ids() -> None:
    ids = AccountIds(capacity=3, operator_key=OP)
    assert [ids.assign(k) for k in (A, B, OP)] == [1, 2, 0]
    with pytest.raises(StatementError, match="full"):
        ids.assign(C)
    assert ids.assign(A) == 1  # a known key still has its id


def test_rebuilt_from_a_tree() -> None:
    ids = AccountIds.of({0: OP, 1: A, 2: B}, capacity=16)
    assert (ids.get(OP), ids.get(A), ids.get(B), ids.peek(C)) == (0, 1, 2, 3)
    assert AccountIds.of({}).peek(A) == 1


def test_enc_is_one_value_for_the_operator_and_the_owner() -> None:
    """DA_SPEC sec. 1: x(o * A) == x(a * O), and only these two keys give it."""
    operator, owner, other = (
        PrivateKey(b"\x01" * 32),
        PrivateKey(b"\x02" * 32),
        PrivateKey(b"\x03" * 32),
    )
    enc = enc_from_operator(operator.secret_scalar(), *owner.public_key())
    assert enc == enc_from_owner(owner, operator.public_key())
    assert enc != enc_from_owner(other, operator.public_key())
    assert enc != enc_from_operator(other.secret_scalar(), *owner.public_key())


def test_enc_refuses_bad_keys_and_scalars() -> None:
    owner = PrivateKey(b"\x02" * 32)
    with pytest.raises(StatementError, match="enc of key"):
        enc_from_operator(5, 1, 2)  # not a curve point
    with pytest.raises(StatementError, match="enc of key"):
        enc_from_operator(0, *owner.public_key())  # a zero scalar
    with pytest.raises(StatementError, match="operator key"):
        enc_from_owner(owner, (0, 1))  # the identity: no shared secret
