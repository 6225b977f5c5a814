"""A `test` venue on anvil for the settlement fault tests, read through any RPC URL.

``FaultVenue.make(chain)`` deploys the venue (real verifier, cached circuit), registers its
market table and tops up account 0; ``loop(repo, rpc_url)`` builds the service's settlement
loop on a fresh database, its contracts read (and its transactions sent) through ``rpc_url``,
e.g. an ``RpcProxy`` in front of the same anvil. Helpers count what landed on chain.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from hexbytes import HexBytes
from web3 import Web3

from prover.build.anvil import LocalChain
from prover.crypto.eddsa import PrivateKey
from prover.model.ops import sign_withdrawal
from prover.statement import encoding
from relayer.chain.deposit import mint_and_deposit
from relayer.settings import ANVIL_RELAYER_KEY
from relayer.settlement import resume
from relayer.settlement.deployment import VenueDeployment
from relayer.settlement.loop import SettlementLoop
from relayer.settlement.market import VenueMarket
from relayer.storage.repository import Repository
from relayer.storage.tables import withdrawals
from testkit.settlement import OPERATOR, venue_with_table

RELAYER = Account.from_key(ANVIL_RELAYER_KEY).address


def rpc(w3: Web3, method: str, *params: Any) -> Any:
    return w3.provider.make_request(method, list(params))["result"]  # type: ignore[arg-type]


@dataclass
class FaultVenue:
    chain: LocalChain
    venue: VenueDeployment
    vm: VenueMarket
    deploy_block: int

    @classmethod
    def make(cls, chain: LocalChain) -> FaultVenue:
        w3 = chain.w3
        block = w3.eth.block_number
        venue, vm = venue_with_table(w3)
        return cls(chain, venue, vm, block)

    def deposit(self, eth: str, key: PrivateKey, amount: int = 10**9) -> None:
        mint_and_deposit(self.venue.token, self.venue.settlement, eth, amount, key.public_key())

    def through(self, url: str, timeout: float = 30.0) -> VenueDeployment:
        """The venue with its contracts bound to a provider on ``url``."""
        w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))
        v = self.venue
        return dataclasses.replace(
            v,
            settlement=w3.eth.contract(address=v.settlement.address, abi=v.settlement.abi),
            token=w3.eth.contract(address=v.token.address, abi=v.token.abi),
            oracle=w3.eth.contract(address=v.oracle.address, abi=v.oracle.abi),
        )

    def loop(
        self, repo: Repository, url: str | None = None, *, timeout: float = 30.0, **kw: Any
    ) -> SettlementLoop:
        """The service's loop on ``repo``, resumed, reading and sending through ``url``."""
        venue = self.through(url or self.chain.url, timeout)
        kw.setdefault("batch_seconds", 0.0)
        loop = SettlementLoop(venue, self.vm.table, OPERATOR, repo, **kw)
        resume.resume(loop.pipeline, self.deploy_block)
        return loop

    # -- what the chain holds -----------------------------------------------------------

    def count(self) -> int:
        return int(self.venue.settlement.functions.state().call()[4])

    def batch_events(self) -> list[Any]:
        ev = self.venue.settlement.events.BatchSubmitted()
        return sorted(ev.get_logs(from_block=0), key=lambda e: e["args"]["batchNumber"])

    def relayer_txs(self) -> list[tuple[str, int]]:
        """(hash, receipt status) of every mined transaction the relayer key sent."""
        w3 = self.chain.w3
        out = []
        for n in range(w3.eth.block_number + 1):
            for tx in w3.eth.get_block(n, full_transactions=True)["transactions"]:
                if tx["from"] == RELAYER:
                    status = w3.eth.get_transaction_receipt(tx["hash"])["status"]
                    out.append(("0x" + bytes(tx["hash"]).hex(), status))
        return out

    def settled_once(self, batches: int) -> None:
        """Exactly one BatchSubmitted per batch 1..batches, and no relayer transaction wasted
        (every one it got mined succeeded: no second send reverted)."""
        numbers = [e["args"]["batchNumber"] for e in self.batch_events()]
        assert numbers == list(range(1, batches + 1)), numbers
        txs = self.relayer_txs()
        assert [s for _, s in txs] == [1] * batches, txs
        assert self.count() == batches

    def withdrawal_row(self, repo: Repository, key: PrivateKey, account_id: int, amount: int,
                       eth: str, seq: int) -> int:  # fmt: skip
        """A withdrawal as the intake stores it (``queued``); returns its hash."""
        cfg = self.venue.config
        w = sign_withdrawal(key, cfg.domain, account_id, 1, amount, int(eth, 16))
        h = encoding.withdrawal_hash(cfg.domain, account_id, 1, amount, int(eth, 16))
        with repo.engine.begin() as conn:
            conn.execute(
                withdrawals.insert().values(
                    withdrawal_hash=h,
                    account_id=account_id,
                    nonce=1,
                    amount=amount,
                    eth_address=eth.lower(),
                    sig_r8x=w.sig.r8x,
                    sig_r8y=w.sig.r8y,
                    sig_s=w.sig.s,
                    event_seq=seq,
                    status="queued",
                    created_at=0,
                    updated_at=0,
                )
            )
        return h


def decoded(raw: bytes) -> dict[str, Any]:
    """A signed type-2 transaction's fields."""
    return dict(TypedTransaction.from_bytes(HexBytes(raw)).as_dict())


def settlement_sends(raws: list[bytes], settlement: str) -> list[dict[str, Any]]:
    """Those of ``raws`` that call the Settlement contract."""
    out = []
    for raw in raws:
        tx = decoded(raw)
        if Web3.to_checksum_address(bytes(tx["to"])) == settlement:
            out.append({**tx, "hash": "0x" + Web3.keccak(raw).hex()})
    return out


def tmp_repo(tmp: Path, name: str = "relayer.db") -> Repository:
    return Repository(f"sqlite:///{tmp / name}")
