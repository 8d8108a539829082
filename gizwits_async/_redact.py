"""Keeping secrets out of logs, reprs and error messages."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import quote, quote_plus

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

# A server that echoes a secret may echo only part of it: aiohttp's own "header too long" page
# shows the first ~100 characters of the header. Any run of this many characters of a secret
# is hidden; a secret shorter than this is hidden wherever it appears whole.
PARTIAL_RUN: Final = 16

_MAX_DEPTH: Final = 20


def redact(data: Any, _depth: int = 0) -> Any:
    """Return a copy of a JSON value with secret-keyed values replaced."""
    if _depth > _MAX_DEPTH:
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


@functools.lru_cache(maxsize=256)
def spellings(secret: str) -> frozenset[str]:
    """The ways a server may echo ``secret``: as sent, JSON-escaped, percent-encoded."""
    found = {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote_plus(secret)}
    found.discard("")
    return frozenset(found)


def secret_values(data: Any, _depth: int = 0) -> set[str]:
    """The string values under secret keys of a request body, at any depth."""
    found: set[str] = set()
    if _depth > _MAX_DEPTH:
        return found
    if isinstance(data, dict):
        for key, value in data.items():
            if key in SECRET_KEYS and isinstance(value, str | int) and not isinstance(value, bool):
                found.add(str(value))
            else:
                found |= secret_values(value, _depth + 1)
    elif isinstance(data, list):
        for item in data:
            found |= secret_values(item, _depth + 1)
    return found


def _spans(text: str, secret: str) -> Iterable[tuple[int, int]]:
    """Where ``secret`` shows in ``text``: whole, or as any run of ``PARTIAL_RUN`` characters."""
    if len(secret) <= PARTIAL_RUN:
        windows = [secret]
    else:
        windows = [secret[i : i + PARTIAL_RUN] for i in range(len(secret) - PARTIAL_RUN + 1)]
    for window in windows:
        start = text.find(window)
        while start >= 0:
            yield start, start + len(window)
            start = text.find(window, start + 1)


def hide(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every whole or partial (``PARTIAL_RUN`` characters or more) occurrence
    of each secret replaced."""
    merged: list[list[int]] = []
    for start, stop in sorted(
        span for secret in secrets if secret for span in _spans(text, secret)
    ):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], stop)
        else:
            merged.append([start, stop])
    if not merged:
        return text
    parts: list[str] = []
    done = 0
    for start, stop in merged:
        parts += (text[done:start], REDACTED)
        done = stop
    parts.append(text[done:])
    return "".join(parts)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Hide secrets in a body that did not parse as JSON (a truncated answer, an error page):
    the values of secret keys, and each of ``secrets`` (the token, password or signature the
    request carried, a share code from its path) wherever it appears, whole or in part."""
    text = _SECRET_IN_TEXT.sub(lambda match: f'{match[1]}"{REDACTED}"', text)
    return hide(text, secrets)


def redact_value(data: Any, secrets: Iterable[str], _depth: int = 0) -> Any:
    """A JSON value (an error's ``detail``) with secret keys and ``secrets`` hidden."""
    if _depth > _MAX_DEPTH:
        return REDACTED
    if isinstance(data, str):
        return hide(data, secrets)
    if isinstance(data, dict):
        return {
            hide(str(key), secrets): REDACTED
            if key in SECRET_KEYS
            else redact_value(value, secrets, _depth + 1)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [redact_value(item, secrets, _depth + 1) for item in data]
    return data
