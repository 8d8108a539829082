"""Errors the simulated cloud answers with, in the Gizwits body format."""

from __future__ import annotations

from typing import Any

from gizwits_async.errors import ERROR_CATALOGUE, ErrorCode


class SimError(Exception):
    """Raised by a handler; the server answers ``{"error_code", "error_message",
    "detail_message"}`` with the catalogue's HTTP status."""

    def __init__(
        self,
        code: int,
        detail: Any = None,
        *,
        status: int | None = None,
        message: str | None = None,
    ) -> None:
        spec = (
            ERROR_CATALOGUE.get(ErrorCode(code)) if code in ErrorCode.__members__.values() else None
        )
        self.code = code
        self.status = status or (spec.status if spec else 400)
        self.message = message or (spec.message if spec else "error")
        self.detail = detail
        super().__init__(f"{code} {self.message}")

    def body(self) -> dict[str, Any]:
        return {
            "error_code": self.code,
            "error_message": self.message,
            "detail_message": self.detail,
        }
