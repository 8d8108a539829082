"""JSON parsing for response bodies: orjson when installed (``pip install gizwits-async[fast]``),
the standard library otherwise. Both raise ``ValueError`` on a malformed body."""

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
