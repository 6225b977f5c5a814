"""The relayer's HTTP API in-process: uvicorn on a free loopback port, in a thread.

Before it starts, the relayer's database is seeded with the venue's series and the oracle's
table as market snapshot (``Repository.add_series`` / ``save_snapshot``), so the relayer
margins orders against exactly the table the batches carry and the contract registered; the
ledger's account 0 is the operator's key from the start, as in the genesis state.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn

from prover.build.anvil import free_port
from prover.statement.config import CircuitConfig
from relayer.api.app import create_app
from relayer.settings import Settings, load_settings
from relayer.settlement.errors import SettlementError
from relayer.settlement.market import VenueMarket
from relayer.storage.repository import Repository
from relayer.venue_info.chain import ChainInfo


@dataclass
class RelayerHandle:
    url: str
    settings: Settings
    client: httpx.Client
    repo: Repository  # read side for the batcher (trades_after)


def relayer_settings(config: CircuitConfig, data_dir: Path) -> Settings:
    return load_settings(
        circuit=config.name,
        chain_id=config.chain_id,
        settlement_address=f"0x{config.settlement_address:040x}",
        data_dir=data_dir,
        dev_faucet=True,  # on-chain deposits are credited through it (loopback only)
        snapshot_max_age=7 * 86_400,
    )


def seed_market(settings: Settings, vm: VenueMarket) -> None:
    repo = Repository(settings.db_url())
    try:
        if not repo.series():
            repo.add_series(vm.series)
            repo.save_snapshot(vm.snapshot)
    finally:
        repo.close()


@contextlib.contextmanager
def running_relayer(
    config: CircuitConfig,
    vm: VenueMarket,
    data_dir: Path,
    startup_timeout: float = 30.0,
    chain: ChainInfo | None = None,
    operator_key: tuple[int, int] | None = None,
) -> Iterator[RelayerHandle]:
    """``operator_key``: account 0's key, as the deployment's genesis state holds it (the
    relayer's ledger opens account 0 with it once the API is up)."""
    settings = relayer_settings(config, data_dir)
    seed_market(settings, vm)
    port = free_port()
    app = create_app(settings, chain=chain)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="relayer-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise SettlementError(f"the relayer API did not start on port {port}")
        time.sleep(0.05)
    if operator_key is not None:
        app.state.venue.open_operator_account(operator_key)
    url = f"http://127.0.0.1:{port}"
    repo = Repository(settings.db_url())
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield RelayerHandle(url, settings, client, repo)
    finally:
        repo.close()
        server.should_exit = True
        thread.join(timeout=10)
