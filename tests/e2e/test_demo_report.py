"""The demo's measuring parts on their own (fast): the calldata scan finds an order planted in
clear in any of its encodings and nothing in calldata without it; the stage timings read from
``/metrics`` (a real prometheus_client histogram) go to batch n on the n-th observation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_abi import encode
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from relayer.demo.desks import SignedOrder
from relayer.demo.keepers import price_file_settings
from relayer.demo.leaks import count_leaks
from relayer.demo.stage_times import StageTimes
from relayer.settings import Settings

ORDER = SignedOrder(price=3_585_000_000, qty=3, side="sell")
NOISE = bytes(range(256)) * 8 + (1).to_bytes(32, "big") + (3).to_bytes(32, "big")


@pytest.mark.parametrize(
    "planted",
    [
        encode(["uint256"], [ORDER.price]),
        ORDER.price.to_bytes(8, "big"),
        ORDER.price.to_bytes(8, "little"),
        str(ORDER.price).encode(),
        encode(["uint256"], [ORDER.price * ORDER.qty]),
        encode(["uint8", "uint64", "uint64"], [1, ORDER.price, ORDER.qty]),
    ],
)
def test_an_order_in_clear_is_found(planted: bytes) -> None:
    assert count_leaks([NOISE[:100] + planted + NOISE[100:]], [ORDER]) >= 1
    assert count_leaks([NOISE, NOISE + planted], [ORDER]) >= 1


def test_calldata_without_the_order_has_no_leak() -> None:
    # sizes and sides alone are small integers every calldata holds: not counted
    assert count_leaks([NOISE], [ORDER]) == 0
    other = SignedOrder(ORDER.price + 1_000_000, ORDER.qty, ORDER.side)
    assert count_leaks([NOISE + encode(["uint256"], [other.price])], [ORDER]) == 0


def _page(h: Histogram, registry: CollectorRegistry, *values: float) -> str:
    for v in values:
        h.labels("prove").observe(v)
        h.labels("witness").observe(v / 10)
    return generate_latest(registry).decode()


def test_stage_times_go_to_the_batch_proven_in_that_order() -> None:
    registry = CollectorRegistry()
    h = Histogram("darkbook_settlement_stage_seconds", "per stage", ["stage"], registry=registry)
    times = StageTimes()
    times.sample(_page(h, registry))
    assert times.seconds["prove"] == {}
    times.sample(_page(h, registry, 4.0))
    times.sample(_page(h, registry, 2.0))
    times.sample(_page(h, registry, 1.0, 3.0))  # two proofs between samples: shared evenly
    assert times.seconds["prove"] == {1: 4.0, 2: 2.0, 3: 2.0, 4: 2.0}
    assert times.seconds["witness"][1] == pytest.approx(0.4)
    assert times.approximate == {3, 4}
    assert times.per_batch("prove") == pytest.approx(2.5)


def test_the_oracle_prices_from_a_file_when_the_service_can(tmp_path: Path) -> None:
    got = price_file_settings(tmp_path)
    if "oracle_price_source" not in Settings.model_fields:
        assert got == {}
        return
    path = Path(got["oracle_price_source"].removeprefix("file:"))
    assert path.parent == tmp_path
    quote = json.loads(path.read_text())
    assert quote["spot"] > 0 and 0 < quote["vol"] < 5
