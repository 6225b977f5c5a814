"""Field helpers and the shared encodings of docs/CONVENTIONS.md."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prover.crypto.field import P, check_field, from_bytes_le, sqrt, to_bytes_le
from prover.crypto.poseidon import poseidon
from prover.errors import FieldError, LengthError
from prover.statement import encoding as enc

ADDR = "0x5FbDB2315678afecb367f032d315d54aa3ab0aa3"


def test_check_field_rejects_and_names() -> None:
    assert check_field(P - 1) == P - 1
    with pytest.raises(FieldError, match="price.*>= field modulus"):
        check_field(P, "price")
    with pytest.raises(FieldError, match="negative"):
        check_field(-1)
    with pytest.raises(FieldError, match="expected an int"):
        check_field(True)


def test_bytes_roundtrip_and_canonical() -> None:
    assert from_bytes_le(to_bytes_le(12345)) == 12345
    with pytest.raises(FieldError):
        from_bytes_le(P.to_bytes(32, "little"))
    with pytest.raises(LengthError):
        from_bytes_le(b"\x00" * 31)


@given(st.integers(min_value=0, max_value=P - 1))
def test_sqrt(x: int) -> None:
    r = sqrt(x * x % P)
    assert r is not None and r * r % P == x * x % P and r <= (P - 1) // 2


@given(st.integers(min_value=enc.I64_MIN, max_value=enc.I64_MAX))
def test_signed_roundtrip(v: int) -> None:
    assert enc.from_field(enc.to_field(v)) == v
    assert enc.to_field(v) == v % P


@pytest.mark.parametrize("v", [enc.I64_MAX + 1, enc.I64_MIN - 1])
def test_signed_out_of_range(v: int) -> None:
    with pytest.raises(enc.EncodingError, match="signed 64-bit"):
        enc.to_field(v)


def test_message_hashes_follow_conventions() -> None:
    dom = enc.domain(31337, ADDR)
    assert dom == poseidon([31337, int(ADDR, 16)])
    assert enc.domain(31337, bytes.fromhex(ADDR[2:])) == dom
    o = enc.Order(
        account_id=7,
        order_id=3,
        series_id=9,
        side=enc.SIDE_SELL,
        price=1500,
        qty=2,
        expiry=1_700_000_000,
    )
    plain = [1, dom, 7, 3, 9, 1, 1500, 2, 1_700_000_000]
    assert enc.order_hash(dom, o) == poseidon([*plain, 0, 0, 0, 0, 0, 0])
    leg = enc.Order(7, 3, 9, enc.SIDE_SELL, 1500, 2, 1_700_000_000, 3, 0, 2)
    assert enc.order_hash(dom, leg) == poseidon([*plain, 3, 0, 2, 0, 0, 0])
    stop = enc.Order(7, 3, 9, 1, 1500, 2, 1_700_000_000, 0, 0, 0, 109, -5, enc.TRIGGER_BELOW)
    assert enc.order_hash(dom, stop) == poseidon([*plain, 0, 0, 0, 109, P - 5, 2])
    assert enc.cancel_hash(dom, 7, 3) == poseidon([2, dom, 7, 3])
    assert enc.withdrawal_hash(dom, 7, 1, 500, ADDR) == poseidon([3, dom, 7, 1, 500, int(ADDR, 16)])
    assert enc.order_leaf(3, 1) == poseidon([3, 1])
    leaf = enc.account_leaf(11, 12, 1000, 13, [(9, -2), (0, 0), (0, 0), (0, 0)], 14, 15)
    assert leaf == poseidon([11, 12, 1000, 13, 9, P - 2, 0, 0, 0, 0, 0, 0, 14, 15])


def test_a_wide_leaf_hashes_its_positions_apart() -> None:
    five = [(9, -2)] + [(0, 0)] * 4
    assert enc.account_leaf(1, 2, 3, 4, five, 5, 6) == poseidon(
        [1, 2, 3, 4, 9, P - 2, *[0] * 8, 5, 6]
    )
    six = [*five, (0, 0)]
    run = poseidon([9, P - 2, *[0] * 10])
    assert enc.positions_hash(six) == run
    assert enc.account_leaf(1, 2, 3, 4, six, 5, 6) == poseidon([1, 2, 3, 4, run, 5, 6])
    sixteen = [(s + 1, -s) for s in range(16)]
    fields = [f for s, q in sixteen for f in (s, q % P)]
    runs = [poseidon(fields[:16]), poseidon(fields[16:])]
    assert enc.positions_hash(sixteen) == poseidon(runs)
    # every slot counts: moving one contract changes the leaf
    moved = [*sixteen[:15], (16, -14)]
    assert enc.account_leaf(1, 2, 3, 4, moved, 5, 6) != enc.account_leaf(1, 2, 3, 4, sixteen, 5, 6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"side": 2}, "side"),
        ({"side": 1.0}, "side"),
        ({"side": True}, "side"),
        ({"qty": 0}, "qty"),
        ({"price": 1 << 64}, "price"),
        ({"expiry": -1}, "expiry"),
        ({"account_id": "1"}, "account_id"),
    ],
)
def test_order_validation(kwargs: dict, match: str) -> None:
    base = dict(account_id=1, order_id=1, series_id=1, side=0, price=1, qty=1, expiry=1)
    with pytest.raises(enc.EncodingError, match=match):
        enc.Order(**{**base, **kwargs})


def test_account_leaf_limits() -> None:
    assert enc.FLAT_POSITIONS == 5  # 4 + 2P + 2 (enc, count) <= 16 Poseidon inputs
    enc.account_leaf(1, 2, 3, 4, [(0, 0)] * enc.MAX_POSITIONS, 0, 0)
    with pytest.raises(LengthError, match="at most 32"):
        enc.account_leaf(1, 2, 3, 4, [(0, 0)] * (enc.MAX_POSITIONS + 1), 0, 0)
    with pytest.raises(enc.EncodingError, match=r"positions\[0\].qty"):
        enc.account_leaf(1, 2, 3, 4, [(1, 1 << 63)], 0, 0)
    with pytest.raises(FieldError, match="orders_root"):
        enc.account_leaf(1, 2, 3, P, [], 0, 0)
    enc.account_leaf(1, 2, 3, 4, [((1 << 29) - 1, 1)], P - 1, (1 << 64) - 1)
    with pytest.raises(enc.EncodingError, match=r"positions\[0\].series_id.*2\^29"):
        enc.account_leaf(1, 2, 3, 4, [(1 << 29, 1)], 0, 0)
    with pytest.raises(FieldError, match="enc"):
        enc.account_leaf(1, 2, 3, 4, [], P, 0)
    with pytest.raises(enc.EncodingError, match="count"):
        enc.account_leaf(1, 2, 3, 4, [], 0, 1 << 64)
