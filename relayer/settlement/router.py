"""HTTP routes of settlement: the batches the venue sealed, proved and landed on chain, with
their on-chain status (rows written by relayer.settlement.batch_store). Public, unsigned."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from relayer.api.errors import ERROR_RESPONSES, ApiError
from relayer.settlement.schemas import BatchOut
from relayer.storage.repository import Repository

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES, tags=["batches"])


def repository(request: Request) -> Repository:
    return request.app.state.repository


RepositoryDep = Annotated[Repository, Depends(repository)]


@router.get("/batches", response_model=list[BatchOut])
def list_batches(
    repo: RepositoryDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[BatchOut]:
    """Settlement batches, newest first, with their on-chain status (public data only)."""
    return [_batch_out(b) for b in repo.batches(limit)]


@router.get("/batches/{batch_id}", response_model=BatchOut)
def get_batch(batch_id: Annotated[int, Path(ge=0, lt=2**63)], repo: RepositoryDep) -> BatchOut:
    b = repo.batch(batch_id)
    if b is None:
        raise ApiError("not_found", "batch_id", "no such batch")
    return _batch_out(b)


def _batch_out(row: dict) -> BatchOut:
    roots = {k: None if row[k] is None else f"0x{row[k]:064x}" for k in ("old_root", "new_root")}
    return BatchOut(**{**row, **roots})
