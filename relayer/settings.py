"""Relayer configuration: embedded defaults, then a config file, then ``DARKBOOK_*`` variables.

Precedence, highest first: explicit overrides (CLI flags) > environment (``DARKBOOK_PORT``,
``DARKBOOK_DATABASE_URL``, ...) > the config file (TOML or JSON) > the defaults below. With
nothing set, the relayer runs on SQLite in ``data_dir`` with the built-in series, so
``darkbook relayer run`` needs no configuration at all. The dev faucet is off unless asked for
(``dev_faucet``), and only ever on a loopback ``host``.
"""

from __future__ import annotations

import ipaddress
import json
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, InitSettingsSource, SettingsConfigDict

from prover.errors import DarkbookError

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


class SettingsError(DarkbookError):
    """A config file or variable is unreadable or invalid (the message names it)."""


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "darkbook" / "relayer"


# anvil's well-known development accounts (mnemonic "test test ... junk"): 0 deploys and
# administers, 8 submits batches, 9 owns the TestOracle. PUBLIC keys: the project's own anvil
# only. Desks in the demo and the tests use accounts 1..3.
ANVIL_ADMIN_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ANVIL_RELAYER_KEY = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97"
ANVIL_ORACLE_KEY = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"
ETH_KEY_ROLES = ("admin", "relayer", "oracle")


class GenesisAccount(BaseModel):
    """An account credited at first start (before any deposit exists on a chain)."""

    ax: int
    ay: int
    collateral: int = Field(ge=0, lt=2**64)


