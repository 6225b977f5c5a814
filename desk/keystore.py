"""The desk's keys in one encrypted file: its Baby Jubjub trading key and its Ethereum key.

The file holds two Ethereum keystore (v3) entries, scrypt + AES-128-CTR made and opened by
``eth-keyfile``: ``ethereum`` (a standard keystore any wallet reads) and ``trading`` (the
32-byte Baby Jubjub seed in the same envelope). The public halves are in clear beside them, so
listing and exporting public keys needs no passphrase.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_keyfile import create_keyfile_json, decode_keyfile_json
from eth_keyfile.keyfile import MAX_V3_PRIVATE_KEY

from desk.errors import KeystoreError, WrongPassphrase
from prover.crypto.eddsa import PrivateKey

FORMAT = "darkbook-desk-keystore/1"
SCRYPT_N = 2**18  # eth-keyfile's default work factor; tests pass a smaller one
NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class PublicKeys:
    """What a keystore shows without its passphrase."""

    name: str
    ax: int
    ay: int
    address: str  # checksummed Ethereum address
    path: Path

    @property
    def packed(self) -> str:
        """circomlib ``packPoint``, 0x + 64 hex: how the trading key is usually exchanged."""
        from prover.crypto.babyjub import pack_point

        return "0x" + pack_point((self.ax, self.ay)).hex()


@dataclass(frozen=True)
class DeskKeys:
    """An opened keystore: the trading key and the Ethereum key (never printed)."""

    public: PublicKeys
    trading: PrivateKey
    eth_private_key: bytes

    def __repr__(self) -> str:
        return f"DeskKeys({self.public.name!r}, address={self.public.address})"


def _seed() -> bytes:
    # the v3 envelope takes only values below the secp256k1 order: draw again above it
    while True:
        seed = secrets.token_bytes(32)
        if 0 < int.from_bytes(seed, "big") <= MAX_V3_PRIVATE_KEY:
            return seed


def key_path(keys_dir: Path, name: str) -> Path:
    if not NAME.match(name):
        raise KeystoreError(
            f"key name {name!r}: use 1-64 letters, digits, '.', '_' or '-' (it is a file name)"
        )
    return keys_dir / f"{name}.json"


def create(
    keys_dir: Path,
    name: str,
    passphrase: str,
    *,
    eth_private_key: bytes | None = None,
    scrypt_n: int = SCRYPT_N,
) -> PublicKeys:
    """Make a new desk keystore ``<keys_dir>/<name>.json`` (fresh trading key; a fresh
    Ethereum key unless one is given); refuses to overwrite an existing file."""
    path = key_path(keys_dir, name)
    if path.exists():
        raise KeystoreError(f"{path} exists: pick another name or remove the file first")
    if not passphrase:
        raise KeystoreError("empty passphrase: the keystore must be encrypted with one")
    seed = _seed()
    eth_key = eth_private_key or _seed()
    pw = passphrase.encode()
    ax, ay = PrivateKey(seed).public_key()
    address = Account.from_key(eth_key).address
    doc = {
        "format": FORMAT,
        "name": name,
        "trading_public_key": {"ax": str(ax), "ay": str(ay)},
        "address": address,
        "trading": create_keyfile_json(seed, pw, kdf="scrypt", iterations=scrypt_n),
        "ethereum": create_keyfile_json(eth_key, pw, kdf="scrypt", iterations=scrypt_n),
    }
    keys_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f, indent=2)
    return _public(doc, path)


def _read(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise KeystoreError(
            f"no keystore at {path}: create one with `darkbook desk keys new NAME`"
        ) from None
    except (OSError, ValueError) as exc:
        raise KeystoreError(f"{path} is not a readable keystore: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise KeystoreError(f"{path} is not a Darkbook desk keystore (format {FORMAT})")
    return doc


def _public(doc: dict, path: Path) -> PublicKeys:
    try:
        pub = doc["trading_public_key"]
        return PublicKeys(doc["name"], int(pub["ax"]), int(pub["ay"]), doc["address"], path)
    except (KeyError, TypeError, ValueError) as exc:
        raise KeystoreError(f"{path}: damaged public part ({exc!r})") from None


def public_keys(path: Path) -> PublicKeys:
    """The public keys of a keystore file (no passphrase needed)."""
    return _public(_read(path), path)


def list_keys(keys_dir: Path) -> list[PublicKeys]:
    """Every desk keystore in ``keys_dir``, by name (other files are skipped)."""
    out = []
    for path in sorted(keys_dir.glob("*.json")) if keys_dir.is_dir() else []:
        try:
            out.append(public_keys(path))
        except KeystoreError:
            continue
    return out


def open_keys(path: Path, passphrase: str) -> DeskKeys:
    """Decrypt a keystore; :class:`WrongPassphrase` if the passphrase does not open it."""
    doc = _read(path)
    public = _public(doc, path)
    try:
        seed = decode_keyfile_json(doc["trading"], passphrase.encode())
        eth_key = decode_keyfile_json(doc["ethereum"], passphrase.encode())
    except KeyError as exc:
        raise KeystoreError(f"{path}: missing the {exc.args[0]} entry") from None
    except ValueError as exc:
        if "MAC mismatch" in str(exc):
            raise WrongPassphrase(
                f"wrong passphrase for {path}: check DARKBOOK_DESK_PASSPHRASE or the "
                "passphrase file, or type it again"
            ) from None
        raise KeystoreError(f"{path}: cannot decrypt ({exc})") from None
    trading = PrivateKey(bytes(seed))
    if trading.public_key() != (public.ax, public.ay):
        raise KeystoreError(f"{path}: the trading key does not match its public key (damaged)")
    if Account.from_key(eth_key).address != public.address:
        raise KeystoreError(f"{path}: the Ethereum key does not match its address (damaged)")
    return DeskKeys(public, trading, bytes(eth_key))
