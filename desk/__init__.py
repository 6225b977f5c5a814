"""The desk SDK: a trading desk's client of a Darkbook venue (``Desk``), its encrypted
keystore, and the errors it raises. The ``darkbook desk`` command is a thin shell over it."""

from desk.client import Desk
from desk.errors import (
    AccountNotFound,
    ChainMismatch,
    ChainTxFailed,
    DeskError,
    ExitMode,
    KeystoreError,
    OffTick,
    OrderInputError,
    RelayerRefused,
    RelayerUnreachable,
    SizeError,
    StreamClosed,
    VenuePreparing,
    WaitTimeout,
    WrongPassphrase,
    WrongUnit,
)
from desk.mandates import HedgeBand
from desk.orders import Leg, Trigger
from desk.owner_exit import AlreadyExited, NotInExitMode
from desk.units import base_units

__all__ = [
    "AccountNotFound",
    "AlreadyExited",
    "ChainMismatch",
    "ChainTxFailed",
    "Desk",
    "DeskError",
    "ExitMode",
    "HedgeBand",
    "KeystoreError",
    "Leg",
    "NotInExitMode",
    "OffTick",
    "OrderInputError",
    "RelayerRefused",
    "RelayerUnreachable",
    "SizeError",
    "StreamClosed",
    "Trigger",
    "VenuePreparing",
    "WaitTimeout",
    "WrongPassphrase",
    "WrongUnit",
    "base_units",
]
