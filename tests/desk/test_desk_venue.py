"""Venue discovery and the errors a desk meets before trading, against a running venue: the
venue as `GET /v1/venue` tells it, checked against the desk's RPC (a wrong domain or chain is
refused), 503 venue_preparing named, and a refusal carrying the relayer's code and field."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest
from web3 import Web3

from desk import ChainMismatch, Desk, RelayerRefused, VenuePreparing, keystore
from desk.relayer_api import RelayerApi
from desk.venue import ChainFacts, check_venue
from relayer.settings import load_settings
from relayer.settlement.worker import SettlementWorker
from tests.desk.conftest import SCRYPT_N, Venue, desk_cli
from tests.relayer.conftest import LiveServer

pytestmark = pytest.mark.slow  # the shared venue compiles and sets up the test circuit


def _desk(venue: Venue, tmp_path: Path, **kw: object) -> Desk:
    pub = keystore.create(tmp_path, "probe", "pw", scrypt_n=SCRYPT_N)
    return Desk(venue.url, keystore.open_keys(pub.path, "pw"), rpc_url=venue.rpc_url, **kw)  # type: ignore[arg-type]


def test_orders_while_preparing_are_named(tmp_path: Path) -> None:
    """A relayer whose settlement worker is held before preparing (as the relayer's own
    preparing test does): the SDK names the 503 venue_preparing instead of retrying."""
    release = threading.Event()
    settings = load_settings(data_dir=tmp_path)
    nowhere = Web3(Web3.HTTPProvider("http://127.0.0.1:9", request_kwargs={"timeout": 2}))
    worker = SettlementWorker(
        settings, nowhere, admin="0x" + "11" * 20, before_prepare=lambda: release.wait(30)
    )
    server = LiveServer(settings, settlement=worker)
    api = RelayerApi(server.url, retries=0)
    try:
        with pytest.raises(VenuePreparing, match="still preparing"):
            api.post("/v1/orders", {"legs": []})
    finally:
        api.close()
        release.set()
        server.stop()


def test_venue_discovery_checked_against_the_chain(venue: Venue, tmp_path: Path) -> None:
    desk = _desk(venue, tmp_path)
    raw = httpx.get(f"{venue.url}/v1/venue").json()
    assert desk.venue.model_dump(mode="json") == raw
    assert desk.venue.chain is not None and desk.venue.chain.chain_id == venue.w3.eth.chain_id
    tampered = desk.venue.model_copy(deep=True)
    tampered.signing.domain = hex(desk.domain + 1)
    with pytest.raises(ChainMismatch, match="signing domain"):
        check_venue(tampered, None)
    with pytest.raises(ChainMismatch, match="--rpc-url"):
        check_venue(desk.venue, ChainFacts(venue.w3.eth.chain_id + 1, True))
    with pytest.raises(ChainMismatch, match="no contract"):
        check_venue(desk.venue, ChainFacts(venue.w3.eth.chain_id, False))
    env = {"DARKBOOK_DESK_PASSPHRASE": "pw", "DARKBOOK_DESK_KEYS_DIR": str(tmp_path)}
    shown = json.loads(
        desk_cli(
            env,
            "venue",
            "--key",
            "probe",
            "--relayer-url",
            venue.url,
            "--rpc-url",
            venue.rpc_url,
            "--json",
        ).stdout
    )
    assert shown == raw


def test_refusal_carries_code_and_field(venue: Venue, tmp_path: Path) -> None:
    desk = _desk(venue, tmp_path, account_id=2**40)  # an account id the venue never gave out
    with pytest.raises(RelayerRefused) as err:
        desk.cancel(5)
    assert (err.value.status, err.value.code, err.value.field) == (
        422,
        "unknown_account",
        "account_id",
    )
    assert "unknown_account" in str(err.value) and "no such account" in str(err.value)
