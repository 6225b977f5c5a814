"""The error envelope every route answers with: ``{"error": {code, field, reason}}``.

Shared by all routers (intake, settlement) and by the app's handlers for validation and HTTP
errors, so a client parses one shape whatever failed.
"""

from __future__ import annotations

from pydantic import BaseModel

from prover.errors import DarkbookError

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
    "rate_limited": 429,
    "replayed_request": 409,
    "storage_unavailable": 503,
    "venue_preparing": 503,
    "exit_mode": 503,
    "duplicate_deposit": 409,
}
DEFAULT_STATUS = 422  # unknown series, bad tick, expired, insufficient margin, bad field ...


class ApiError(DarkbookError):
    """A refused request: ``code`` is stable, ``field`` names the offending input."""

    def __init__(self, code: str, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.code = code
        self.field = field
        self.reason = reason
        self.status = STATUS_BY_CODE.get(code, DEFAULT_STATUS)

    def body(self) -> dict:
        return {"error": {"code": self.code, "field": self.field, "reason": self.reason}}


class ErrorDetail(BaseModel):
    code: str
    field: str
    reason: str


class ErrorOut(BaseModel):
    error: ErrorDetail


# The documented error responses of every router (OpenAPI).
ERROR_RESPONSES: dict[int | str, dict] = {
    c: {"model": ErrorOut} for c in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}
