"""Issue 18 rule 1 at intake: account 0 holds what the venue owes others (settlement float,
insurance), so orders and withdrawals signed for it are refused before anything is stored,
with their own code (the batch circuit would refuse them too: NotOperator)."""

from __future__ import annotations

from tests.relayer.conftest import SERIES, Desk, LiveServer, make_key


def test_orders_and_withdrawals_for_account_0_are_refused(server: LiveServer) -> None:
    operator = Desk(server, make_key(99), 0, server.dom)
    events = server.events()
    r = operator.order(SERIES, "buy", 2_000_000_000, 1)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert (err["code"], err["field"]) == ("operator_account", "legs[0].account_id")
    assert "issue 18 rule 1" in err["reason"]
    r = operator.withdraw(10)
    assert r.status_code == 422, r.text
    assert (r.json()["error"]["code"], r.json()["error"]["field"]) == (
        "operator_account",
        "account_id",
    )
    assert server.events() == events  # nothing stored


def test_the_operator_reads_account_0_with_its_key(server: LiveServer) -> None:
    """Account 0 never trades, but the operator reads what it holds (insurance, float) as any
    owner does: a signed read with account 0's key, and nobody else's."""
    key = make_key(99)
    server.venue.open_operator_account(key.public_key())
    server.venue.credit_chain_deposit(*key.public_key(), 5_000, 0, True)
    r = Desk(server, key, 0, server.dom).get("/v1/accounts/0")
    assert r.status_code == 200 and r.json()["collateral"] == "5000", r.text
    r = Desk(server, make_key(98), 0, server.dom).get("/v1/accounts/0")
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_auth", r.text
