"""What the desk SDK raises: each error names what was wrong and what to do about it.

All derive from :class:`DeskError` (a ``DarkbookError``), so the CLI prints one line and exits 2.
"""

from __future__ import annotations

from prover.errors import DarkbookError


class DeskError(DarkbookError):
    """Base of every error the desk SDK raises on purpose."""


class KeystoreError(DeskError):
    """A keystore file is missing, unreadable or not a desk keystore."""


class WrongPassphrase(KeystoreError):
    """The passphrase does not open the keystore (its MAC does not match)."""


class RelayerUnreachable(DeskError):
    """No answer from the relayer's URL (connection refused, timeout, DNS)."""


class VenuePreparing(DeskError):
    """503 ``venue_preparing``: the venue is still compiling, setting up keys or deploying."""


class RelayerRefused(DeskError):
    """The relayer refused a request: its stable ``code``, the ``field`` and the ``reason``;
    a margin refusal also carries ``margin`` (``WhatIfOut``: margin per scenario before and
    after the order or withdrawal it refused)."""

    def __init__(
        self, status: int, code: str, field: str, reason: str, margin: object | None = None
    ) -> None:
        super().__init__(f"the relayer refused it ({status} {code}): {field}: {reason}")
        self.status = status
        self.code = code
        self.field = field
        self.reason = reason
        self.margin = margin


class ExitMode(RelayerRefused):
    """503 ``exit_mode``: the Settlement contract's exit mode is due or entered; no batch can
    land, so orders and withdrawals are closed for good: exit through the contract."""


class StreamClosed(DeskError):
    """The relayer closed the private stream (e.g. the desk fell too far behind)."""


class ChainMismatch(DeskError):
    """The chain or the signing domain is not the one the venue announces."""


class OrderInputError(DeskError):
    """An order, cancel or withdrawal is wrong before anything is signed."""


class WrongUnit(OrderInputError):
    """A price or amount looks given in token units (or as a fraction), not in base units."""


class OffTick(OrderInputError):
    """A price or size is not a multiple of its series' tick."""


class SizeError(OrderInputError):
    """A quantity or amount is zero, negative or beyond 64 bits."""


class AccountNotFound(DeskError):
    """The desk's trading key has no account at the venue yet (no credited deposit)."""


class ChainTxFailed(DeskError):
    """An on-chain transaction (approve, deposit, claim) reverted or could not be sent."""


class WaitTimeout(DeskError):
    """Waiting for a deposit credit or a withdrawal to become claimable took too long."""
