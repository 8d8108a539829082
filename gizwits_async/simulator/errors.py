"""Errors the simulated cloud answers with, in the Gizwits body format.

Codes and HTTP statuses come from the one catalogue, :data:`gizwits_async.errors.ERROR_CATALOGUE`
(the doc's table). The doc's table drops the ``!`` the cloud ends every message with for the
codes 9002 to 9010; :data:`CLOUD_MESSAGES` holds only those deviations, so the simulator answers
in the cloud's words and the catalogue stays the doc's.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Final

from gizwits_async.errors import ERROR_CATALOGUE, ErrorCode

# Recorded: 9004 "token invalid!" (tests/fixtures/real/errors/). The others of the doc's
# unpunctuated run follow the same spelling in the cloud's answers quoted by client projects
# (issue #15: "product_key invalid!", "device not found!").
CLOUD_MESSAGES: Final = MappingProxyType(
    {
        ErrorCode.PRODUCT_KEY_INVALID: "product_key invalid!",
        ErrorCode.APPID_INVALID: "appid invalid!",
        ErrorCode.TOKEN_INVALID: "token invalid!",
        ErrorCode.USER_NOT_EXIST: "user not exist!",
        ErrorCode.TOKEN_EXPIRED: "token expired!",
        ErrorCode.M2M_ID_INVALID: "m2m_id invalid!",
        ErrorCode.SERVER_ERROR: "server error!",
        ErrorCode.CODE_EXPIRED: "code expired!",
        ErrorCode.CODE_INVALID: "code invalid!",
    }
)


def cloud_message(code: ErrorCode) -> str:
    """The ``error_message`` the cloud answers with for a catalogued code."""
    return CLOUD_MESSAGES.get(code) or ERROR_CATALOGUE[code].message


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
        known = ErrorCode(code) if code in ErrorCode.__members__.values() else None
        spec = ERROR_CATALOGUE.get(known) if known is not None else None
        self.code = code
        self.status = status or (spec.status if spec else 400)
        self.message = message or (cloud_message(known) if known is not None else "error")
        self.detail = detail
        super().__init__(f"{code} {self.message}")

    def body(self) -> dict[str, Any]:
        """The JSON error body, as the cloud sends it."""
        return {
            "error_code": self.code,
            "error_message": self.message,
            "detail_message": self.detail,
        }
