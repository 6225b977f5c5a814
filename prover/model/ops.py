"""The operations a batch carries, as the relayer hands them to the model."""

from __future__ import annotations

from dataclasses import dataclass, field

from prover.crypto.eddsa import PrivateKey, Signature
from prover.statement import encoding
from prover.statement.market import MarketTable


@dataclass(frozen=True)
class SignedOrder:
    order: encoding.Order
    sig: Signature


@dataclass(frozen=True)
class Trade:
    """A fill of ``qty`` at ``price`` between a buy order and a sell order.

    ``position_slots`` (buyer's, seller's) names the position slot each side lands in, as the
    prover's ``tPosSel`` does; ``None`` (the default) is the model's choice: the slot holding the
    series, else the first empty one. Only tests name one, to ask for a cheat."""

    buy: SignedOrder
    sell: SignedOrder
    price: int
    qty: int
    position_slots: tuple[int | None, int | None] = (None, None)


@dataclass(frozen=True)
class Deposit:
    """The next on-chain queue entry (key, amount) and the account the relayer credits.

    A forced-exit request is the entry ``(accountId, requesterAddress, 0)``: amount 0, consumed
    from the queue without changing any leaf (``account_id`` is then ignored)."""

    ax: int
    ay: int
    amount: int
    account_id: int


@dataclass(frozen=True)
class Withdrawal:
    account_id: int
    nonce: int
    amount: int
    eth_address: int
    sig: Signature


@dataclass(frozen=True)
class Liquidation:
    """Account ``account_id`` fails maintenance in ``scenario``; account 0 takes its positions.

    ``liquidator_slots[i]``, when given and not ``None``, names account 0's slot receiving the
    account's slot i (the prover's ``qLSel``); otherwise the model chooses as for a trade."""

    account_id: int
    scenario: int
    liquidator_slots: tuple[int | None, ...] = ()


@dataclass(frozen=True)
class Settlement:
    """Settle the account's position in an expired series at the oracle's settlement value."""

    account_id: int
    series_id: int


@dataclass(frozen=True)
class Batch:
    """Operations in circuit order: deposits, trades, liquidations, settlements, withdrawals
    (then account 0's net flow)."""

    timestamp: int
    market: MarketTable
    deposits: tuple[Deposit, ...] = ()
    trades: tuple[Trade, ...] = ()
    withdrawals: tuple[Withdrawal, ...] = ()
    liquidations: tuple[Liquidation, ...] = ()
    settlements: tuple[Settlement, ...] = ()
    data_hash: int = 0
    notes: dict[str, str] = field(default_factory=dict, compare=False)


def sign_order(key: PrivateKey, domain: int, order: encoding.Order) -> SignedOrder:
    return SignedOrder(order, key.sign(encoding.order_hash(domain, order)))


def sign_withdrawal(
    key: PrivateKey, domain: int, account_id: int, nonce: int, amount: int, eth_address: int
) -> Withdrawal:
    msg = encoding.withdrawal_hash(domain, account_id, nonce, amount, eth_address)
    return Withdrawal(account_id, nonce, amount, eth_address, key.sign(msg))
