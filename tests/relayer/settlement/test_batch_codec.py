"""A sealed batch kept in the database comes back with every signed field: groups, triggers and
a mandate's band (the resumed batch re-verifies each signature over them)."""

from __future__ import annotations

import random

from prover.model.ops import Batch, Trade, sign_mandate, sign_order
from prover.model.sample import NOW, key_for, sample_market
from prover.statement import encoding
from prover.statement.config import get_config
from relayer.settlement.batch_codec import batch_from_json, batch_to_json


def test_grouped_triggered_and_mandate_sides_round_trip() -> None:
    cfg = get_config("test")
    leg = encoding.Order(1, 5, 2, 0, 100, 3, NOW + 9, 5, 0, 2, 1, -7, 2)
    mandate = encoding.Mandate(2, 8, 2, 15, 10, NOW + 9, -3_000_000, -1_000, 4)
    trade = Trade(
        sign_order(key_for(1), cfg.domain, leg),
        sign_mandate(key_for(2), cfg.domain, mandate),
        100,
        2,
    )
    batch = Batch(NOW, sample_market(cfg, random.Random(1)), trades=(trade,))
    again = batch_from_json(batch_to_json(batch))
    assert again == batch
    assert again.trades[0].sell.order == mandate


def test_a_record_with_the_first_seven_fields_reads_as_a_plain_order() -> None:
    from relayer.settlement.batch_codec import _signed_from

    so = _signed_from([[1, 2, 3, 0, 100, 1, NOW], [1, 2, 3]])
    assert so.order == encoding.Order(1, 2, 3, 0, 100, 1, NOW)
