"""What the demo found, as a readable report and one JSON line (the summary tests and scripts
read: ``batches``, ``fills``, ``liquidations``, ``expiries``, ``withdrawals``,
``gas_per_fill``, ``prove_seconds_per_batch``, ``calldata_leaks``, ...)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from relayer.demo.keepers import KeeperChapter

Say = Callable[[str], None]
USD = 10**6  # collateral base units per USD (TestToken has 6 decimals)


def usd(base: int) -> str:
    if 0 < abs(base) < USD:
        return f"{base / USD:.6f} USD"
    return f"{base / USD:,.2f} USD"


@dataclass
class BatchLine:
    number: int
    status: str
    fills: int
    gas: int | None
    witness_seconds: float | None
    prove_seconds: float | None
    block: int | None
    new_root: str | None
    tx_hash: str | None


@dataclass
class FillLine:
    fill_id: int
    series_id: int
    qty: int
    price: int
    buyer: str
    seller: str
    batch_id: int | None
    settlement: str


@dataclass
class BalanceLine:
    desk: str
    account_id: int
    relayer_collateral: int
    relayer_positions: dict[int, int]
    proven_batch: int | None
    proven_collateral: int | None
    proven_positions: dict[int, int]

    @property
    def agree(self) -> bool:
        return (
            self.proven_collateral == self.relayer_collateral
            and self.proven_positions == self.relayer_positions
        )


@dataclass
class WithdrawalLine:
    desk: str
    amount: int
    statuses: list[str]  # as the owner read them, in turn
    claimed: int = 0
    claim_gas: int = 0


@dataclass
class DemoReport:
    config: str
    batches: list[BatchLine] = field(default_factory=list)
    fills: list[FillLine] = field(default_factory=list)
    keepers: list[KeeperChapter] = field(default_factory=list)
    withdrawals: list[WithdrawalLine] = field(default_factory=list)
    balances: list[BalanceLine] = field(default_factory=list)
    refusal: dict[str, Any] = field(default_factory=dict)
    chain_root_is_last_batch: bool = False
    fees_accrued: int = 0  # the contract's feesAccrued: fees out of the tree, the admin's
    calldata_leaks: int = -1
    transactions_scanned: int = 0
    prove_seconds_per_batch: float = 0.0
    witness_seconds_per_batch: float = 0.0
    seconds: float = 0.0

    def _count(self, name: str) -> int:
        return sum(k.count for k in self.keepers if k.name == name)

    def summary(self) -> dict[str, Any]:
        confirmed = [b for b in self.batches if b.status == "confirmed"]
        proven = [f for f in self.fills if f.settlement == "confirmed"]
        gas = sum(b.gas or 0 for b in confirmed)
        return {
            "config": self.config,
            "batches": len(confirmed),
            "fills": len(proven),
            "liquidations": self._count("liquidation"),
            "expiries": self._count("expiry"),
            "triggers_fired": self._count("trigger"),
            "hedges": self._count("hedge"),
            "withdrawals": sum(1 for w in self.withdrawals if w.claimed),
            "gas_per_fill": gas // len(proven) if proven else None,  # all batch gas / fills
            "prove_seconds_per_batch": round(self.prove_seconds_per_batch, 2),
            "witness_seconds_per_batch": round(self.witness_seconds_per_batch, 2),
            "fees_accrued": self.fees_accrued,
            "calldata_leaks": self.calldata_leaks,
            "transactions_scanned": self.transactions_scanned,
            "balances_agree": bool(self.balances) and all(b.agree for b in self.balances),
            "skipped": {k.name: k.skipped for k in self.keepers if k.skipped},
            "seconds": round(self.seconds, 1),
        }

    def json_line(self) -> str:
        return json.dumps(self.summary(), separators=(",", ":"))


def _secs(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}s"


def render(r: DemoReport, say: Say) -> None:
    say("report")
    say("   batch  status     fills  witness  prove   gas        block")
    for b in r.batches:
        gas = "-" if b.gas is None else f"{b.gas:,}"
        say(
            f"   {b.number:5}  {b.status:9}  {b.fills:5}  {_secs(b.witness_seconds):>7}  "
            f"{_secs(b.prove_seconds):>6}  {gas:9}  {b.block if b.block is not None else '-'}"
        )
    say("   fills (each desk's signed reads):")
    for f in r.fills:
        say(
            f"   #{f.fill_id} series {f.series_id}: {f.qty} @ {usd(f.price)} "
            f"{f.seller} -> {f.buyer}, batch {f.batch_id} {f.settlement}"
        )
    say("   keepers:")
    for k in r.keepers:
        say(f"   {k.name}: " + (f"skipped: {k.skipped}" if k.skipped else "; ".join(k.actions)))
    for w in r.withdrawals:
        say(
            f"   withdrawal {w.desk} {usd(w.amount)}: {' -> '.join(w.statuses)}, claimed "
            f"{usd(w.claimed)} on-chain (gas {w.claim_gas:,})"
        )
    say("   balances: proven (decrypted by each desk from chain data) vs the relayer's view")
    for bl in r.balances:
        proven = "-" if bl.proven_collateral is None else usd(bl.proven_collateral)
        pos = ", ".join(f"{q:+d} x {s}" for s, q in sorted(bl.relayer_positions.items())) or "-"
        say(
            f"   {bl.desk:10} account {bl.account_id}: relayer {usd(bl.relayer_collateral)}, "
            f"proven {proven} (batch {bl.proven_batch}), positions {pos}: "
            f"{'agree' if bl.agree else 'DISAGREE'}"
        )
    say(
        f"   calldata: {r.transactions_scanned} transactions to Settlement scanned for the "
        f"demo's order prices, sizes and sides in clear: {r.calldata_leaks} found"
    )
    say(f"   on-chain root is the last batch's: {r.chain_root_is_last_batch}")
    say(f"   fees out of the account tree (Settlement.feesAccrued): {usd(r.fees_accrued)}")
    say(f"done in {r.seconds:.1f}s")
    say(r.json_line())
