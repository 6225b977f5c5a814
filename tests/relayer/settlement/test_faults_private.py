"""With ``private_tx_url`` set, every settlement transaction is signed locally and sent as
``eth_sendRawTransaction`` to that endpoint only; the public RPC answers the reads and never
sees a settlement transaction.

Two recording proxies in front of one anvil: the public RPC (everything the loop reads) and
the private endpoint. Real anvil, real proofs (`test` circuit), the service's loop configured
from ``Settings`` as ``relayer run`` does (relayer.settlement.submission)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.build.anvil import local_chain
from relayer.settings import ANVIL_RELAYER_KEY, Settings
from relayer.settlement import submission
from relayer.settlement.errors import SettlementError
from relayer.settlement.private_tx import TxSender
from testkit.fault_venue import FaultVenue, settlement_sends, tmp_repo
from testkit.rpc_proxy import RpcProxy
from testkit.settlement import DESK_A, DESK_B

pytestmark = pytest.mark.slow


def test_settlement_transactions_reach_the_private_endpoint_only(tmp_path: Path) -> None:
    with (
        local_chain() as chain,
        RpcProxy(chain.url) as public,
        RpcProxy(chain.url) as private,
    ):
        fv = FaultVenue.make(chain)
        fv.deposit(chain.accounts[1], DESK_A)
        fv.deposit(chain.accounts[2], DESK_B)
        loop = fv.loop(tmp_repo(tmp_path), public.url)
        settings = Settings(
            circuit="test",
            data_dir=tmp_path,
            private_tx_url=private.url,
            relayer_eth_key=ANVIL_RELAYER_KEY,
        )
        submission.configure(loop.pipeline, settings)
        for _ in range(6):
            loop.pass_once()
            if len(loop.batcher.sealed) == 2 and not loop.batcher.unconfirmed():
                break
        assert [b.status for b in loop.batcher.sealed] == ["confirmed", "confirmed"]
        fv.settled_once(2)

        landed = {"0x" + bytes(e["transactionHash"]).hex() for e in fv.batch_events()}
        sent = settlement_sends(private.raw_sends(), fv.venue.settlement.address)
        assert {s["hash"] for s in sent} == landed  # each landed batch went the private way
        assert {s.method for s in private.seen()} == {"eth_sendRawTransaction"}  # no reads
        # the public RPC read everything and carried no settlement transaction at all
        assert public.seen("eth_call") and public.seen("eth_getTransactionReceipt")
        assert not public.seen("eth_sendRawTransaction") and not public.seen("eth_sendTransaction")


def test_a_private_endpoint_without_a_local_key_is_refused() -> None:
    with local_chain() as chain:
        txs = TxSender(chain.w3, chain.accounts[5], None, "http://127.0.0.1:9")
        with pytest.raises(SettlementError, match="signed locally"):
            txs.sign({"to": chain.accounts[1], "value": 0, "nonce": 0})
