"""Issue 18 rule 1 on chain: real anvil, the real `test` batch circuit and verifier, real
proofs. A batch's trading fees leave the account tree (bits 64..127 of batchTimestamp), reach
`feesAccrued` (FeesAccrued), and only the admin sweeps them, once: more than accrued reverts.
Account 0 (which holds what the venue owes others) gets none of them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD

from prover.build.anvil import LocalChain, local_chain
from prover.statement import encoding
from prover.statement.public_inputs import stamped_fees
from relayer.chain.deposit import mint_and_deposit
from relayer.settlement.deployment import deploy_venue
from relayer.settlement.market import build_venue_market
from relayer.settlement.pipeline import SettlementPipeline
from testkit.contracts import decode_error, error_table
from testkit.settlement import DESK_A, DESK_B, FUNDS, OPERATOR, fill, order

pytestmark = pytest.mark.slow  # compiles and proves the test batch configuration


@pytest.fixture(scope="module")
def chain() -> Iterator[LocalChain]:
    with local_chain() as c:
        yield c


def test_batch_fees_reach_fees_accrued_and_are_swept_once(chain: LocalChain) -> None:
    w3, eth = chain.w3, chain.accounts
    venue = deploy_venue(w3, "test", operator=OPERATOR)
    cfg, s = venue.config, venue.settlement.functions
    errors = error_table(venue.settlement.abi)

    def refused(fn, sender: str) -> str:
        with pytest.raises(ContractCustomError) as info:
            fn.transact({"from": sender})
        return decode_error(errors, info.value.data)[0]  # type: ignore[arg-type]

    now = int(w3.eth.get_block("latest")["timestamp"])
    vm = build_venue_market(cfg, now)
    tx = venue.oracle.functions.publish(vm.hash, now).transact({"from": venue.oracle_owner})
    w3.eth.wait_for_transaction_receipt(tx)
    p = SettlementPipeline(venue, vm.table, OPERATOR)
    for who, desk in ((eth[1], DESK_A), (eth[2], DESK_B)):
        mint_and_deposit(venue.token, venue.settlement, who, FUNDS, desk.public_key())
    p.poll_deposits()
    while p.batcher.deposits:
        sb = p.seal()
        assert sb is not None
        p.prove(sb)
        p.submit(sb)

    row = next(r for r in vm.table.rows if r.series_id and r.status == 0)
    qty = 3
    buy = order(DESK_A, cfg, 1, 1, row.series_id, encoding.SIDE_BUY, row.mark, qty)
    sell = order(DESK_B, cfg, 2, 1, row.series_id, encoding.SIDE_SELL, row.mark, qty)
    p.batcher.add_fill(fill(1, buy, sell, row.mark, qty))
    sb = p.seal()
    assert sb is not None and stamped_fees(sb.public[3]) == 2 * cfg.fee * qty
    p.prove(sb)
    receipt = w3.eth.get_transaction_receipt(p.submit(sb).tx_hash)
    fees = 2 * cfg.fee * qty * s.unitScale().call()
    (ev,) = venue.settlement.events.FeesAccrued().process_receipt(receipt, errors=DISCARD)
    assert ev.args.amount == fees and s.feesAccrued().call() == fees
    assert s.stateRoot().call() == p.batcher.state.root
    assert p.batcher.state.get(0).collateral == 0  # no fee reached account 0

    treasury = eth[5]
    assert refused(s.sweepFees(treasury, fees), eth[1]).startswith("AccessControl")
    assert refused(s.sweepFees(treasury, fees + 1), venue.admin) == "FeesExceeded"
    assert refused(s.sweepFees("0x" + "00" * 20, fees), venue.admin) == "InvalidTreasury"
    before = venue.token.functions.balanceOf(treasury).call()
    tx = s.sweepFees(treasury, fees).transact({"from": venue.admin})
    swept = w3.eth.wait_for_transaction_receipt(tx)
    (ev,) = venue.settlement.events.FeesSwept().process_receipt(swept, errors=DISCARD)
    assert (ev.args.treasury, ev.args.amount) == (treasury, fees)
    assert venue.token.functions.balanceOf(treasury).call() == before + fees
    assert s.feesAccrued().call() == 0
    assert refused(s.sweepFees(treasury, 1), venue.admin) == "FeesExceeded"  # swept once
