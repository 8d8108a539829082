"""Devices as bindings and device detail return them, and their latest status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.models._converter import LenientEnum, epoch_or_none, extra_field, wire


class DeviceRole(LenientEnum):
    """How the user is bound to the device (see the doc's 角色场景说明)."""

    SPECIAL = "special"
    OWNER = "owner"
    GUEST = "guest"
    NORMAL = "normal"
    UNKNOWN = "UNKNOWN"


class DeviceType(LenientEnum):
    """What a device is: a normal device, a central controller (gateway) or a sub-device."""

    NORMAL = "normal"
    CENTER_CONTROL = "center_control"
    SUB_DEV = "sub_dev"
    UNKNOWN = "UNKNOWN"


@attrs.frozen(repr=False, eq=False)
class Device(Frozen):
    """A device entry of ``GET /app/bindings``, ``GET /app/devices/{did}`` and ``bind_mac``.

    Every field but ``did`` is optional: the endpoints return different subsets, and real
    payloads carry fields the doc never mentions (kept here when seen, else in ``extra``).
    """

    did: str
    product_key: str | None = None
    mac: str | None = None
    is_online: bool | None = None
    passcode: str | None = attrs.field(default=None, repr=False)
    host: str | None = None
    port: int | None = None
    port_s: int | None = None
    ws_port: int | None = None
    wss_port: int | None = None
    remark: str | None = None
    is_disabled: bool | None = None
    type: DeviceType | None = None
    dev_alias: str | None = None
    dev_label: list[str] | None = None
    role: DeviceRole | None = None
    proto_ver: str | None = None
    wifi_soft_version: str | None = None
    is_sandbox: bool | None = None
    protoc: int | None = None
    product_name: str | None = None
    gw_did: str | None = None
    sleep_duration: int | None = None
    mcu_soft_version: str | None = None
    mcu_hard_version: str | None = None
    wifi_hard_version: str | None = None
    state_last_timestamp: datetime | None = wire(struct_hook=epoch_or_none)
    mesh_id: str | None = None
    is_low_power: bool | None = None
    updated_at: datetime | None = wire(struct_hook=epoch_or_none)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(repr=False, eq=False, init=False)
class DeviceStatus(Frozen):
    """``GET /app/devdata/{did}/latest``: the last report within 24 hours.

    The cloud answers ``updated_at: 0`` with empty attrs when the device reported nothing in
    24 hours; that is ``updated_at is None`` and ``has_data is False`` here, never 1970.
    The values are ``attr`` on the wire and ``.attrs`` here; the constructor takes either name.
    """

    did: str
    updated_at: datetime | None = wire(struct_hook=epoch_or_none)
    attrs: dict[str, Any] = wire("attr", factory=dict)
    extra: dict[str, Any] = extra_field()

    def __init__(
        self,
        did: str,
        updated_at: datetime | None = None,
        attr: dict[str, Any] | None = None,
        *,
        attrs: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Build a status from the wire name ``attr`` or the attribute name ``attrs``."""
        if attr is not None and attrs is not None:
            raise TypeError("give attr or attrs, not both")
        values = attrs if attrs is not None else attr
        self.__attrs_init__(
            did, updated_at, {} if values is None else values, extra={} if extra is None else extra
        )

    @property
    def has_data(self) -> bool:
        """False for the empty answer ``latest`` gives after 24 hours without a report (no time, no
        attrs)."""
        return self.updated_at is not None or bool(self.attrs)
