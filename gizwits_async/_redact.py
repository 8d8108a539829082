"""Keeping secrets out of logs, reprs and error messages."""

from __future__ import annotations

import re
from collections.abc import Iterable
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


# A secret-keyed value inside JSON-like text, complete or cut off: a quoted string (perhaps
# without its closing quote) or a bare scalar.
_SECRET_IN_TEXT: Final = re.compile(
    r'("(?:' + "|".join(sorted(SECRET_KEYS)) + r')"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^\s,}\]]+)'
)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Hide secrets in a body that did not parse as JSON (a truncated answer, an error page):
    the values of secret keys, and each of ``secrets`` (say, a share code a proxy's error page
    echoes from the request path) wherever it appears."""
    text = _SECRET_IN_TEXT.sub(lambda match: f'{match[1]}"{REDACTED}"', text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text
