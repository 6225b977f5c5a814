"""The batch's public-input layout, withdrawal value and deposit-chain step, as CONVENTIONS.md
writes them."""

from __future__ import annotations

import pytest

from prover.crypto.poseidon import poseidon
from prover.statement import data_blob
from prover.statement.config import CONFIGS
from prover.statement.errors import StatementError
from prover.statement.public_inputs import (
    SIGNALS,
    PublicInputs,
    data_binding,
    deposit_chain_step,
    stamp,
    stamped_fees,
    unstamp,
    withdrawal_slots,
    withdrawal_value,
)

SAMPLE = PublicInputs(1, 2, 3, 4, 5, 6, (7, 8), 9)


def test_order_is_the_conventions_table() -> None:
    assert SIGNALS[-1] == "dataBinding" and "dataAlpha" not in SIGNALS
    assert SAMPLE.to_list() == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert list(SAMPLE.signals()) == list(SIGNALS)
    signals = SAMPLE.signals()
    assert signals["withdrawal"] == [7, 8]
    assert signals["dataBinding"] == 9
    for config in CONFIGS.values():  # the generated main declares the same signals
        assert f"public [{', '.join(SIGNALS)}]" in config.main_source()


def test_from_list_round_trips_and_checks_the_slot_count() -> None:
    assert PublicInputs.from_list(SAMPLE.to_list()) == SAMPLE
    assert PublicInputs.from_list(SAMPLE.to_list(), withdrawal_slots=2) == SAMPLE
    none = PublicInputs.from_list([1, 2, 3, 4, 5, 6, 9])
    assert none.withdrawals == () and none.data_binding == 9
    with pytest.raises(StatementError, match="8 public inputs"):
        PublicInputs.from_list(SAMPLE.to_list(), withdrawal_slots=1)
    with pytest.raises(StatementError):
        PublicInputs.from_list([1, 2, 3])


def test_the_stamp_carries_time_fees_and_refunds() -> None:
    """batchTimestamp = time + 2^64 fees + 2^128 refunds (issue 18 rules 1 and 7)."""
    value = stamp(1_900_000_000, 0b10, fees=70)
    assert value == 1_900_000_000 + (70 << 64) + (0b10 << 128)
    assert unstamp(value) == (1_900_000_000, 0b10) and stamped_fees(value) == 70
    both = PublicInputs(1, 2, 3, 1_900_000_000, 5, 6, (7, 8), 9, refunds=0b10, fees=70)
    assert both.to_list()[3] == value
    assert PublicInputs.from_list(both.to_list()) == both


def test_withdrawal_value_and_slots() -> None:
    address = 0xAB * (2**152 // 0xFF)  # some 160-bit address
    assert withdrawal_value(500, address) == 500 * 2**160 + address
    assert withdrawal_value(500, address) >> 160 == 500
    assert withdrawal_slots([5], 3) == (5, 0, 0)
    assert withdrawal_slots([5, 6], 1) == (5, 6)  # over-full batches are kept for the circuit


def test_deposit_chain_step_is_poseidon_of_four() -> None:
    assert deposit_chain_step(0, 1, 2, 3) == poseidon([0, 1, 2, 3])


def test_data_binding_is_the_blobs_alpha_and_fingerprint_tail() -> None:
    data = data_blob.build(5, [], 2)
    a = data_blob.alpha(data, 8)
    assert data_binding(data, 8) == a + (1 << 128)  # no entry: F is the empty product, 1
    with pytest.raises(StatementError, match="DBK3"):
        data_binding(b"DBK2" + data[4:], 8)
