"""The exit market table from chain data alone: the oracle publishes every table in full
(``TablePublished``, docs/CONVENTIONS.md "Market table words") in the transaction that
registers its hash on Settlement, so an owner rebuilds it and checks its Poseidon hash."""

from __future__ import annotations

from web3 import Web3

from prover.statement.errors import StatementError
from prover.statement.market import MarketTable
from recovery.abi import TABLE_PUBLISHED
from recovery.chain_data import settlement
from recovery.errors import RecoveryError

_TOPIC = Web3.keccak(text=TABLE_PUBLISHED)


def published_table(
    w3: Web3, address: str, market_hash: int, m: int, s: int, from_block: int = 0
) -> MarketTable:
    """The table registered on Settlement at ``address`` under ``market_hash``, for a circuit
    of M = ``m`` rows and S = ``s`` scenarios; RecoveryError naming what is missing."""
    c = settlement(w3, address)
    regs = c.events.MarketRegistered().get_logs(
        from_block=from_block, argument_filters={"marketHash": market_hash}
    )
    if not regs:
        raise RecoveryError(f"Settlement never registered market table {market_hash:#x}")
    topic = market_hash.to_bytes(32, "big")
    wrong: RecoveryError | None = None  # a published table that is not this hash's
    for reg in regs:
        for lg in w3.eth.get_transaction_receipt(reg["transactionHash"])["logs"]:
            if len(lg["topics"]) == 2 and lg["topics"][0] == _TOPIC and lg["topics"][1] == topic:
                (words,) = w3.codec.decode(["int256[]"], bytes(lg["data"]))
                try:
                    return _checked(list(words), market_hash, m, s)
                except RecoveryError as exc:
                    wrong = exc
    if wrong is not None:
        raise wrong
    raise RecoveryError(
        f"market table {market_hash:#x} was registered without its table published "
        f"({TABLE_PUBLISHED}): ask the oracle for it (`darkbook desk exit --market-table`)"
    )


def exit_table(w3: Web3, address: str, m: int, s: int) -> MarketTable:
    """The table exits are valued at (Settlement's ``exitMarketHash``), as published."""
    want = int(settlement(w3, address).functions.exitMarketHash().call())
    return published_table(w3, address, want, m, s)


def _checked(words: list[int], market_hash: int, m: int, s: int) -> MarketTable:
    try:
        table = MarketTable.from_words(words, s)
        got = table.hash(m, s)
    except StatementError as exc:
        raise RecoveryError(
            f"the table published for {market_hash:#x} is malformed: {exc}"
        ) from None
    if got != market_hash:
        raise RecoveryError(
            f"the table published for {market_hash:#x} hashes to {got:#x}: the oracle published "
            "another table than it registered"
        )
    return table
