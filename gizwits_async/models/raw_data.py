"""Entries of a device's communication log and online/offline history
(``GET /app/devices/{did}/raw_data``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from gizwits_async.models._converter import LenientEnum, extra_field


class RawDataType(LenientEnum):
    """What happened: a command to the device, a report from it, or a change of presence."""

    APP2DEV = "app2dev"
    DEV2APP = "dev2app"
    DEV_ONLINE = "dev_online"
    DEV_RE_ONLINE = "dev_re_online"
    DEV_OFFLINE = "dev_offline"
    UNKNOWN = "UNKNOWN"


class RawDataSource(LenientEnum):
    """Who sent an ``app2dev`` command: an app (``client``) or a D3 rule (``d3``)."""

    CLIENT = "client"
    D3 = "d3"
    UNKNOWN = "UNKNOWN"


@attrs.frozen
class RawDataEntry:
    """One log entry. ``timestamp`` keeps the cloud's millisecond precision.

    ``source``, ``uid`` and ``appid`` are only sent for ``app2dev`` entries.
    """

    type: RawDataType
    timestamp: datetime
    payload_bin: str = ""
    ip: str | None = None
    source: RawDataSource | None = None
    uid: str | None = None
    appid: str | None = None
    extra: dict[str, Any] = extra_field()

    @property
    def payload(self) -> bytes:
        """``payload_bin`` as bytes."""
        return bytes.fromhex(self.payload_bin)
