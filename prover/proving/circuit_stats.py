"""Constraint counts of the batch circuit and its parts, after circom's --O2 simplification.

``total`` is the whole batch main of a config. ``per_slot`` and ``per_template`` compile each
slot template / rule template alone with the config's parameters (a generated main per
parameter set under build/circuits/parts/), so each count is that template's own cost; circom
simplifies across template boundaries inside the batch, so the parts can sum to slightly more
than the total. Compiles are cached by content hash: a second run only reads the counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prover.build import cache
from prover.build.circom import CompiledCircuit, compile_circuit
from prover.build.toolchain import build_root
from prover.proving.batch import batch_main
from prover.statement.config import CircuitConfig, get_config


def template_main(file: str, template: str, params: Sequence[int], folder: Path) -> Path:
    """Write (if changed) a main instantiating template(params) from circuits/<file>."""
    args = ", ".join(str(p) for p in params)
    source = f'pragma circom 2.1.0;\n\ninclude "{file}";\n\ncomponent main = {template}({args});\n'
    tag = "_".join(str(p)[:12] for p in params)
    folder.mkdir(parents=True, exist_ok=True)
    main = folder / (f"{template}_{tag}.circom" if tag else f"{template}.circom")
    return cache.write_if_changed(main, source)


def compile_template(
    file: str, template: str, params: Sequence[int] = (), folder: Path | None = None
) -> CompiledCircuit:
    folder = folder or build_root() / "circuits" / "parts"
    return compile_circuit(template_main(file, template, params, folder))


def _parts(c: CircuitConfig) -> tuple[dict[str, tuple], dict[str, tuple]]:
    ad, od, p, m, s = c.account_depth, c.order_depth, c.positions, c.series, c.scenarios
    slots = {
        "fill": ("fill-slot.circom", "FillSlot", (od, p, m, c.accounts, c.domain, c.fee)),
        "account": ("account-slot.circom", "AccountSlot", (ad, p, m, s)),
        "queue": ("queue-slot.circom", "QueueSlot", (ad, od, p, m, s, c.empty_orders_root)),
        "withdrawal": ("withdrawal-slot.circom", "WithdrawalSlot", (ad, od, p, m, s, c.domain)),
        "liquidation": ("liquidation-slot.circom", "LiquidationSlot", (ad, p, m, s, c.penalty)),
        "settlement": ("settle-slot.circom", "SettleSlot", (ad, p, m)),
        "fee_credit": ("fee-credit.circom", "FeeCredit", (ad, p)),
        "market_hash": ("market-hash.circom", "MarketHash", (m, s)),
    }
    templates = {
        "RangeCheck64": ("range-check-64.circom", "RangeCheck64", ()),
        "SignedRange64": ("signed-range-64.circom", "SignedRange64", ()),
        "OrderHash": ("order-hash.circom", "OrderHash", ()),
        "SignedMessage": ("signed-message.circom", "SignedMessage", ()),
        "AccountLeaf": ("account-leaf.circom", "AccountLeaf", (p,)),
        "PositionsHash": ("account-leaf.circom", "PositionsHash", (p,)),  # in it when P > 5
        "MerkleUpdate4(account)": ("quad-merkle-update.circom", "MerkleUpdate4", (ad,)),
        "MerkleUpdate4(order)": ("quad-merkle-update.circom", "MerkleUpdate4", (od // 2,)),
        "LeafUpdate": ("leaf-update.circom", "LeafUpdate", (ad,)),
        "OrderSlotUpdate": ("order-slot-update.circom", "OrderSlotUpdate", (od, 0)),
        "Fill": ("fill.circom", "Fill", (c.fee,)),
        "PositionAdd": ("position-add.circom", "PositionAdd", (p,)),
        "Margin": ("margin.circom", "Margin", (p, m, s)),
        "MarginDelta": ("margin-delta.circom", "MarginDelta", (p, m, s)),
        "HedgeRule": ("hedge-rule.circom", "HedgeRule", (p,)),
        "TriggerHolds": ("trigger-holds.circom", "TriggerHolds", (m,)),
        "ScenarioEquity": ("scenario-equity.circom", "ScenarioEquity", (p, m, s)),
        "QueueWord": ("queue-word.circom", "QueueWord", (ad,)),
        "DepositCredit": ("deposit-credit.circom", "DepositCredit", (ad,)),
        "FreeCollateral": ("free-collateral.circom", "FreeCollateral", (p, m, s)),
        "ForcedWithdrawal": ("forced-withdrawal.circom", "ForcedWithdrawal", ()),
        "CancelOrder": ("cancel-order.circom", "CancelOrder", (od,)),
        "SeriesLookup": ("series-lookup.circom", "SeriesLookup", (m,)),
        "MarketHash": ("market-hash.circom", "MarketHash", (m, s)),
        "MarketIds": ("market-ids.circom", "MarketIds", (m,)),
        "MarketStatus": ("market-status.circom", "MarketStatus", (m,)),
        "MarketPadding": ("market-padding.circom", "MarketPadding", (m, s)),
        "MarketRanges": ("market-ranges.circom", "MarketRanges", (m,)),
        "FillSide": ("fill-side.circom", "FillSide", (od, p, c.domain)),
        "FillTerms": ("fill-terms.circom", "FillTerms", (m, c.fee)),
        "AccountPick": ("account-route.circom", "AccountPick", (c.accounts, 5 + 2 * p)),
        "AccountWrite": ("account-route.circom", "AccountWrite", (c.accounts, 2 + 2 * p)),
        "OperatorKey": ("operator-key.circom", "OperatorKey", ()),
        "NewAccountEnc": ("new-account-enc.circom", "NewAccountEnc", ()),
        "BlobCipher": ("blob-cipher.circom", "BlobCipher", (p,)),
        "BlobEntry": ("blob-entry.circom", "BlobEntry", (p,)),
        "BlobPublished": ("blob-published.circom", "BlobPublished", (records(c),)),
        "BlobPublished(-2)": ("blob-published.circom", "BlobPublished", (records(c) - 2,)),
        "BlobFingerprint": ("blob-fingerprint.circom", "BlobFingerprint", (records(c),)),
    }
    return slots, templates


def records(c: CircuitConfig) -> int:
    """Blob records of the batch: one per leaf-writing slot (DA_SPEC sec. 2), N =
    D + A + 2L + X + W + 1."""
    return c.deposits + c.accounts + 2 * c.liquidations + c.settlements + c.withdrawals + 1


def fill_part(c: CircuitConfig, per_slot: dict[str, int], per_template: dict[str, int]) -> int:
    """What one more fill slot costs: FillSlot, its HedgeRule and the 2A products that read
    the mandate account's delta and fill count."""
    return per_slot["fill"] + per_template["HedgeRule"] + 2 * c.accounts