class Settings(BaseSettings):
    """Everything the relayer reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="DARKBOOK_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8700, ge=0, lt=65536)
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in data_dir")
    rpc_url: str | None = Field(None, description="JSON-RPC URL of the chain the venue settles on")
    local_chain: bool = Field(
        True,
        description="with no rpc_url, `relayer run` starts its own anvil and deploys the contracts "
        "(batch verifier of the `circuit` config, INSECURE dev keys); false = API only",
    )
    circuit: str = Field(
        "demo",
        description="batch circuit config (prover.statement.config): "
        "the defaults of chain_id, settlement_address, order_depth, "
        "max_positions, fee_per_contract and max_series",
    )
    chain_id: int | None = Field(None, ge=0, lt=2**64)
    settlement_address: str | None = None
    underlying: str = Field("BTC", description="default registry: BTC or ETH (one per venue)")
    series_file: Path | None = Field(None, description="JSON list of series; default built in")
    order_depth: int | None = Field(None, ge=1, le=32, description="ORDER_DEPTH (nonce slots)")
    max_positions: int | None = Field(None, ge=1, le=32, description="P: position slots")
    fee_per_contract: int | None = Field(None, ge=0, lt=2**32, description="FEE, each side")
    max_series: int | None = Field(None, ge=1, description="M: series in the market table")
    max_open_orders: int = Field(200, ge=1, description="resting orders per account")
    order_rate_per_second: float = Field(
        20.0, ge=0, description="order placements per account per second, refilled (0: no limit)"
    )
    order_burst: int = Field(100, ge=1, description="order placements per account in a burst")
    operator_metrics_token: SecretStr | None = Field(
        None,
        description="bearer token of GET /operator/metrics and /operator/health (order, fill "
        "and request counts); unset: those routes answer 404",
    )
    max_body_bytes: int = Field(16_384, ge=256)
    auth_window_seconds: int = Field(30, ge=1, description="signed-read timestamp tolerance")
    snapshot_max_age: int = Field(
        86_400,
        ge=1,
        description="rebuild the reference market snapshot on start when older (seconds)",
    )
    sweep_seconds: float = Field(30.0, gt=0, description="expire past-expiry orders this often")
    dev_faucet: bool = Field(
        False,
        description="POST /v1/dev/deposit credits accounts with collateral no batch can prove "
        "(development and tests only); refused unless host is a loopback address",
    )
    settle: bool = Field(
        True,
        description="with a chain, `relayer run` also runs the settlement loop (credit "
        "deposits, seal, prove, submit); false = API only (e.g. `relayer settle` elsewhere)",
    )
    settle_poll_seconds: float = Field(
        0.5, gt=0, description="settlement loop period: queue, fills, withdrawals, seal"
    )
    batch_seconds: float = Field(
        2.0, ge=0, description="seal a partial batch once this long has passed with work"
    )
    prover_cluster: str = Field(
        "local",
        pattern=r"^(local|threads|ray:auto|ray://[^\s/:]+:\d+)$",
        description="where batches are proved: local (worker processes here), threads "
        "(threads here sharing one loaded proving key, no crash isolation), "
        "ray://host:port (an existing Ray cluster's client server) or ray:auto (the cluster "
        "this machine joined with `ray start`); see docs/operations.md",
    )
    prover_workers: int | None = Field(
        None,
        ge=1,
        description="prover workers (processes or Ray actors, each holding the proving key, "
        "or threads sharing one); "
        "default one per core here, or one per CPU of the Ray cluster",
    )
    deposit_confirmations: int = Field(
        1, ge=1, description="blocks deep (1 = mined) before an on-chain deposit is credited"
    )
    max_batch_age: float = Field(
        300.0, gt=0, description="/health is degraded when work waits this long with no batch"
    )
    max_pass_failures: int = Field(
        5, ge=1, description="/health is degraded after this many failed settlement passes"
    )
    keepalive_seconds: float | None = Field(
        None,
        gt=0,
        description="send an empty batch when none landed this long (chain time); default "
        "half the contract's livenessPeriod",
    )
    priority_fee_gwei: float = Field(
        1.0, ge=0, description="EIP-1559 tip offered on settlement transactions"
    )
    max_fee_gwei: float = Field(
        500.0,
        gt=0,
        description="cap on maxFeePerGas of a settlement transaction (the batch waits rather "
        "than pay more)",
    )
    fee_bump_percent: int = Field(
        12,
        ge=10,
        le=100,
        description="a stuck settlement transaction is replaced with both EIP-1559 fees raised "
        "by this percentage (nodes require at least 10), up to max_fee_gwei",
    )
    stuck_tx_seconds: float = Field(
        60.0, gt=0, description="replace a settlement transaction not mined within this long"
    )
    settlement_confirmations: int = Field(
        1,
        ge=1,
        description="blocks deep (1 = mined) before a batch is final: confirmed, its "
        "withdrawals claimable; a reorg before that resends it",
    )
    private_tx_url: str | None = Field(
        None,
        description="send every settlement transaction, signed with relayer_eth_key, as "
        "eth_sendRawTransaction to this endpoint only (a private mempool); reads stay on rpc_url",
    )
    operator_secret: str | None = Field(
        None,
        description="hex EdDSA secret of the operator's key (account 0); default: "
        "<data_dir>/operator.key, created on first start",
    )
    admin_eth_key: SecretStr | None = Field(
        None,
        description="hex secp256k1 key of the contracts' admin (DEFAULT_ADMIN_ROLE; deploys on "
        "the project's own anvil): belongs in a multisig on a real chain. Default with no "
        "rpc_url: anvil account 0",
    )
    relayer_eth_key: SecretStr | None = Field(
        None,
        description="hex key that submits batches (RELAYER_ROLE): the service's hot key. "
        "Default with no rpc_url: anvil account 8",
    )
    oracle_eth_key: SecretStr | None = Field(
        None,
        description="hex key that registers market tables (ORACLE_ROLE; owns the TestOracle on "
        "anvil): the risk oracle's own infrastructure. Default with no rpc_url: anvil account 9",
    )
    oracle_price_source: str = Field(
        "reference",
        description="where the oracle keeper prices market tables: 'reference' (the embedded "
        "inputs), 'file:PATH' (JSON {'spot': .., 'vol': ..}, re-read each pass) or an http(s) "
        "URL serving the same JSON",
    )
    oracle_move_threshold: float = Field(
        0.02,
        gt=0,
        description="register a new market table when a series' mark moves by more than this "
        "fraction of one contract's underlying value",
    )
    oracle_refresh_seconds: float | None = Field(
        None,
        gt=0,
        description="register a new market table when the newest is this old (chain time); "
        "default half the contract's maxMarketAge",
    )
    genesis: list[GenesisAccount] = Field(default_factory=list)
    log_level: str = "info"

    @model_validator(mode="after")
    def _circuit_defaults(self) -> Settings:
        """Unset circuit-bound values come from the named circuit config, so the relayer
        accepts exactly what that circuit can prove (same domain, slots, fee)."""
        from prover.statement.config import get_config

        try:
            cfg = get_config(self.circuit)
        except KeyError as exc:
            raise ValueError(str(exc.args[0])) from None
        for name, value in (
            ("chain_id", cfg.chain_id),
            ("settlement_address", f"0x{cfg.settlement_address:040x}"),
            ("order_depth", cfg.order_depth),
            ("max_positions", cfg.positions),
            ("fee_per_contract", cfg.fee),
            ("max_series", cfg.series),
        ):
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        return self

    @model_validator(mode="after")
    def _separate_eth_keys(self) -> Settings:
        """Admin, relayer and oracle are three different keys (issue 18 rule 8): on the
        project's own anvil (no rpc_url) unset ones are anvil's public development keys; two
        equal keys are refused (the message names the settings, never the keys)."""
        if self.rpc_url is None:
            for role, default in zip(
                ETH_KEY_ROLES, (ANVIL_ADMIN_KEY, ANVIL_RELAYER_KEY, ANVIL_ORACLE_KEY), strict=True
            ):
                if getattr(self, f"{role}_eth_key") is None:
                    object.__setattr__(self, f"{role}_eth_key", SecretStr(default))
        seen: dict[int, str] = {}
        for role in ETH_KEY_ROLES:
            secret: SecretStr | None = getattr(self, f"{role}_eth_key")
            if secret is None:
                continue
            try:
                value = int(secret.get_secret_value().removeprefix("0x"), 16)
            except ValueError:
                raise ValueError(f"{role}_eth_key is not a hex key") from None
            if not 0 < value < SECP256K1_N:
                raise ValueError(f"{role}_eth_key is not a secp256k1 private key")
            if value in seen:
                raise ValueError(
                    f"{seen[value]}_eth_key and {role}_eth_key are the same key: admin, relayer "
                    "and oracle must be separate keys (separate powers)"
                )
            seen[value] = role
        return self

    def eth_address(self, role: str) -> str:
        """The checksummed address of ``<role>_eth_key`` (admin, relayer, oracle)."""
        from eth_account import Account

        secret: SecretStr | None = getattr(self, f"{role}_eth_key")
        if secret is None:
            raise SettingsError(f"{role}_eth_key is not set")
        return Account.from_key(secret.get_secret_value()).address

    @model_validator(mode="after")
    def _faucet_on_loopback_only(self) -> Settings:
        if self.dev_faucet and not is_loopback(self.host):
            raise ValueError(
                f"dev_faucet is on and host {self.host!r} is not a loopback address: anyone who "
                "can reach the API could credit themselves collateral. Bind 127.0.0.1 (or ::1), "
                "or turn the faucet off"
            )
        return self

    def db_url(self) -> str:
        """The database URL, defaulting to ``sqlite:///<data_dir>/relayer.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'relayer.db'}"


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP (127.0.0.0/8, ::1); a wildcard or any other name is not."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_config_file(path: Path) -> dict[str, Any]:
    """A TOML (``.toml``) or JSON file of settings; a ``[relayer]`` table is unwrapped."""
    text = path.read_text()
    data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    return data.get("relayer", data)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings with the precedence described in the module docstring."""
    try:
        file_values = read_config_file(config_file) if config_file else {}
    except (OSError, ValueError) as exc:
        raise SettingsError(f"config file {config_file}: {exc}") from None

    class _Settings(Settings):
        @classmethod
        def settings_customise_sources(
            cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
        ):
            return (
                init_settings,
                env_settings,
                InitSettingsSource(settings_cls, init_kwargs=file_values),
            )

    try:
        return Settings.model_validate(_Settings(**overrides).model_dump())
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        if not where:  # a rule across settings: its message names them
            raise SettingsError(f"settings: {err['msg'].removeprefix('Value error, ')}") from None
        raise SettingsError(f"setting {where}: {err['msg']}") from None
