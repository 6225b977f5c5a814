"""A desk's whole day through `darkbook desk`, run as a user runs it (subprocess), against a
running `darkbook relayer run` and its anvil: keys -> deposit (credited by the venue's chain
watch) -> order -> fill -> positions -> withdraw (to claimable: a proven batch landed) ->
claim; then a two-leg spread and safe resubmission through the SDK. Real proofs: slow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desk import Desk, Leg, OffTick, WrongUnit
from desk.keystore import open_keys
from tests.desk.conftest import SCRYPT_N, Venue, desk_cli

DEPOSIT = 250_000 * 10**6
WITHDRAW = 10_000 * 10**6

pytestmark = [pytest.mark.long, pytest.mark.slow]


def _env(venue: Venue, keys_dir: Path, name: str) -> dict[str, str]:
    return {
        "DARKBOOK_DESK_RELAYER_URL": venue.url,
        "DARKBOOK_DESK_RPC_URL": venue.rpc_url,
        "DARKBOOK_DESK_KEYS_DIR": str(keys_dir),
        "DARKBOOK_DESK_KEY": name,
        "DARKBOOK_DESK_PASSPHRASE": f"passphrase of {name}",
    }


def _new_desk(venue: Venue, keys_dir: Path, name: str) -> dict[str, str]:
    env = _env(venue, keys_dir, name)
    desk_cli(env, "keys", "new", name, "--scrypt-n", str(SCRYPT_N))
    address = json.loads(desk_cli(env, "keys", "export", name, "--json").stdout)["address"]
    venue.fund(address, DEPOSIT)
    return env


def _call(venue_json: dict) -> tuple[int, int]:
    """A call series and a price on its tick near its mark."""
    s = next(s for s in venue_json["series"] if s["kind"] == "call")
    tick = int(s["price_tick"])
    return int(s["series_id"]), max(tick, int(s["mark"]) // tick * tick)


def _sdk(venue: Venue, env: dict[str, str]) -> Desk:
    keys = open_keys(
        Path(env["DARKBOOK_DESK_KEYS_DIR"]) / f"{env['DARKBOOK_DESK_KEY']}.json",
        env["DARKBOOK_DESK_PASSPHRASE"],
    )
    return Desk(venue.url, keys, rpc_url=venue.rpc_url)


def test_cli_keys_deposit_order_fill_withdraw_claim(venue: Venue, tmp_path: Path) -> None:
    a = _new_desk(venue, tmp_path, "alpha")
    b = _new_desk(venue, tmp_path, "beta")
    for env in (a, b):
        r = desk_cli(env, "deposit", str(DEPOSIT))
        assert "credited" in r.stdout and "deposit sent" in r.stderr, r.stdout + r.stderr
    info = json.loads(desk_cli(a, "venue", "--json").stdout)
    sid, price = _call(info)

    # refused before signing, named as such: nothing reaches the relayer
    r = desk_cli(a, "order", "sell", str(sid), str(price + 1), "1", check=False)
    assert r.returncode == 2 and "off the price tick" in r.stderr, r.stderr
    r = desk_cli(a, "order", "sell", str(sid), "2.5", "1", check=False)
    assert r.returncode == 2 and "not an integer" in r.stderr, r.stderr
    assert json.loads(desk_cli(a, "orders", "--json").stdout) == []

    maker = json.loads(desk_cli(a, "order", "sell", str(sid), str(price), "1", "--json").stdout)
    assert [o["status"] for o in maker["orders"]] == ["open"]
    taker = json.loads(
        desk_cli(b, "order", "buy", str(sid), str(price), "1", "--type", "ioc", "--json").stdout
    )
    assert [f["qty"] for f in taker["fills"]] == ["1"]
    assert json.loads(desk_cli(a, "orders", "--json").stdout)[0]["status"] == "filled"
    assert [f["side"] for f in json.loads(desk_cli(b, "fills", "--json").stdout)] == ["buy"]
    pos_a = json.loads(desk_cli(a, "positions", "--json").stdout)
    pos_b = json.loads(desk_cli(b, "positions", "--json").stdout)
    assert [(p["series_id"], p["qty"]) for p in pos_a["positions"]] == [(str(sid), "-1")]
    assert [(p["series_id"], p["qty"]) for p in pos_b["positions"]] == [(str(sid), "1")]
    assert "initial margin" in desk_cli(a, "positions").stdout  # the readable form

    address = json.loads(desk_cli(a, "keys", "export", "alpha", "--json").stdout)["address"]
    before = venue.token.functions.balanceOf(address).call()
    w = json.loads(desk_cli(a, "withdraw", str(WITHDRAW), "--wait", "--json").stdout)
    assert w["status"] == "claimable" and w["amount"] == str(WITHDRAW)
    claimed = json.loads(desk_cli(a, "claim", "--json").stdout)
    assert claimed["amount"] == str(WITHDRAW)
    assert venue.token.functions.balanceOf(address).call() - before == WITHDRAW


def test_sdk_spread_idempotent_resubmit_and_fresh_slots(venue: Venue, tmp_path: Path) -> None:
    a, b = (_sdk(venue, _new_desk(venue, tmp_path, n)) for n in ("gamma", "delta"))
    for desk in (a, b):
        assert int(desk.deposit(DEPOSIT).collateral) == DEPOSIT
    call_id, call_px = _call(a.venue.model_dump())
    fut = next(s for s in a.venue.series if s.kind == "future")
    fut_id, fut_tick = int(fut.series_id), int(fut.price_tick)
    fut_px = max(fut_tick, int(fut.mark or 0) // fut_tick * fut_tick)

    with pytest.raises(OffTick):
        a.order(Leg(call_id, "sell", call_px + 1, 1))
    with pytest.raises(WrongUnit):
        a.order(Leg(call_id, "sell", float(call_px), 1))  # type: ignore[arg-type]

    # a rests both sides of the spread; its second order must not take the first one's slot
    first = a.order(Leg(call_id, "sell", call_px, 1))
    second = a.order(Leg(fut_id, "buy", fut_px, 1))
    assert first.replaced == [] and second.replaced == []
    assert sorted(o.status for o in a.orders(status="open")) == ["open", "open"]

    spread = b.order([Leg(call_id, "buy", call_px, 1), Leg(fut_id, "sell", fut_px, 1)], "fok")
    assert sorted((f.series_id, f.side) for f in spread.fills) == sorted(
        [(str(call_id), "buy"), (str(fut_id), "sell")]
    )
    held = {p.series_id: p.qty for p in b.account().positions}
    assert held == {str(call_id): "1", str(fut_id): "-1"}

    # the same signed order sent again (a retry after a lost answer) is not a second order
    signed = b.sign_order(Leg(call_id, "buy", call_px, 1))
    once, again = b.submit(signed), b.submit(signed)
    assert (once.duplicate, again.duplicate) == (False, True)
    assert [o.order_hash for o in again.orders] == signed.hashes
    assert [o.order_hash for o in b.orders()].count(signed.hashes[0]) == 1
