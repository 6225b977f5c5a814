"""The relayer's fills are provable: fed to the batch circuit's reference model
(prover.model.apply_batch, strict) in fill order, every batch is accepted, and the model's
accounts end where the relayer's ledger is (collateral, positions, fees)."""

from __future__ import annotations

import pytest

from prover.crypto.eddsa import Signature
from prover.model.apply import apply_batch
from prover.model.errors import Rejected
from prover.model.ops import Batch, SignedOrder, Trade
from prover.model.sample import key_for
from prover.model.state import State
from prover.statement.config import get_config
from prover.statement.encoding import Order
from prover.statement.public_inputs import stamped_fees
from relayer.storage.repository import Repository
from tests.relayer.conftest import LiveServer, make_key
from tests.relayer.intake.test_determinism import play, session

FIELDS = ("account_id", "order_id", "series_id", "side", "price", "qty", "expiry")


def signed(o: dict) -> SignedOrder:
    return SignedOrder(
        Order(*(o[k] for k in FIELDS)), Signature(o["sig_r8x"], o["sig_r8y"], o["sig_s"])
    )


@pytest.mark.parametrize("collateral", [10**12, 25 * 10**9])  # ample; $25k: margin binds
def test_relayer_fills_pass_the_circuit_model(server: LiveServer, collateral: int) -> None:
    keys, reqs = session(21, 80, server.dom)
    results = play(server, keys, reqs, collateral)
    venue = server.venue
    cfg = get_config(server.settings.circuit)
    assert cfg.domain == server.dom

    fee_key = key_for(0)  # account 0's key: its secret scalar makes each leaf's enc
    state = State.genesis(cfg, fee_key.public_key(), fee_key.secret_scalar())
    for aid, acct in venue.engine.ledger.accounts.items():
        deposited = state.new_account(acct.ax, acct.ay)
        deposited.collateral = collateral  # what play() deposited
        state.write(aid, deposited)  # created: count 1
    assert [make_key(k).public_key() for k in keys] == [
        venue.engine.ledger.accounts[i + 1].pubkey for i in range(len(keys))
    ]
    market = venue.snapshot.table  # the table the relayer margined against, as batches carry it
    repo = Repository(server.settings.db_url())
    try:
        trades = repo.trades_after(0)
    finally:
        repo.close()
    assert len(trades) >= 5
    if collateral < 10**12:  # margin did bind: refusals at intake or cancels while matching
        refused = sum(isinstance(r, dict) for r in results)
        margin_cancels = sum(
            o["reason"] == "insufficient_margin"
            for r in results
            if not isinstance(r, dict)
            for o in r[0]
        )
        assert refused + margin_cancels > 0
    first = trades[0]
    too_dear = Trade(
        signed(first["buy"]), signed(first["sell"]), first["buy"]["price"] + 1, first["qty"]
    )
    with pytest.raises(Rejected, match="buy_limit"):  # the model is strict: it does refuse
        apply_batch(state, Batch(first["created_at"], market, trades=(too_dear,)))
    fees = 0
    for i in range(0, len(trades), cfg.trades):
        chunk = trades[i : i + cfg.trades]
        batch = Batch(
            max(t["created_at"] for t in chunk),
            market,
            trades=tuple(
                Trade(signed(t["buy"]), signed(t["sell"]), t["price"], t["qty"]) for t in chunk
            ),
        )
        result = apply_batch(state, batch)  # raises Rejected(rule) if unprovable
        state, fees = result.state, fees + stamped_fees(result.public[3])

    for aid, acct in venue.engine.ledger.accounts.items():
        model = state.get(aid)
        assert model.collateral == acct.collateral
        assert {s: q for s, q in model.positions if q} == acct.positions
    # the fees leave the tree in the batches' stamps (issue 18 rule 1), never account 0's
    assert fees == venue.engine.ledger.fees and state.get(0).collateral == 0
