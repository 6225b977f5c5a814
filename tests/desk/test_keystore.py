"""Desk keystores: scrypt + AES (Ethereum keystore v3 via eth-keyfile) round trip, a wrong
passphrase named as such, and the CLI's `keys new|list|export` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account

from desk import keystore
from desk.errors import KeystoreError, WrongPassphrase
from prover.crypto.eddsa import verify
from tests.desk.conftest import SCRYPT_N, desk_cli


def test_keystore_round_trip(tmp_path: Path) -> None:
    pub = keystore.create(tmp_path, "alpha", "correct horse", scrypt_n=SCRYPT_N)
    keys = keystore.open_keys(pub.path, "correct horse")
    assert keys.trading.public_key() == (pub.ax, pub.ay)
    assert verify((pub.ax, pub.ay), 12345, keys.trading.sign(12345))
    doc = json.loads(pub.path.read_text())
    assert doc["ethereum"]["crypto"]["kdf"] == "scrypt"
    # the Ethereum half is a standard keystore: any wallet library opens it
    assert (
        Account.from_key(Account.decrypt(doc["ethereum"], "correct horse")).address == pub.address
    )
    assert "correct horse" not in pub.path.read_text()
    assert keystore.list_keys(tmp_path) == [pub]


def test_wrong_passphrase_is_named(tmp_path: Path) -> None:
    pub = keystore.create(tmp_path, "alpha", "right", scrypt_n=SCRYPT_N)
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        keystore.open_keys(pub.path, "wrong")
    with pytest.raises(KeystoreError, match="exists"):
        keystore.create(tmp_path, "alpha", "right", scrypt_n=SCRYPT_N)
    with pytest.raises(KeystoreError, match="keys new"):
        keystore.open_keys(tmp_path / "missing.json", "right")


def test_cli_keys_new_list_export_and_wrong_passphrase(tmp_path: Path) -> None:
    env = {"DARKBOOK_DESK_KEYS_DIR": str(tmp_path), "DARKBOOK_DESK_PASSPHRASE": "pw one"}
    desk_cli(env, "keys", "new", "alpha", "--scrypt-n", str(SCRYPT_N))
    listed = json.loads(desk_cli(env, "keys", "list", "--json").stdout)
    exported = json.loads(desk_cli(env, "keys", "export", "alpha", "--json").stdout)
    pub = keystore.public_keys(tmp_path / "alpha.json")
    assert [row["name"] for row in listed] == ["alpha"]
    assert exported["address"] == pub.address and int(exported["ax"]) == pub.ax
    assert exported["trading_key"] == pub.packed
    # a command that needs the keys, with the wrong passphrase: refused before any request
    bad = {**env, "DARKBOOK_DESK_PASSPHRASE": "pw two", "DARKBOOK_DESK_KEY": "alpha"}
    r = desk_cli(bad, "orders", "--relayer-url", "http://127.0.0.1:9", check=False)
    assert r.returncode == 2 and "wrong passphrase" in r.stderr, r.stderr


def test_cli_relayer_unreachable_is_named(tmp_path: Path) -> None:
    env = {"DARKBOOK_DESK_KEYS_DIR": str(tmp_path), "DARKBOOK_DESK_PASSPHRASE": "pw"}
    desk_cli(env, "keys", "new", "alpha", "--scrypt-n", str(SCRYPT_N))
    r = desk_cli(env, "venue", "--key", "alpha", "--relayer-url", "http://127.0.0.1:9", check=False)
    assert r.returncode == 2 and "no answer from the relayer at http://127.0.0.1:9" in r.stderr
