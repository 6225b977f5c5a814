"""A relayer's settings and database for a circuit config and its market, as the in-process
batcher tests run them (the demo itself drives the running service: relayer.demo.service).

The database is seeded with the venue's series and the oracle's table as market snapshot
(``Repository.add_series`` / ``save_snapshot``), so the relayer margins orders against exactly
the table the batches carry and the contract registered.
"""

from __future__ import annotations

from pathlib import Path

from prover.statement.config import CircuitConfig
from relayer.settings import Settings, load_settings
from relayer.settlement.market import VenueMarket
from relayer.storage.repository import Repository


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
