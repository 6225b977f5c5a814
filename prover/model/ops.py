"""The operations a batch carries, as the relayer hands them to the model."""

from __future__ import annotations

from dataclasses import dataclass, field

from prover.crypto.eddsa import PrivateKey, Signature
from prover.statement import encoding, queue
from prover.statement.market import MarketTable


@dataclass(frozen=True)
class SignedOrder:
    """A signed order, or a signed hedge mandate taking one side of a hedge fill."""

    order: encoding.Order | encoding.Mandate
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
    """A deposit entry of the on-chain queue (key, units) and the account the relayer
    credits (its choice: the key's account, or the next free id for a new key)."""

    ax: int
    ay: int
    amount: int
    account_id: int

    @property
    def word(self) -> int:
        return self.amount  # queue.deposit_word, unchecked: negative tests queue bad amounts


@dataclass(frozen=True)
class ForcedWithdrawal:
    """A forced withdrawal entry of the queue (issue 19): the owner of key (ax, ay) asks
    account ``account_id`` to pay ``amount`` venue units (``queue.EVERYTHING``: all that is
    free). The batch pays ``min(amount, free collateral)`` when the account holds the key (and
    is not account 0), else 0. ``pay``, when given, is what the operator claims to pay instead
    of the model's own choice; only tests name one, to ask for a cheat."""

    ax: int
    ay: int
    account_id: int
    amount: int
    pay: int | None = None

    @property
    def word(self) -> int:
        return queue.withdrawal_word(self.account_id, self.amount)


@dataclass(frozen=True)
class Cancel:
    """A cancel entry of the queue (issue 18 rule 5): kills account ``account_id``'s orders
    in slot ``order_id mod 2^OD`` whose id is ``<= order_id``, when the account holds the key.
    ``skip = True`` asks the model for the cheat that leaves the slot as it is (tests only)."""

    ax: int
    ay: int
    account_id: int
    order_id: int
    skip: bool = False

    @property
    def word(self) -> int:
        return queue.cancel_word(self.account_id, self.order_id)


QueueEntry = Deposit | ForcedWithdrawal | Cancel


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
class Touch:
    """Cover (DA_SPEC sec. 2): rewrite an existing account's leaf with ``count`` + 1 and every
    other field unchanged, from an empty touch-capable slot (prover.model.touches). Its blob
    entry looks like any other write's, so the blob does not tell who traded."""

    account_id: int


@dataclass(frozen=True)
class Batch:
    """Operations in circuit order: queue entries (``deposits``: deposits, forced withdrawals,
    cancels, in queue order), trades, liquidations, settlements, withdrawals (then account 0's
    net flow). ``touches`` fill the empty touch-capable slots in order (prover.model.touches).
    The data blob and its public inputs are not carried: ``apply_batch`` derives them."""

    timestamp: int
    market: MarketTable
    deposits: tuple[QueueEntry, ...] = ()
    trades: tuple[Trade, ...] = ()
    withdrawals: tuple[Withdrawal, ...] = ()
    liquidations: tuple[Liquidation, ...] = ()
    settlements: tuple[Settlement, ...] = ()
    touches: tuple[Touch, ...] = ()
    notes: dict[str, str] = field(default_factory=dict, compare=False)


def sign_order(key: PrivateKey, domain: int, order: encoding.Order) -> SignedOrder:
    return SignedOrder(order, key.sign(encoding.order_hash(domain, order)))


def sign_mandate(key: PrivateKey, domain: int, mandate: encoding.Mandate) -> SignedOrder:
    return SignedOrder(mandate, key.sign(encoding.mandate_hash(domain, mandate)))


def sign_withdrawal(
    key: PrivateKey, domain: int, account_id: int, nonce: int, amount: int, eth_address: int
) -> Withdrawal:
    msg = encoding.withdrawal_hash(domain, account_id, nonce, amount, eth_address)
    return Withdrawal(account_id, nonce, amount, eth_address, key.sign(msg))
