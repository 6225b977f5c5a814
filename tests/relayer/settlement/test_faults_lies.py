"""An RPC that lies about a settlement send: each batch still lands exactly once, is recorded,
and the nonce comes from the chain every time.

The service's settlement loop talks to anvil through a loopback proxy (testkit.rpc_proxy)
that answers the first send of each case with one lie — a timeout after the node took it,
"already known", "nonce too low", "replacement transaction underpriced" (each both when the
node did take the transaction and when it did not), a duplicate delivery — or plays a node
that is behind. Real anvil, real proofs (`test` circuit), two batches per case (the deposits of
desks A and B); after each case, one ``BatchSubmitted`` per batch and no relayer transaction
mined but the two that landed them (no second send that reverted)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from prover.build.anvil import local_chain
from relayer.settlement.loop import SettlementLoop
from testkit.fault_venue import FaultVenue, rpc, tmp_repo
from testkit.rpc_proxy import RpcProxy
from testkit.settlement import DESK_A, DESK_B

pytestmark = pytest.mark.slow

SEND = "eth_sendRawTransaction"
LIES = {  # case -> (action, message)
    "timeout after the node took it": ("timeout_after_forward", ""),
    "already known (taken)": ("error_after_forward", "already known"),
    "nonce too low (taken and mined)": ("error_after_forward", "nonce too low"),
    "nonce too low (not taken)": ("error", "nonce too low"),
    "underpriced (taken and mined)": ("error_after_forward", "replacement transaction underpriced"),
    "underpriced (not taken)": ("error", "replacement transaction underpriced"),
    "delivered twice": ("duplicate", ""),
}


@pytest.fixture(scope="module")
def fv() -> Iterator[FaultVenue]:
    with local_chain() as c:
        fv = FaultVenue.make(c)
        fv.deposit(c.accounts[1], DESK_A)
        fv.deposit(c.accounts[2], DESK_B)
        yield fv


@pytest.fixture
def fresh(fv: FaultVenue) -> Iterator[FaultVenue]:
    """The module's venue as deployed and funded, for one case (anvil snapshot/revert)."""
    snap = rpc(fv.chain.w3, "evm_snapshot")
    yield fv
    rpc(fv.chain.w3, "evm_revert", snap)


def _settle(loop: SettlementLoop, batches: int, passes: int = 8) -> None:
    for _ in range(passes):
        loop.pass_once()
        done = [b.status for b in loop.batcher.sealed] == ["confirmed"] * batches
        if done and not loop.batcher.has_work:
            return
    raise AssertionError(f"not settled: {loop.last_error}; {loop.batcher.sealed}")


@pytest.mark.parametrize("case", list(LIES))
def test_each_lie_lands_one_settlement_per_batch(
    fresh: FaultVenue, tmp_path: Path, case: str
) -> None:
    action, message = LIES[case]
    with RpcProxy(fresh.chain.url) as proxy:
        proxy.lie(SEND, action, message=message, delay=3.0)
        loop = fresh.loop(tmp_repo(tmp_path), proxy.url, timeout=1.0)
        _settle(loop, 2)
        assert proxy.seen(SEND)[0].answered == action  # the lie was told
    fresh.settled_once(2)
    assert loop.batcher.state.root == fresh.venue.settlement.functions.stateRoot().call()


def test_a_node_behind_is_waited_for_never_sent_to_twice(fresh: FaultVenue, tmp_path: Path) -> None:
    """A run sent batch 1 and stopped before recording it; the restarted loop's node is behind
    (it shows neither the batch nor the nonce it used): the send it makes is refused ("nonce
    too low" from the real chain), the pass fails, and once the node catches up the batch is
    found on chain and recorded, never landed twice."""
    w3 = fresh.chain.w3
    repo = tmp_repo(tmp_path)
    first = fresh.loop(repo)
    first.pipeline.poll_deposits()
    sb = first.pipeline.seal()
    assert sb is not None
    first.pipeline.prove(sb)
    before = w3.eth.block_number
    first.pipeline.submitter.submit(sb)  # lands; the database never hears of it
    assert fresh.count() == 1
    with RpcProxy(fresh.chain.url) as proxy:
        proxy.behind(before)
        loop = fresh.loop(repo, proxy.url)
        assert not loop.pass_once()  # refused while the node is behind
        assert "nonce" in (loop.last_error or "") and fresh.count() == 1
        assert [b.status for b in loop.batcher.sealed] == ["proved"]
        proxy.behind(None)
        _settle(loop, 2)
    fresh.settled_once(2)


def _mine_soon_after_send(proxy: RpcProxy, w3: Web3, after: float) -> threading.Thread:
    """Mine the pending send ``after`` seconds after the proxy saw it, then automine again."""

    def run() -> None:
        while not proxy.seen(SEND):
            time.sleep(0.01)
        time.sleep(after)
        rpc(w3, "evm_mine")
        rpc(w3, "evm_setAutomine", True)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_nonce_too_low_for_ours_not_yet_mined_sends_nothing_more(
    fresh: FaultVenue, tmp_path: Path
) -> None:
    """A "nonce too low" answer for the very transaction the node took but has not mined yet
    (mined while the submitter waits to look again): found on chain, never followed by a
    second send that reverts. CI met this race with anvil's automine under load."""
    w3 = fresh.chain.w3
    with RpcProxy(fresh.chain.url) as proxy:
        proxy.lie(SEND, "error_after_forward", message="nonce too low")
        rpc(w3, "evm_setAutomine", False)
        try:
            miner = _mine_soon_after_send(proxy, w3, after=0.1)
            loop = fresh.loop(tmp_repo(tmp_path), proxy.url, timeout=1.0)
            _settle(loop, 2)
            miner.join(timeout=5)
        finally:
            rpc(w3, "evm_setAutomine", True)
    fresh.settled_once(2)