def account_part(per_slot: dict[str, int], per_template: dict[str, int]) -> int:
    """What one more account slot costs: AccountSlot, its blob record (BlobEntry), its share of
    BlobPublished (the pairs with the other records) and of BlobFingerprint (2 a record)."""
    published = per_template["BlobPublished"] - per_template["BlobPublished(-2)"]
    return per_slot["account"] + per_template["BlobEntry"] + published // 2 + 2


def per_fill(c: CircuitConfig, fill: int, account: int) -> int:
    """A full batch's cost per fill beyond the fixed part: a fill slot (``fill``) and A / T
    account slots (``account`` each)."""
    return fill + round(c.accounts * account / c.trades)


def circuit_stats(name: str) -> dict[str, Any]:
    """{"config", "params", "total", "per_slot", "per_template", "per_fill", "per_fill_slot",
    "per_account_slot", "fixed"}: constraint counts (``fixed`` = total - T * per_fill_slot -
    A * per_account_slot: what a batch costs with no fill and no account slot)."""
    c = get_config(name)
    batch = compile_circuit(batch_main(c), symbols=c.symbols)
    slots, templates = _parts(c)
    per_slot = {k: compile_template(*v).constraints for k, v in slots.items()}
    per_template = {k: compile_template(*v).constraints for k, v in templates.items()}
    fill, account = fill_part(c, per_slot, per_template), account_part(per_slot, per_template)
    return {
        "config": c.name,
        "params": {
            "account_depth": c.account_depth,
            "account_arity": c.account_arity,
            "order_depth": c.order_depth,
            "P": c.positions,
            "S": c.scenarios,
            "M": c.series,
            "trades": c.trades,
            "accounts": c.accounts,
            "deposits": c.deposits,
            "withdrawals": c.withdrawals,
            "liquidations": c.liquidations,
            "settlements": c.settlements,
            "fee": c.fee,
            "penalty": c.penalty,
        },
        "total": batch.constraints,
        "per_slot": per_slot,
        "per_template": per_template,
        "per_fill": per_fill(c, fill, account),
        "per_fill_slot": fill,
        "per_account_slot": account,
        "fixed": batch.constraints - c.trades * fill - c.accounts * account,
    }
