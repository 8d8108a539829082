"""Keeping secrets out of logs, reprs and error messages."""

from __future__ import annotations

from typing import Any, Final

REDACTED: Final = "**REDACTED**"

# Keys whose values are secrets wherever they appear in a payload.
SECRET_KEYS: Final = frozenset(
    {
        "token",
        "password",
        "new_pwd",
        "old_pwd",
        "passcode",
        "app_secret",
        "product_secret",
        "secret",
        "code",
        "sms_code",
        "captcha_code",
        "qr_content",
        "authData",
    }
)


def redact(data: Any, _depth: int = 0) -> Any:
    """Return a copy of a JSON value with secret-keyed values replaced."""
    if _depth > 20:
        return REDACTED
    if isinstance(data, dict):
        return {
            key: REDACTED if key in SECRET_KEYS else redact(value, _depth + 1)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [redact(item, _depth + 1) for item in data]
    return data
