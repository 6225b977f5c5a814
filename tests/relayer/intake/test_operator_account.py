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
