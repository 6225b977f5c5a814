"""The dev faucet: off unless asked for, and never on a host others can reach."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from relayer.api.app import create_app
from relayer.cli import build_parser, main
from relayer.settings import Settings, SettingsError, is_loopback, load_settings
from tests.relayer.conftest import LiveServer, deposit, make_key


def test_off_by_default(tmp_path: Path, make_server: Callable[..., LiveServer]) -> None:
    assert not load_settings(data_dir=tmp_path).dev_faucet
    server = make_server(dev_faucet=False)
    ax, ay = make_key(1).public_key()
    r = server.http.post("/v1/dev/deposit", json={"ax": str(ax), "ay": str(ay), "amount": "1"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "http_404"
    assert "/v1/dev/deposit" not in server.http.get("/openapi.json").json()["paths"]
    assert server.events() == 0


def test_on_when_asked(make_server: Callable[..., LiveServer]) -> None:
    server = make_server(dev_faucet=True)
    assert deposit(server.http, make_key(1)) == 1
    args = build_parser().parse_args(["relayer", "run", "--dev-faucet"])
    assert args.dev_faucet and not build_parser().parse_args(["relayer", "run"]).dev_faucet


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts_may_serve_it(host: str) -> None:
    assert is_loopback(host) and load_settings(host=host, dev_faucet=True).dev_faucet


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "relayer.example"])
def test_refused_on_any_other_host(host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not is_loopback(host)
    with pytest.raises(SettingsError, match="not a loopback address"):
        load_settings(host=host, dev_faucet=True)
    monkeypatch.setenv("DARKBOOK_DEV_FAUCET", "true")
    with pytest.raises(SettingsError, match="not a loopback address"):
        load_settings(host=host)
    assert not load_settings(host=host, dev_faucet=False).dev_faucet  # no faucet: any host


def test_relayer_run_refuses_it_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before anything starts (no anvil, no database): one line, exit code 2."""
    from relayer.cli import relayer_cmd

    def started(*args: object) -> int:
        raise AssertionError("the relayer started with a faucet on a public host")

    monkeypatch.setattr(relayer_cmd, "_serve", started)
    monkeypatch.setattr(relayer_cmd, "_serve_with_local_chain", started)
    argv = ["relayer", "run", "--host", "0.0.0.0", "--dev-faucet", "--data-dir", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dev_faucet is on and host '0.0.0.0'" in err


def test_create_app_refuses_it_too() -> None:
    unchecked = Settings().model_copy(update={"dev_faucet": True, "host": "0.0.0.0"})
    with pytest.raises(SettingsError, match="not loopback"):
        create_app(unchecked)
