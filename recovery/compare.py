"""Compare the state the chain proves with what the relayer reports for the account (a signed
read of ``GET /v1/accounts/{id}``, as relayer/intake/client.py signs it)."""

from __future__ import annotations

from typing import Any

import httpx

from prover.crypto.eddsa import PrivateKey
from recovery.rebuild import Recovered
from relayer.intake.client import sign_request


def relayer_account(url: str, key: PrivateKey, domain: int, account_id: int) -> dict[str, Any]:
    """The relayer's view of the account (raises on an HTTP error)."""
    path = f"/v1/accounts/{account_id}"
    headers = sign_request(key, domain, account_id, "GET", path)
    r = httpx.get(url.rstrip("/") + path, headers=headers, timeout=30)
    r.raise_for_status()
    return r.json()


def differences(recovered: Recovered, reported: dict[str, Any]) -> list[str]:
    """Each field where the relayer's report differs from the proven leaf ([] = they agree).
    The relayer may be ahead of the chain (fills not yet proven): a difference is what an
    owner must see settled, or exit on."""
    out = []
    if int(reported["collateral"]) != recovered.leaf.collateral:
        out.append(
            f"collateral: chain {recovered.leaf.collateral}, relayer {reported['collateral']}"
        )
    chain_pos = {s: q for s, q in recovered.leaf.positions if s and q}
    said = {int(p["series_id"]): int(p["qty"]) for p in reported["positions"] if int(p["qty"])}
    for sid in sorted(chain_pos.keys() | said.keys()):
        if chain_pos.get(sid, 0) != said.get(sid, 0):
            out.append(f"series {sid}: chain {chain_pos.get(sid, 0)}, relayer {said.get(sid, 0)}")
    return out
