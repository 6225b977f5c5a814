"""Hedge mandates in the batch circuit against the model (docs/CONVENTIONS.md, "Mandates").

The operator picks when a mandate fills, against which order, at what price and size: each
cheat below breaks exactly one rule of the mandate, the model names it, and the circuit refuses
the inputs the model builds for it anyway.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from prover.model.apply import apply_batch
from prover.model.errors import Rejected
from prover.model.ops import Batch, Cancel, SignedOrder, Trade, sign_mandate, sign_order
from prover.model.sample import NOW, World, genesis
from prover.statement import encoding
from prover.statement.hedge import portfolio_delta
from testkit.batch_circuit import TEST, accepted, batch_circuit, refusal

pytestmark = pytest.mark.slow  # compiles the test batch configuration

DOM = TEST.domain
FUTURE = 2  # the sample table's series 2: delta +666,666 per contract (series 1: -333,333)
BAND = {"band_lo": 1_000_000, "band_hi": 3_000_000}  # account 1 starts flat: below the band


def _world() -> World:
    return genesis(TEST, 3, random.Random(11))


def _mandate(w: World, account: int, **over) -> SignedOrder:
    fields = {
        "account_id": account,
        "order_id": w.next_nonce(account),
        "series_id": FUTURE,
        "price": 5,
        "qty": 10,
        "expiry": NOW + 100,
        **BAND,
        "max_per_fill": 4,
        **over,
    }
    return sign_mandate(w.keys[account], DOM, encoding.Mandate(**fields))


def _order(w: World, account: int, side: int, price: int) -> SignedOrder:
    o = encoding.Order(account, w.next_nonce(account), FUTURE, side, price, 10, NOW + 100)
    return sign_order(w.keys[account], DOM, o)


def _hedge(w: World, fill: int = 2, above: int = 0, **mandate) -> Batch:
    """Account 1's mandate buys ``fill`` from account 2 at the mark + ``above``."""
    mark = w.market.row(FUTURE).mark
    trade = Trade(_mandate(w, 1, **mandate), _order(w, 2, 1, mark), mark + above, fill)
    return Batch(NOW, w.market, trades=(trade,))


def _sell_hedge(w: World, fill: int = 2, **mandate) -> Batch:
    """Account 2's mandate sells ``fill`` to account 1's order at the mark."""
    mark = w.market.row(FUTURE).mark
    trade = Trade(_order(w, 1, 0, mark), _mandate(w, 2, **mandate), mark, fill)
    return Batch(NOW, w.market, trades=(trade,))


def test_a_hedge_toward_the_band_is_accepted_and_moves_the_delta() -> None:
    batch_circuit()
    w = _world()
    result = apply_batch(w.state, _hedge(w, fill=2, above=5))
    assert accepted(result.inputs)
    positions = result.state.get(1).positions
    assert portfolio_delta(positions, w.market.deltas()) == 2 * 666_666  # in [1e6, 3e6]


def test_a_selling_hedge_from_above_the_band_is_accepted() -> None:
    batch_circuit()
    w = _world()
    batch = _sell_hedge(w, fill=3, band_lo=-3_000_000, band_hi=-1_000_000)
    assert accepted(apply_batch(w.state, batch).inputs)


def _revoked(w: World) -> Batch:
    """The owner revoked the mandate on-chain (a queue cancel of its order id, served first in
    the same batch): a hedge under it after that is refused (its slot is spent)."""
    batch = _hedge(w)
    mandate = batch.trades[0].buy.order
    revoke = Cancel(*w.keys[1].public_key(), 1, mandate.order_id)
    return replace(batch, deposits=(revoke,))


CASES = {
    "revoked": _revoked,
    "hedge_inside": lambda w: _hedge(w, band_lo=-1_000_000, band_hi=1_000_000),
    "hedge_overshoot": lambda w: _hedge(w, fill=2, band_lo=1_000_000, band_hi=1_200_000),
    "hedge_direction": lambda w: _sell_hedge(w),  # below the band, and it sells
    "hedge_per_fill": lambda w: _hedge(w, fill=3, max_per_fill=2),
    "mandate_limit": lambda w: _hedge(w, above=6),  # one past mark + 5
    "overfill": lambda w: _hedge(w, fill=3, qty=2),  # past the total
    # the hedge is checked on the account's delta after all its fills: none but the hedge
    "hedge_alone": lambda w: Batch(
        NOW,
        w.market,
        trades=(
            Trade(
                _mandate(w, 1),
                _order(w, 1, 1, w.market.row(FUTURE).mark),
                w.market.row(FUTURE).mark,
                2,
            ),
        ),
    ),
    "hedge_pair": lambda w: Batch(
        NOW,
        w.market,
        trades=(
            Trade(
                _mandate(w, 1),
                _mandate(w, 2, band_lo=-3_000_000, band_hi=-1_000_000),
                w.market.row(FUTURE).mark,
                2,
            ),
        ),
    ),
}


# the template whose constraint refuses each cheat (the witness calculator names it)
REFUSED_BY = {
    "hedge_pair": "FillTerms",
    "hedge_alone": "Batch",
    "mandate_limit": "Fill",
    "overfill": "OrderSlotUpdate",
    "revoked": "OrderSlotUpdate",
}
RULE_OF = {"revoked": "overfill"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hedge_breaking_one_rule_is_refused_by_model_and_circuit(case: str) -> None:
    batch_circuit()
    w = _world()
    batch = CASES[case](w)
    rule = RULE_OF.get(case, case)
    with pytest.raises(Rejected) as err:
        apply_batch(w.state, batch)
    assert err.value.rule == rule
    loose = apply_batch(w.state, batch, strict=False)
    assert set(loose.rules) == {rule}, loose.violations
    error = refusal(loose.inputs)
    assert error is not None, f"the circuit accepted a hedge breaking {case}"
    assert f"template {REFUSED_BY.get(case, 'HedgeRule')}_" in error, error
