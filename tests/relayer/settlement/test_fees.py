"""Settlement transactions: EIP-1559 fees under the operator's cap, the nonce from the chain.

Real anvil; no proof needed (the pricing is read before any batch exists)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prover.build.anvil import LocalChain, local_chain
from relayer.settlement.fees import GWEI, FeeCapExceeded, FeePolicy, price_transaction


@pytest.fixture(scope="module")
def chain() -> Iterator[LocalChain]:
    with local_chain() as c:
        yield c


def _mine_with_base_fee(chain: LocalChain, wei: int) -> None:
    chain.w3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(wei)])
    chain.w3.provider.make_request("evm_mine", [])


def test_fees_follow_the_base_fee_and_the_nonce_the_chain(chain: LocalChain) -> None:
    w3, sender = chain.w3, chain.accounts[3]
    _mine_with_base_fee(chain, 7 * GWEI)
    p = price_transaction(w3, sender, FeePolicy(priority_fee=2 * GWEI))
    assert (p.max_fee_per_gas, p.max_priority_fee_per_gas) == (16 * GWEI, 2 * GWEI)
    before = p.nonce
    assert before == w3.eth.get_transaction_count(sender)
    tx = w3.eth.send_transaction({"from": sender, "to": sender, "value": 1, **p.fields()})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    assert receipt["type"] == 2 and receipt["status"] == 1
    # the next price reads the chain again: the sent transaction moved the nonce
    assert price_transaction(w3, sender, FeePolicy()).nonce == before + 1


def test_a_base_fee_above_the_cap_is_refused_not_paid(chain: LocalChain) -> None:
    _mine_with_base_fee(chain, 300 * GWEI)
    with pytest.raises(FeeCapExceeded, match="above the cap") as err:
        price_transaction(chain.w3, chain.accounts[3], FeePolicy(max_fee_cap=500 * GWEI))
    assert err.value.needed > err.value.cap
    _mine_with_base_fee(chain, 1 * GWEI)  # leave the module's chain cheap again
