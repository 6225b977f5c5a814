"""The service's chain as a desk sees it: the contracts ``GET /v1/venue`` names, at the RPC URL
the service printed; the proven leaves a desk decrypts from the batches' on-chain data."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.contract import Contract

from prover.statement.data_blob import LeafPlain, decrypt_own
from recovery.chain_data import read_chain
from relayer.chain.deploy import compile_contracts
from relayer.chain.deposit import mint_and_deposit
from relayer.demo.desks import Desk, demo_key

OPERATOR_KEY = demo_key("operator").public_key()  # account 0 (the service's operator_secret)


def tx_key(tx_hash: str) -> str:
    """A transaction hash as lower-case hex without 0x (web3 and the API differ)."""
    return tx_hash.lower().removeprefix("0x")


def batch_numbers(batches: list[dict[str, Any]]) -> dict[str, int]:
    """``GET /v1/batches`` rows as {transaction hash: the relayer's batch number}."""
    return {tx_key(b["tx_hash"]): b["batch_id"] for b in batches if b["tx_hash"]}


@dataclass
class DeskChain:
    w3: Web3
    settlement: Contract
    token: Contract

    @classmethod
    def connect(cls, rpc_url: str, venue_chain: dict[str, Any]) -> DeskChain:
        w3 = Web3(Web3.HTTPProvider(rpc_url))
        arts = compile_contracts()
        settlement = w3.eth.contract(
            address=venue_chain["settlement_address"], abi=arts["Settlement"].abi
        )
        token = w3.eth.contract(address=venue_chain["token_address"], abi=arts["TestToken"].abi)
        return cls(w3, settlement, token)

    def balance(self, eth: str) -> int:
        return int(self.token.functions.balanceOf(eth).call())

    def gas_used(self, tx_hash: str) -> int:
        return int(self.w3.eth.get_transaction_receipt(tx_hash)["gasUsed"])

    def fund(self, desks: list[Desk], amount: int) -> None:
        """Every desk deposits ``amount`` on-chain, all at once (one thread each) so that the
        service's watcher finds them in one pass; each desk's account id then follows from
        the queue order (the venue gives new keys the next id from 1; 0 is the operator's)."""
        with ThreadPoolExecutor(len(desks)) as pool:
            done = pool.map(
                lambda d: mint_and_deposit(
                    self.token, self.settlement, d.eth, amount, d.key.public_key()
                ),
                desks,
            )
            list(done)  # re-raises a failed deposit
        logs = self.settlement.events.Deposited().get_logs(from_block=0)
        keys: list[tuple[int, int]] = [OPERATOR_KEY]  # account 0, whatever it deposits
        for lg in sorted(logs, key=lambda lg: lg["args"]["queueIndex"]):
            key = (int(lg["args"]["ax"]), int(lg["args"]["ay"]))
            if key not in keys:
                keys.append(key)
        for d in desks:
            d.account_id = keys.index(d.key.public_key())

    def insure(self, eth: str, amount: int) -> None:
        """The operator tops up account 0 on-chain: the insurance fund a liquidation draws on
        (account 0 takes the liquidated positions and must pass initial margin with them).
        Only the key's owner may deposit to it (``keyOwner``: the deployer holds account 0's
        key), so it deposits from there whatever ``eth`` names when an owner is bound."""
        owner = self.settlement.functions.keyOwner(*OPERATOR_KEY).call()
        sender = eth if int(owner, 16) == 0 else owner
        mint_and_deposit(self.token, self.settlement, sender, amount, OPERATOR_KEY)

    def claim(self, eth: str) -> tuple[int, int]:
        """``Settlement.claim()`` from ``eth``: (amount paid, gas)."""
        before = self.balance(eth)
        tx = self.settlement.functions.claim().transact({"from": eth})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx)
        if receipt["status"] != 1:
            raise RuntimeError(f"claim() from {eth} reverted")
        return self.balance(eth) - before, int(receipt["gasUsed"])

    def proven_leaf(
        self, desk: Desk, positions: int, batch_of_tx: dict[str, int]
    ) -> tuple[int, LeafPlain] | None:
        """The desk's newest leaf from chain data: (batch, leaf), decrypted with its key. Each
        entry's pads use its batch's seed (recovery.chain_data: its old root and time) and the
        operator's public key; the batch number is the relayer's, found through
        ``GET /v1/batches``'s ``tx_hash`` (the same as the event's); a batch whose hash the
        service has not recorded yet is left for the next look (callers poll)."""
        chain, found = read_chain(self.w3, self.settlement.address), None
        for i, b in enumerate(chain.batches):
            number = batch_of_tx.get(tx_key(b.tx))
            if number is None:  # landed, its hash not recorded by the service yet: next look
                continue
            seed = chain.seed(i)
            leaf = decrypt_own(b.data, desk.key, desk.account_id, seed, OPERATOR_KEY, positions)
            if leaf is not None:
                found = (number, leaf)
        return found
