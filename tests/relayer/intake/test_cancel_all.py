"""Cancel-all over real HTTP: one signed request closes every resting order of the account
(or of one series), books one cancel per order in the log, is idempotent, and is refused when
signed by another account, replayed, or for an unknown series."""

from __future__ import annotations

from relayer.intake.client import sign_request
from tests.relayer.conftest import PUT, SERIES, Desk, LiveServer, read_timestamp_ms
from tests.relayer.intake.signed import signed_post

PX = 7_000_000_000


def _ticks(server: LiveServer) -> dict[int, int]:
    return {int(s["series_id"]): int(s["price_tick"]) for s in server.http.get("/v1/series").json()}


def test_cancel_all_per_series_then_all_is_idempotent(
    server: LiveServer, desks: list[Desk]
) -> None:
    a, b = desks[0], desks[1]
    tick = _ticks(server)
    for sid, k in ((SERIES, 1), (SERIES, 2), (PUT, 1)):
        assert a.order(sid, "buy", k * tick[sid], 1).json()["orders"][0]["status"] == "open"
    assert b.order(SERIES, "buy", tick[SERIES], 1).status_code == 200  # another account's
    path = f"/v1/accounts/{a.account_id}/cancel-all"
    events = server.events()

    r = signed_post(a, f"{path}?series_id={PUT}")
    assert r.status_code == 200, r.text
    assert [(o["series_id"], o["status"]) for o in r.json()["cancelled"]] == [
        (str(PUT), "cancelled")
    ]
    assert sorted(o["series_id"] for o in a.open_orders()) == [str(SERIES)] * 2

    r = signed_post(a, path)
    assert [o["reason"] for o in r.json()["cancelled"]] == ["cancelled_by_owner"] * 2
    assert a.open_orders() == [] and server.events() == events + 3  # one cancel event each
    assert [o["status"] for o in b.open_orders()] == ["open"]  # untouched

    again = signed_post(a, path)
    assert (again.status_code, again.json()) == (200, {"cancelled": []})
    assert server.events() == events + 3  # nothing to cancel: nothing booked


def test_cancel_all_refusals(server: LiveServer, desks: list[Desk]) -> None:
    a, b = desks[0], desks[1]
    tick = _ticks(server)[SERIES]
    assert a.order(SERIES, "buy", tick, 1).status_code == 200
    path = f"/v1/accounts/{a.account_id}/cancel-all"

    other = b.srv.http.post(path, headers=sign_request(b.key, b.dom, b.account_id, "POST", path))
    assert (other.status_code, other.json()["error"]["code"]) == (403, "forbidden")

    headers = sign_request(a.key, a.dom, a.account_id, "POST", path, read_timestamp_ms())
    swapped = a.srv.http.post(
        f"{path}?series_id={PUT}", headers=headers
    )  # signed for another query
    assert (swapped.status_code, swapped.json()["error"]["code"]) == (401, "bad_auth")
    assert len(a.open_orders()) == 1

    assert a.srv.http.post(path, headers=headers).status_code == 200
    replay = a.srv.http.post(path, headers=headers)
    assert (replay.status_code, replay.json()["error"]["code"]) == (409, "replayed_request")

    unknown = signed_post(a, f"{path}?series_id=424242")
    assert (unknown.status_code, unknown.json()["error"]) == (
        422,
        {"code": "unknown_series", "field": "series_id", "reason": "no series 424242"},
    )
