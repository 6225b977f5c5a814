"""HTTP errors of the intake API. Every 4xx body is ``{"error": {code, field, reason}}``."""

from __future__ import annotations

from prover.errors import DarkbookError
from relayer.matching.errors import Rejected

STATUS_BY_CODE = {
    "malformed_json": 400,
    "bad_signature": 401,
    "bad_auth": 401,
    "forbidden": 403,
    "not_found": 404,
    "unknown_order": 404,
    "stale_nonce": 409,
    "duplicate_order": 409,
    "too_many_open_orders": 409,
    "too_large": 413,
    "replayed_request": 409,
    "storage_unavailable": 503,
}
DEFAULT_STATUS = 422  # unknown series, bad tick, expired, insufficient margin, bad field ...


class ApiError(DarkbookError):
    def __init__(self, code: str, field: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{field}: {reason}")
        self.code = code
        self.field = field
        self.reason = reason
        self.status = status or STATUS_BY_CODE.get(code, DEFAULT_STATUS)

    def body(self) -> dict:
        return {"error": {"code": self.code, "field": self.field, "reason": self.reason}}

    @classmethod
    def from_rejected(cls, exc: Rejected) -> ApiError:
        return cls(exc.code, exc.field, exc.reason)
