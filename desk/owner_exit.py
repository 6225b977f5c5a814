"""The desk's way out without the operator: rebuild its account from Settlement's events alone
(recovery/), compare with what the relayer says, and in exit mode prove and claim the exit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from desk.chain import DeskChain
from desk.errors import ChainTxFailed, DeskError
from prover.crypto.eddsa import PrivateKey
from prover.statement.config import CircuitConfig
from prover.statement.market import MarketTable
from recovery import market_table
from recovery.chain_data import read_chain
from recovery.errors import RecoveryError
from recovery.exit import build_exit, send_exit
from recovery.rebuild import Recovered, recover_account

REASONS = {0: "none", 1: "inactivity", 2: "request overdue"}
EXIT_ABI = [
    {
        "type": "function",
        "name": n,
        "inputs": i,
        "outputs": [{"name": "", "type": o}],
        "stateMutability": "view",
    }
    for n, i, o in (
        ("exitModeDue", [], "uint8"),
        ("livenessPeriod", [], "uint64"),
        ("exitRequestPeriod", [], "uint64"),
        ("exitMarketHash", [], "uint256"),
        ("exited", [{"name": "a", "type": "uint256"}], "bool"),
    )
] + [
    {
        "type": "function",
        "name": "state",
        "inputs": [],
        "outputs": [
            {
                "name": "",
                "type": "tuple",
                "components": [
                    {"name": n, "type": t}
                    for n, t in (
                        ("processed", "uint40"),
                        ("queueLength", "uint40"),
                        ("lastBatchTimestamp", "uint40"),
                        ("lastBatchAt", "uint40"),
                        ("batchCount", "uint40"),
                        ("pendingRequests", "uint24"),
                        ("exitMode", "bool"),
                    )
                ],
            }
        ],
        "stateMutability": "view",
    },
    {
        "type": "function",
        "name": "triggerExitMode",
        "inputs": [],
        "outputs": [],
        "stateMutability": "nonpayable",
    },
]


class NotInExitMode(DeskError):
    """An exit asked for while the contract is not (and cannot yet be put) in exit mode."""


class AlreadyExited(DeskError):
    """The account's exit was already paid: an account exits once."""


@dataclass(frozen=True)
class Recovery:
    """The account as the chain proves it, and how the relayer's view compares."""

    recovered: Recovered
    relayer_reachable: bool
    differences: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        lf = self.recovered.leaf
        return {
            "account_id": self.recovered.account_id,
            "batch": self.recovered.batch,
            "root": hex(self.recovered.root),
            "collateral": str(lf.collateral),
            "positions": [{"series_id": str(s), "qty": str(q)} for s, q in lf.positions if s and q],
            "relayer_reachable": self.relayer_reachable,
            "agrees": self.relayer_reachable and not self.differences,
            "differences": self.differences,
        }


@dataclass(frozen=True)
class ExitPaid:
    account_id: int
    proven: int  # tokens the proof shows
    paid: int  # tokens claim() moved to the desk's address
    exit_transaction: str
    claim_transaction: str | None


def recover(
    chain: DeskChain, key: PrivateKey, config: CircuitConfig, account_id: int | None
) -> Recovered:
    """The account's newest proven leaf and Merkle path, from Settlement's events alone."""
    try:
        return recover_account(
            read_chain(chain.w3, chain.settlement.address), key, config, account_id
        )
    except RecoveryError as exc:
        raise DeskError(f"recovery from chain data failed: {exc}") from None


def exit_table(chain: DeskChain, config: CircuitConfig) -> MarketTable:
    """The exit market table (hash ``exitMarketHash``) as the oracle published it on-chain."""
    try:
        return market_table.exit_table(
            chain.w3, chain.settlement.address, config.series, config.scenarios
        )
    except RecoveryError as exc:
        raise DeskError(f"the exit market table: {exc}") from None


def _contract(chain: DeskChain) -> Any:
    return chain.w3.eth.contract(address=chain.settlement.address, abi=EXIT_ABI)


def _not_due(c: Any, now: int) -> NotInExitMode:
    st = c.functions.state().call()
    liveness = int(c.functions.livenessPeriod().call())
    due = int(st[3]) + liveness
    pending = int(st[5])
    more = (
        f"; {pending} on-chain request(s) wait: unserved for exitRequestPeriod "
        f"({int(c.functions.exitRequestPeriod().call())} s) also makes it due"
        if pending
        else ""
    )
    return NotInExitMode(
        "the venue is not in exit mode and it is not due: batches still land. It becomes due "
        f"if no batch lands by {due} (unix; in {max(0, due - now)} s: livenessPeriod "
        f"{liveness} s after the last batch){more}. Until then withdraw through the relayer or "
        "`darkbook desk withdraw --forced`"
    )


def enter_exit_mode(chain: DeskChain) -> str | None:
    """Trigger exit mode if due and not entered (the transaction), None if already in it;
    :class:`NotInExitMode` saying when it becomes due otherwise."""
    c = _contract(chain)
    if c.functions.state().call()[6]:
        return None
    if int(c.functions.exitModeDue().call()) == 0:
        raise _not_due(c, int(chain.w3.eth.get_block("latest")["timestamp"]))
    return chain.send(c.functions.triggerExitMode(), "triggerExitMode")


def exit_account(
    chain: DeskChain, rec: Recovered, table: MarketTable, key: PrivateKey, config: CircuitConfig
) -> ExitPaid:
    """Prove the recovered leaf's exit to the desk's address, send it, and claim."""
    c = _contract(chain)
    if c.functions.exited(rec.account_id).call():
        raise AlreadyExited(
            f"account {rec.account_id} already exited: its exit was paid once and cannot be "
            "sent again (`darkbook desk claim` collects anything still claimable)"
        )
    want = int(c.functions.exitMarketHash().call())
    if table.hash(config.series, config.scenarios) != want:
        raise DeskError(
            f"the market table given (epoch {table.epoch}) is not the exit table (hash "
            f"{want:#x} on-chain): pass the oracle's table published for that hash"
        )
    me = chain.sender()
    try:
        proof = build_exit(config, rec, table, key, me)
        tx = send_exit(chain.w3, chain.settlement.address, proof, me)
    except Exception as exc:  # a statement error, or the contract's revert
        raise ChainTxFailed(
            f"exit of account {rec.account_id}: {type(exc).__name__}: {exc}"
        ) from None
    scale = int(chain.unit_scale())
    due = chain.claimable()
    claim_tx = chain.claim()[0] if due else None
    return ExitPaid(rec.account_id, proof.public.amount * scale, due, tx, claim_tx)
