"""The clear-text scan, byte level: a leaf's position slots in clear are found as ABI words (the
circuit's ``v mod p`` sign convention and int256) and as packed int64s; an order one field short
is a trade, not an order; the same leaves in a real DBK3 blob (encrypted) and random bytes give
nothing."""

from __future__ import annotations

import random

from prover.crypto.field import P
from prover.statement import data_blob
from relayer.audit.clear_text import scan
from relayer.audit.grid import default_grid
from testkit.settlement import DESK_A, DESK_B, fill, funded, order

GRID = default_grid()
SLOTS = [(103, -5), (109, 2), (0, 0), (0, 0)]


def _words(values: list[int]) -> bytes:
    return b"".join(v.to_bytes(32, "big") for v in values)


def _leaf_words(neg: int) -> bytes:
    flat = [123_456_789, 987654321987654321]  # collateral, orders root
    for s, q in SLOTS:
        flat += [s, q if q >= 0 else neg + q]
    return _words(flat)


def _found(data: bytes) -> list[tuple[str, dict]]:
    return [(h.kind, h.fields) for h in scan(data, GRID)]


def test_positions_in_clear_are_found_in_every_encoding() -> None:
    want = [("position", {"series_id": 103, "qty": -5}), ("position", {"series_id": 109, "qty": 2})]
    assert _found(_leaf_words(P)) == want  # field elements (encoding.to_field)
    assert _found(_leaf_words(2**256)) == want  # ABI int256
    packed = b"".join(
        v.to_bytes(8, "big") for s, q in SLOTS for v in (s, q if q >= 0 else 2**64 + q)
    )
    assert _found(b"\x07" * 3 + packed) == want


def test_an_order_one_field_short_is_a_trade() -> None:
    # series, side, price, qty without the account, order id and expiry around them
    assert _found(_words([103, 0, 7_000_000_000, 4])) == [
        ("trade", {"series_id": 103, "side": 0, "price": 7_000_000_000, "qty": 4})
    ]
    assert _found(_words([103, 7_000_000_001, 4])) == []  # off the tick grid: not a price


def test_encrypted_blob_and_random_bytes_give_nothing() -> None:
    b, vm = funded()  # a real DBK3 blob of this build: desks A and B trade series 103
    cfg, row = b.config, vm.table.rows[0]
    assert GRID.has(row.series_id)
    buy = order(DESK_A, cfg, 1, 1, row.series_id, 0, row.mark, 2)
    sell = order(DESK_B, cfg, 2, 1, row.series_id, 1, row.mark, 2)
    b.add_fill(fill(1, buy, sell, row.mark, 2))
    sealed = b.seal(b.last_timestamp + 5)
    assert sealed is not None and (row.series_id, 2) in b.state.accounts[1].positions
    blob = sealed.data
    assert data_blob.decode(blob).entries  # a real blob of this build
    assert _found(blob) == []
    rng = random.Random(19)
    assert _found(rng.randbytes(1 << 16)) == []
