"""Response models of the batch routes (pydantic, at the HTTP edge only): public data only,
roots as 0x-hex."""

from __future__ import annotations

from pydantic import BaseModel


class BatchOut(BaseModel):
    batch_id: int
    status: str
    first_fill: int | None
    last_fill: int | None
    old_root: str | None
    new_root: str | None
    tx_hash: str | None
    block_number: int | None
    created_at: int
    updated_at: int
