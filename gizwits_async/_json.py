"""JSON for bodies: parsing with orjson when installed (``pip install gizwits-async[fast]``),
the standard library otherwise; both raise ``ValueError`` on a malformed body. Request bodies
are written by the standard library with ``allow_nan=False``: orjson writes NaN as ``null``,
which would change the command instead of refusing it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

loads: Callable[[bytes], Any]

try:
    import orjson
except ImportError:  # pragma: no cover - exercised where the extra is not installed
    loads = json.loads
    FAST_JSON = False
else:
    loads = orjson.loads
    FAST_JSON = True

_encoder = json.JSONEncoder(allow_nan=False)


def dumps(value: Any) -> bytes:
    """A request body as JSON bytes; ``ValueError`` for NaN or infinity, ``TypeError`` for a
    value JSON has no form for."""
    return _encoder.encode(value).encode()
