"""A desk's on-chain deposit on a local chain: mint the test token, approve, deposit."""

from __future__ import annotations

from typing import Any

from web3.contract import Contract


def mint_and_deposit(
    token: Contract, settlement: Contract, eth: str, amount: int, pubkey: tuple[int, int]
) -> None:
    """Mint ``amount`` of the TestToken to ``eth``, approve Settlement and deposit it for the
    trading key ``pubkey``; raises if any of the three transactions reverts."""
    w3 = settlement.w3
    for fn in (
        token.functions.mint(eth, amount),
        token.functions.approve(settlement.address, amount),
        settlement.functions.deposit(amount, *pubkey),
    ):
        tx: Any = fn.transact({"from": eth})
        if w3.eth.wait_for_transaction_receipt(tx)["status"] != 1:
            raise RuntimeError(f"{fn.fn_name} from {eth} reverted (transaction {tx.hex()})")
