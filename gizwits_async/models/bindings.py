"""What the binding endpoints answer besides device entries: unbind outcomes, per-user binding
info and the guests of a shared device."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.models._converter import epoch_or_none, extra_field, wire


@attrs.frozen(repr=False, eq=False)
class UnbindResult(Frozen):
    """``DELETE /app/bindings``: which dids were unbound and which were not.

    ``uncertain``: when the call had to be resent after an attempt whose answer was lost, the
    dids the resend reported as failed (the lost attempt may have unbound them: a did no
    longer bound fails to unbind) and that reading the bindings back could not sort out.
    """

    success: list[str] = attrs.field(factory=list)
    failed: list[str] = attrs.field(factory=list)
    uncertain: list[str] = attrs.field(factory=list)
    extra: dict[str, Any] = extra_field()

    @property
    def ok(self) -> bool:
        """True when every did is known to be unbound."""
        return not self.failed and not self.uncertain


@attrs.frozen(repr=False, eq=False)
class BindingInfo(Frozen):
    """``PUT /app/bindings/{did}``: the user's own remark, alias and labels for a device."""

    remark: str | None = None
    dev_alias: str | None = None
    dev_label: list[str] | None = None
    extra: dict[str, Any] = extra_field()


@attrs.frozen(repr=False, eq=False)
class GuestUser(Frozen):
    """A user who accepted a share of the device (``GET /app/{did}/bindings``).

    The cloud masks ``username``, ``phone`` and ``email`` (four characters become ``*``).
    """

    uid: str
    username: str | None = None
    phone: str | None = None
    email: str | None = None
    created_at: datetime | None = wire(struct_hook=epoch_or_none)
    extra: dict[str, Any] = extra_field()
