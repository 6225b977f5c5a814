"""Configuration (defaults < file < environment < flags), the CLI entry, the series registry."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from relayer.cli import build_parser
from relayer.intake.service import Venue
from relayer.markets.series import default_series
from relayer.settings import Settings, SettingsError, load_settings
from relayer.storage.errors import StorageError
from tests.relayer.conftest import Desk, LiveServer, deposit, make_key


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "relayer.toml"
    cfg.write_text(
        '[relayer]\nport = 9100\ndatabase_url = "sqlite:////tmp/x.db"\nmax_open_orders = 7\n'
    )
    s = load_settings(cfg)
    assert (s.port, s.db_url(), s.max_open_orders) == (9100, "sqlite:////tmp/x.db", 7)
    monkeypatch.setenv("DARKBOOK_PORT", "9200")
    assert load_settings(cfg).port == 9200
    assert load_settings(cfg, port=9300).port == 9300
    monkeypatch.delenv("DARKBOOK_PORT")
    d = load_settings(data_dir=tmp_path)
    assert d.db_url() == f"sqlite:///{tmp_path / 'relayer.db'}" and not d.dev_faucet


def test_bad_config_is_one_line_error(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("port = 99999\n")
    with pytest.raises(SettingsError, match="port"):
        load_settings(cfg)
    cfg.write_text("prot = 1\n")
    with pytest.raises(SettingsError, match="prot"):
        load_settings(cfg)
    with pytest.raises(SettingsError, match="missing.toml"):
        load_settings(tmp_path / "missing.toml")


def test_openapi_health_series(server: LiveServer) -> None:
    spec = server.http.get("/openapi.json").json()
    assert {"/v1/orders", "/v1/orders/cancel", "/v1/accounts/{account_id}", "/v1/batches"} <= set(
        spec["paths"]
    )
    assert server.http.get("/health").json()["status"] == "ok"
    assert server.http.get("/v1/batches").json() == []
    assert server.http.get("/v1/batches/1").status_code == 404
    assert len(server.http.get("/v1/series").json()) == 14


def test_cli_parses_relayer_run() -> None:
    args = build_parser().parse_args(["relayer", "run", "--port", "0", "--config", "x.toml"])
    assert (args.port, args.config, args.func.__module__) == (
        0,
        Path("x.toml"),
        "relayer.cli.relayer_cmd",
    )


def write_series(path: Path, specs: list[dict]) -> Path:
    path.write_text(json.dumps(specs))
    return path


def test_series_file_size_tick_and_frozen_registry(
    tmp_path: Path, make_server: Callable[..., LiveServer]
) -> None:
    expiry = int(time.time()) + 30 * 86400
    spec = {
        "id": 7,
        "underlying": "BTC",
        "kind": "call",
        "strike": 60_000,
        "expiry": expiry,
        "price_tick": 5_000_000,
        "size_tick": 10,
    }
    path = write_series(tmp_path / "series.json", [spec])
    server = make_server(series_file=path)
    assert [s["series_id"] for s in server.http.get("/v1/series").json()] == ["7"]
    key = make_key(5)
    d = Desk(server, key, deposit(server.http, key), server.dom)
    r = d.order(7, "buy", 100_000_000, 5)
    assert (r.status_code, r.json()["error"]["field"]) == (422, "legs[0].qty")
    assert d.order(7, "buy", 100_000_000, 20).status_code == 200
    settings = server.settings
    server.stop()
    changed = write_series(tmp_path / "changed.json", [{**spec, "size_tick": 1}])
    with pytest.raises(StorageError, match="differs"):
        Venue(settings.model_copy(update={"series_file": changed}))
    eth = write_series(tmp_path / "eth.json", [{**spec, "id": 8, "underlying": "ETH"}])
    with pytest.raises(StorageError, match="one underlying"):
        Venue(settings.model_copy(update={"series_file": eth}))


def test_default_registry() -> None:
    now = int(time.time())
    specs = default_series(now)
    assert len(specs) == 14 and {s.underlying for s in specs} == {"BTC"}
    assert min(s.expiry for s in specs) >= now + 7 * 86400
    assert {s.kind for s in default_series(now, "ETH")} == {"call", "put", "future"}
    assert Settings().underlying == "BTC"


def test_genesis_accounts_are_credited_once(make_server: Callable[..., LiveServer]) -> None:
    key = make_key(9)
    ax, ay = key.public_key()
    server = make_server(genesis=[{"ax": ax, "ay": ay, "collateral": 5_000_000}])
    assert server.events() == 1  # one deposit in the log
    assert Desk(server, key, 1, server.dom).account()["collateral"] == "5000000"
    settings = server.settings
    server.stop()
    again = Venue(settings)  # the restart replays that deposit and credits nothing more
    try:
        assert again.seq == 1
        assert again.engine.ledger.get(1).collateral == 5_000_000
    finally:
        again.close()


def test_admin_relayer_and_oracle_are_separate_keys(tmp_path: Path) -> None:
    """Issue 18 rule 8: three keys for three powers; on the project's own anvil (no rpc_url)
    they default to three distinct anvil accounts; two equal ones are refused, and neither
    the error nor the settings' repr shows a key."""
    s = load_settings(data_dir=tmp_path)
    addresses = {r: s.eth_address(r) for r in ("admin", "relayer", "oracle")}
    assert len(set(addresses.values())) == 3
    assert addresses["admin"] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # anvil account 0
    secret = s.relayer_eth_key.get_secret_value()  # type: ignore[union-attr]
    assert secret not in repr(s) and secret not in str(s.model_dump())
    key = "0x" + "11" * 32
    with pytest.raises(SettingsError, match="relayer_eth_key and oracle_eth_key") as err:
        load_settings(data_dir=tmp_path, relayer_eth_key=key, oracle_eth_key=key)
    assert "11" * 32 not in str(err.value)
    with pytest.raises(SettingsError, match="admin_eth_key and relayer_eth_key"):
        load_settings(data_dir=tmp_path, relayer_eth_key=s.admin_eth_key)
    with pytest.raises(SettingsError, match="oracle_eth_key is not"):
        load_settings(data_dir=tmp_path, oracle_eth_key="0x00")
    mine = load_settings(data_dir=tmp_path, relayer_eth_key=key)
    assert mine.eth_address("relayer") != addresses["relayer"]
