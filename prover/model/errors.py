"""The one exception of the reference model: a batch broke a rule, and which."""

from __future__ import annotations

from prover.errors import DarkbookError
from prover.statement.hedge import HEDGE_RULES
from prover.statement.market import PROMISES

RULES: dict[str, str] = {
    "signature": "the order or withdrawal is not signed by the account's key",
    "account": "the account does not exist",
    "replay": "the order id / nonce is below the one in its order slot (replay or cancelled)",
    "overfill": "the fill takes the order past its quantity",
    "series": "the two orders are for different series",
    "sides": "the first order is not a buy or the second not a sell",
    "buy_limit": "the fill price is above the buy order's limit",
    "sell_limit": "the fill price is below the sell order's limit",
    "qty_positive": "the fill quantity is zero",
    "expired": "an order expired before the batch timestamp",
    "series_not_live": "the series is not a live series of the market table",
    "series_expired": "the batch timestamp is at or after the series' own expiry (the table's)",
    "position_slots": "the account has no free position slot for the series (or the one named "
    "holds another series)",
    "split_slot": "the fill or liquidation transfer lands in an empty slot while another slot "
    "holds the series (one slot per series)",
    "collateral": "the account's collateral would go negative",
    "margin": "the account fails the initial margin rule afterwards",
    "range": "a value leaves its 64-bit range",
    "deposit_key": "the deposit's account holds another key",
    "not_liquidatable": "the account passes the maintenance rule in the named scenario",
    "not_expired": "the series settled is not an expired series of the market table",
    "no_position": "the account holds no position in the series settled",
    "fee_account": "account 0 (insurance, clearing) is needed but does not exist",
    "operator_withdrawal": "account 0 withdraws: what it holds is owed to others (settlement "
    "float, insurance; only fees, which leave the tree, are the venue's)",
    "trigger": "a triggered order fills in a batch whose market table does not satisfy its "
    "trigger (the series' mark on the wrong side of the level, or the series not listed)",
    "group_start": "a fill starts a leg of an atomic group whose order was filled before (a "
    "group fills whole in one batch)",
    "group_incomplete": "an atomic group's fills stop before every leg is complete (the next "
    "trade slot does not continue it, or the batch ends)",
    "group_link": "two fills of one atomic group sit in the same trade slot",
    "group_leg": "leg 0 of an atomic group is not the order that names the group",
    "group_repeat": "a fill of an atomic group's leg after that leg completed",
    "operator_trade": "account 0 is a party of a trade (it could move the float it holds for "
    "others to an accomplice at a chosen price)",
    "slot_count": "the batch has more operations of a kind than the circuit has slots (or its "
    "fills touch more accounts than it has account slots)",
    "forced_withdrawals": "the batch consumes more than one forced withdrawal (the stamp has "
    "room for one payout; the next waits for the next batch)",
    "forced_paid": "a forced withdrawal pays other than min(amount, free collateral) (issue 19: "
    "pay what margin allows, or prove it forbids it)",
    "cancel_skipped": "an on-chain cancel that applies leaves its order slot alive",
    "market": "the market table does not fit the circuit",
    "touch": "a cover touch names no existing account (a touch only rewrites a leaf that "
    "exists, count + 1)",
    "mandate_limit": "a hedge fill's price is worse than the mandate's limit (the mark plus "
    "its distance buying, minus it selling)",
    "hedge_alone": "a hedge mandate's account has another fill side in the batch (its hedge "
    "is checked on the account's delta after all its fills, so the hedge must be its only one)",
    **HEDGE_RULES,
    # the oracle's promises about the table (prover.statement.market.PROMISES, docs/risk.md)
    **{
        name: f"the market table breaks an oracle promise: {what}"
        for name, what in PROMISES.items()
    },
}


class Rejected(DarkbookError):
    """A batch (or one operation of it) breaks a rule of the circuit; ``rule`` names it."""

    def __init__(self, rule: str, detail: str = "") -> None:
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}")
        self.rule = rule
        self.detail = detail
        super().__init__(f"{rule}: {detail or RULES[rule]}")
