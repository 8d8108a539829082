"""The message centre: ``GET /app/messages`` (share notices, D3 pushes)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.models._converter import epoch_or_none, extra_field, wire


class MessageStatus(enum.IntEnum):
    """``status`` of a message; values the doc does not list decode to ``UNKNOWN``."""

    UNREAD = 0
    READ = 1
    DELETED = 2
    UNKNOWN = -1

    @classmethod
    def _missing_(cls, value: object) -> MessageStatus:
        # The table types it as an integer, but the cloud has sent numbers as strings before.
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value)
            if number in cls._value2member_map_:
                return cls(number)
        return cls.UNKNOWN


@attrs.frozen(repr=False, eq=False)
class Message(Frozen):
    """One message. ``type`` 1 is a device-sharing notice; ``id`` is a string on the wire
    although the doc's table says integer."""

    id: str
    type: int | None = None
    status: MessageStatus | None = None
    content: str | None = None
    created_at: datetime | None = wire(struct_hook=epoch_or_none)
    updated_at: datetime | None = wire(struct_hook=epoch_or_none)
    extra: dict[str, Any] = extra_field()

    @property
    def is_read(self) -> bool:
        """True once the message was marked read."""
        return self.status is MessageStatus.READ
