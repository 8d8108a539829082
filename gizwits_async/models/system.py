"""System information: ``GET /status`` and ``GET /errors``."""

from __future__ import annotations

from typing import Any

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.models._converter import extra_field


@attrs.frozen(repr=False, eq=False)
class ServiceStatus(Frozen):
    """The Open API version reported by ``GET /status``."""

    version: str | None = None
    extra: dict[str, Any] = extra_field()


@attrs.frozen(repr=False, eq=False)
class ErrorInfo(Frozen):
    """One entry of the cloud's error catalogue (``GET /errors``)."""

    error_code: int
    status: int | None = None
    error_message: str | None = None
    extra: dict[str, Any] = extra_field()
