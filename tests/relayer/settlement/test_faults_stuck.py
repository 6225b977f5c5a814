"""A settlement transaction not mined within ``stuck_tx_seconds`` is replaced at the same nonce
with both EIP-1559 fees raised by at least 10%, up to the cap; one settlement lands, and each
replacement is counted (``darkbook_settlement_tx_replaced_total``) and logged.

Held back two ways: a proxy that swallows the first send (answers its hash, forwards nothing),
and anvil with automine off (the node holds it in its pool: the replacement must displace it).
Real anvil, real proofs (`test` circuit), the service's loop and metrics."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.build.anvil import local_chain
from relayer.api.metrics import Metrics
from relayer.settlement.fees import GWEI, FeePolicy, TxPricing
from relayer.settlement.loop import SettlementLoop
from relayer.settlement.tx_replacement import bumped, is_replacement
from testkit.fault_venue import FaultVenue, rpc, settlement_sends, tmp_repo
from testkit.rpc_proxy import RpcProxy
from testkit.settlement import DESK_A

pytestmark = pytest.mark.slow

SEND = "eth_sendRawTransaction"


def test_a_replacement_raises_both_fees_by_the_bump_and_stops_at_the_cap() -> None:
    policy = FeePolicy(priority_fee=1 * GWEI, max_fee_cap=5 * GWEI, bump_percent=12)
    first = TxPricing(7, 3 * GWEI, 1 * GWEI)
    second = bumped(first, policy, base_fee=1 * GWEI)
    assert second is not None and second.nonce == 7
    assert is_replacement(first, second, 12)  # both fees up by 12%, not only one
    assert second.max_priority_fee_per_gas == 1_120_000_000
    # the base fee rose meanwhile: the new fee covers 2 * base + tip, beyond the bump
    risen = bumped(first, policy, base_fee=19 * GWEI // 10)
    assert risen is not None
    assert risen.max_fee_per_gas == 38 * GWEI // 10 + risen.max_priority_fee_per_gas
    # a bump past the cap is refused: the transaction waits rather than pay more
    assert bumped(TxPricing(7, int(4.8 * GWEI), GWEI), policy, base_fee=GWEI) is None
    # a setting below the nodes' 10% is raised to it (else the node refuses the replacement)
    low = bumped(first, FeePolicy(max_fee_cap=10**12, bump_percent=1), base_fee=0)
    assert low is not None and is_replacement(first, low, 10)
    assert not is_replacement(first, TxPricing(7, 4 * GWEI, 1 * GWEI))  # the tip did not move


@pytest.fixture(scope="module")
def fv() -> Iterator[FaultVenue]:
    with local_chain() as c:
        fv = FaultVenue.make(c)
        fv.deposit(c.accounts[1], DESK_A)
        yield fv


@pytest.fixture
def fresh(fv: FaultVenue) -> Iterator[FaultVenue]:
    snap = rpc(fv.chain.w3, "evm_snapshot")
    yield fv
    rpc(fv.chain.w3, "evm_revert", snap)


def _loop(fv: FaultVenue, tmp: Path, url: str, metrics: Metrics) -> SettlementLoop:
    loop = fv.loop(tmp_repo(tmp), url)
    loop.observe = metrics.observe_settlement
    loop.pipeline.submitter.stuck_seconds = 1.5
    return loop


def _replaced(metrics: Metrics) -> float:
    value = metrics.registry.get_sample_value("darkbook_settlement_tx_replaced_total")
    return value or 0.0


def _check_replacement(fv: FaultVenue, proxy: RpcProxy, metrics: Metrics) -> None:
    sends = settlement_sends(proxy.raw_sends(), fv.venue.settlement.address)
    assert len(sends) >= 2
    first, landed = sends[0], fv.batch_events()[0]
    mined = "0x" + bytes(landed["transactionHash"]).hex()
    assert mined != first["hash"] and mined in [s["hash"] for s in sends[1:]]
    won = next(s for s in sends if s["hash"] == mined)
    assert won["nonce"] == first["nonce"]  # the same nonce: a replacement, not a second tx
    old = TxPricing(first["nonce"], first["maxFeePerGas"], first["maxPriorityFeePerGas"])
    new = TxPricing(won["nonce"], won["maxFeePerGas"], won["maxPriorityFeePerGas"])
    assert is_replacement(old, new, 10)
    assert _replaced(metrics) == len(sends) - 1 >= 1
    fv.settled_once(1)


def test_a_swallowed_send_is_replaced_with_higher_fees(
    fresh: FaultVenue, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Metrics()
    with RpcProxy(fresh.chain.url) as proxy:
        proxy.lie(SEND, "swallow")  # the provider says "sent" and drops it
        loop = _loop(fresh, tmp_path, proxy.url, metrics)
        with caplog.at_level(logging.WARNING, logger="darkbook.settlement"):
            assert loop.pass_once(), loop.last_error
        assert [b.status for b in loop.batcher.sealed] == ["confirmed"]
        _check_replacement(fresh, proxy, metrics)
    assert any("replaced at nonce" in r.getMessage() for r in caplog.records)


def test_a_transaction_held_in_the_pool_is_displaced_by_its_replacement(
    fresh: FaultVenue, tmp_path: Path
) -> None:
    w3, metrics = fresh.chain.w3, Metrics()
    with RpcProxy(fresh.chain.url) as proxy:
        loop = _loop(fresh, tmp_path, proxy.url, metrics)
        stop = threading.Event()

        def mine_after_the_replacement() -> None:  # the node includes only what its pool holds
            while not stop.wait(0.1):
                if len(settlement_sends(proxy.raw_sends(), fresh.venue.settlement.address)) >= 2:
                    rpc(w3, "evm_mine")
                    return

        rpc(w3, "evm_setAutomine", False)
        miner = threading.Thread(target=mine_after_the_replacement)
        try:
            loop.pipeline.poll_deposits()
            sb = loop.pipeline.seal()
            assert sb is not None
            loop.pipeline.prove(sb)
            miner.start()
            loop.pipeline.submit(sb)
        finally:
            stop.set()
            if miner.is_alive():
                miner.join()
            rpc(w3, "evm_setAutomine", True)
        assert sb.status == "confirmed"
        _check_replacement(fresh, proxy, metrics)
        # the displaced transaction is gone from the pool: nothing of the relayer's pending
        relayer = fresh.venue.relayer
        pending = w3.eth.get_transaction_count(relayer, "pending")
        assert pending == w3.eth.get_transaction_count(relayer, "latest")
