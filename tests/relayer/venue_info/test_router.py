"""`GET /v1/venue` over real HTTP: a new desk learns from it alone how to sign, size and deposit."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from prover.statement.config import get_config
from prover.statement.encoding import domain
from relayer.intake.client import signed_leg
from relayer.venue_info.chain import ChainInfo
from tests.relayer.conftest import SERIES, LiveServer, deposit, make_key

SETTLEMENT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
TOKEN = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"


def test_a_new_desk_signs_with_what_the_venue_says(server: LiveServer) -> None:
    v = httpx.get(f"{server.url}/v1/venue").json()  # public: no signed-read headers
    s = server.settings
    assert v["chain"] is None  # no chain attached to this relayer (as `--no-chain`)
    assert (v["signing"]["chain_id"], v["signing"]["settlement_address"]) == (
        s.chain_id,
        s.settlement_address,
    )
    dom = int(v["signing"]["domain"], 16)
    assert dom == domain(s.chain_id, s.settlement_address)
    cfg = get_config("demo")
    c = v["circuit"]
    assert (c["name"], c["account_depth"], c["order_depth"], c["order_slots"]) == (
        "demo",
        cfg.account_depth,
        cfg.order_depth,
        2**cfg.order_depth,
    )
    assert (c["positions"], c["scenarios"], c["series"]) == (4, 16, 16)
    assert c["slots_per_batch"] == {
        "trades": cfg.trades,
        "accounts": cfg.accounts,
        "group_fills": min(cfg.trades, cfg.accounts - 1),
        "deposits": cfg.deposits,
        "withdrawals": cfg.withdrawals,
        "liquidations": cfg.liquidations,
        "settlements": cfg.settlements,
    }
    assert (c["fee_per_contract"], c["liquidation_penalty"]) == (str(cfg.fee), str(cfg.penalty))
    assert (v["fee_per_contract"], v["order_slots"], v["position_slots"]) == ("10", 256, 4)
    assert v["series"] == server.http.get("/v1/series").json()
    assert v["market_epoch"] == server.http.get("/health").json()["market_epoch"] == 1
    # only what the venue answered: the domain, the series' ticks and expiry
    key = make_key(7)
    account = deposit(server.http, key)
    sid = int(v["series"][2]["series_id"])
    assert sid == SERIES
    tick = int(v["series"][2]["price_tick"])
    leg = signed_leg(key, dom, account, 1, sid, "sell", 7000 * tick, 1, v["series"][2]["expiry"])
    r = server.http.post("/v1/orders", json={"legs": [leg]})
    assert r.status_code == 200, r.text


def test_the_relayer_limits_are_its_settings(make_server: Callable[..., LiveServer]) -> None:
    server = make_server(max_positions=2, fee_per_contract=3, order_depth=4, max_open_orders=9)
    v = server.http.get("/v1/venue").json()
    assert (v["position_slots"], v["fee_per_contract"], v["order_slots"]) == (2, "3", 16)
    assert v["max_open_orders"] == 9
    assert (v["circuit"]["positions"], v["circuit"]["fee_per_contract"]) == (4, "10")


def test_the_chain_read_at_start_is_shown(make_server: Callable[..., LiveServer]) -> None:
    chain = ChainInfo(31337, SETTLEMENT, TOKEN, 6)
    server = make_server(chain=chain)
    assert server.http.get("/v1/venue").json()["chain"] == {
        "chain_id": 31337,
        "settlement_address": SETTLEMENT,
        "token_address": TOKEN,
        "token_decimals": 6,
        "unit_scale": 1,
    }
