"""Where the desk finds its venue and keys: flags, then ``DARKBOOK_DESK_*`` environment
variables, then a TOML or JSON file (``--config`` / ``DARKBOOK_DESK_CONFIG``; a ``[desk]``
table is unwrapped), then the defaults below."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, InitSettingsSource, SettingsConfigDict

from desk.errors import DeskError

DEFAULT_KEYS_DIR = Path("~/.darkbook/desk/keys")


class DeskSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DARKBOOK_DESK_", extra="forbid")

    relayer_url: str = Field("http://127.0.0.1:8700", description="the relayer's API")
    rpc_url: str | None = Field(None, description="JSON-RPC of the venue's chain")
    keys_dir: Path = Field(DEFAULT_KEYS_DIR, description="folder of desk keystores")
    key: str | None = Field(None, description="keystore name in keys_dir")
    passphrase: str | None = Field(None, description="keystore passphrase (env only, please)")
    passphrase_file: Path | None = None
    account_id: int | None = Field(None, ge=1, description="else found from the deposit queue")
    timeout: float = Field(30.0, gt=0, description="seconds per HTTP request")
    config: Path | None = Field(None, description="the file these settings were read from")

    @property
    def keystore_path(self) -> Path:
        from desk.keystore import key_path

        if not self.key:
            raise DeskError("no key chosen: pass --key NAME (or DARKBOOK_DESK_KEY)")
        return key_path(self.keys_dir.expanduser(), self.key)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise DeskError(f"config file {path}: {exc}") from None
    return data.get("desk", data)


def load_desk_settings(**flags: Any) -> DeskSettings:
    """Settings from flags (None = not given), environment, config file, defaults."""
    given = {k: v for k, v in flags.items() if v is not None}
    config = given.get("config") or os.environ.get("DARKBOOK_DESK_CONFIG")
    file_values = _read_file(Path(config)) if config else {}

    class _Sources(DeskSettings):
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
        return DeskSettings.model_validate(_Sources(**given).model_dump())
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise DeskError(f"desk setting {where}: {err['msg']}") from None
