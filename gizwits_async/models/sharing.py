"""Device sharing: invitations, sharing records and what a share QR code shows."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.models._converter import HOOK, epoch_or_none, extra_field, wire


class _LenientIntEnum(enum.IntEnum):
    """An int enum that reads numeric strings and turns unknown values into ``UNKNOWN``."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.lstrip("-").isdigit():
                return cls(int(text))
        return cls.__members__.get("UNKNOWN")


class SharingType(_LenientIntEnum):
    """How a device is shared: to a named user, or to whoever scans a QR code."""

    NORMAL = 0
    QR = 1
    UNKNOWN = -1


class SharingStatus(_LenientIntEnum):
    """Where a sharing invitation stands: pending, accepted, rejected or cancelled."""

    PENDING = 0
    ACCEPTED = 1
    REJECTED = 2
    CANCELLED = 3
    UNKNOWN = -1


class SharingDirection(enum.IntEnum):
    """``sharing_type`` of ``GET /app/sharing``: the shares I sent (as owner) or received."""

    SENT = 0
    RECEIVED = 1


def _sharing_id(value: Any, _: Any = None) -> int | str:
    """Sharing ids are integers in the doc's examples; keep any other id as the server's text."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a sharing id")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value:
        return int(value) if value.isdigit() else value
    raise TypeError(f"cannot read a sharing id from {value!r}")


def _optional_sharing_id(value: Any, _: Any = None) -> int | str | None:
    """A QR share's invitation has no id (null)."""
    return None if value is None or value == "" else _sharing_id(value)


def share_code(qr_content: str) -> str | None:
    """The invitation code inside a share QR code's content (``type=share&code=...``)."""
    codes = parse_qs(qr_content).get("code")
    return codes[0] if codes else None


@attrs.frozen(repr=False, eq=False)
class SharingInvitation(Frozen):
    """``POST /app/sharing``: ``id`` for a normal share, ``qr_content`` for a QR share.

    ``qr_content`` lets whoever holds it become a guest of the device, so it stays out of
    ``repr``.
    """

    id: int | str | None = wire(struct_hook=_optional_sharing_id)
    qr_content: str | None = attrs.field(default=None, repr=False)
    extra: dict[str, Any] = extra_field()

    @property
    def code(self) -> str | None:
        """The code to pass to ``sharing.qr_info`` and ``sharing.accept_qr``."""
        return share_code(self.qr_content) if self.qr_content else None


@attrs.frozen(repr=False, eq=False)
class Sharing(Frozen):
    """A record of ``GET /app/sharing``.

    The user fields describe the other side: the guest in the shares you sent, the owner in
    the shares you received. The server masks them (``G****s``, ``138****5678``,
    ``G****s@gizwits.com``); ``user_alias`` is your own note about that user.
    """

    id: int | str = attrs.field(metadata={HOOK: _sharing_id})
    type: SharingType | None = None
    status: SharingStatus | None = None
    did: str | None = None
    uid: str | None = None
    username: str | None = None
    user_alias: str | None = None
    email: str | None = None
    phone: str | None = None
    product_name: str | None = None
    dev_alias: str | None = None
    created_at: datetime | None = wire(struct_hook=epoch_or_none)
    updated_at: datetime | None = wire(struct_hook=epoch_or_none)
    expired_at: datetime | None = wire(struct_hook=epoch_or_none)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(repr=False, eq=False)
class SharingQRInfo(Frozen):
    """``GET /app/sharing/code/{code}``: what a share QR code offers, shown before accepting.

    ``owner`` is the owner's phone, email, user name or uid, masked by the server.
    """

    owner: str | None = None
    product_name: str | None = None
    dev_alias: str | None = None
    expired_at: datetime | None = wire(struct_hook=epoch_or_none)
    extra: dict[str, Any] = extra_field()
