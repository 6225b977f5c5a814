"""How the batcher packs fills: within T fill slots and A account slots (one per account the
fills touch), and a hedge mandate's account with no other fill in the batch (its hedge is
checked on the account's delta after all its fills). A unit that does not fit waits for the
next batch, in order; a batch's first unit is always tried (and refused if it never fits)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from prover.statement import encoding
from prover.statement.config import get_config
from relayer.settlement.batcher import _Packing

CFG = replace(get_config("test"), trades=3, accounts=3)


def _order(account: int, side: int) -> encoding.Order:
    return encoding.Order(account, 1, 1, side, 10, 1, 2_000_000_000)


def _mandate(account: int) -> encoding.Mandate:
    return encoding.Mandate(account, 2, 1, 5, 4, 2_000_000_000, 1, 3, 1)


def _fill(buy: encoding.Order | encoding.Mandate, sell: encoding.Order) -> SimpleNamespace:
    trade = SimpleNamespace(buy=SimpleNamespace(order=buy), sell=SimpleNamespace(order=sell))
    return SimpleNamespace(trade=trade)


def test_fills_pack_while_their_accounts_fit_the_account_slots() -> None:
    p = _Packing(CFG)
    p.take([_fill(_order(1, 0), _order(2, 1))])
    assert p.fits([_fill(_order(2, 0), _order(1, 1))])  # the same two accounts: no new slot
    assert p.fits([_fill(_order(1, 0), _order(3, 1))])  # a third account: the last slot
    p.take([_fill(_order(1, 0), _order(3, 1))])
    assert not p.fits([_fill(_order(4, 0), _order(1, 1))])  # a fourth: the next batch


def test_fills_beyond_the_fill_slots_wait() -> None:
    p = _Packing(CFG)
    p.take([_fill(_order(1, 0), _order(2, 1))] * 2)
    assert p.fits([_fill(_order(1, 0), _order(2, 1))])
    assert not p.fits([_fill(_order(1, 0), _order(2, 1))] * 2)  # a group of two: whole or not


def test_a_mandate_account_has_no_other_fill_in_the_batch() -> None:
    p = _Packing(CFG)
    p.take([_fill(_mandate(1), _order(2, 1))])
    assert not p.fits([_fill(_order(1, 0), _order(3, 1))])  # another fill of the mandate's
    assert p.fits([_fill(_order(3, 0), _order(2, 1))])  # its counterparty may trade on
    q = _Packing(CFG)
    q.take([_fill(_order(1, 0), _order(2, 1))])
    assert not q.fits([_fill(_mandate(1), _order(3, 1))])  # a mandate of an account that traded


def test_the_first_unit_is_always_tried() -> None:
    p = _Packing(replace(CFG, accounts=2))
    group = [_fill(_order(1, 0), _order(2, 1)), _fill(_order(1, 0), _order(3, 1))]
    assert p.fits(group)  # three accounts > 2 slots: the model refuses it by name
