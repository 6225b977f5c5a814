"""Desk settings: flags over `DARKBOOK_DESK_*` variables over the config file over defaults,
and a bad value named with its setting."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desk.errors import DeskError
from desk.settings import load_desk_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("DARKBOOK_DESK_")]:
        monkeypatch.delenv(name)


def test_flags_over_env_over_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "desk.toml"
    config.write_text('[desk]\nrelayer_url = "http://file:1"\nkey = "from-file"\ntimeout = 7\n')
    monkeypatch.setenv("DARKBOOK_DESK_KEY", "from-env")
    s = load_desk_settings(config=config, relayer_url=None)
    assert (s.relayer_url, s.key, s.timeout) == ("http://file:1", "from-env", 7.0)
    s = load_desk_settings(config=config, key="from-flag")
    assert s.key == "from-flag"
    assert s.keystore_path == s.keys_dir.expanduser() / "from-flag.json"


def test_bad_values_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DARKBOOK_DESK_ACCOUNT_ID", "zero")
    with pytest.raises(DeskError, match="account_id"):
        load_desk_settings()
    monkeypatch.delenv("DARKBOOK_DESK_ACCOUNT_ID")
    with pytest.raises(DeskError, match="no key chosen"):
        _ = load_desk_settings().keystore_path
    with pytest.raises(DeskError, match="config file"):
        load_desk_settings(config=tmp_path / "missing.toml")
