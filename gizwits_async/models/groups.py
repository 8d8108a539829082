"""Device groups, their devices, and the outcome of changing or controlling them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.models._converter import CONVERTER, epoch_or_none, extra_field, wire
from gizwits_async.models.devices import DeviceType


def _text_or_none(value: Any, _: Any = None) -> str | None:
    """Groups of several products answer ``""`` where a single-product group names one."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _list_or_empty(value: Any, cl: Any) -> Any:
    """A list field the server may leave null."""
    return [] if value is None else CONVERTER.structure(value, cl)


@attrs.frozen(repr=False, eq=False)
class Group(Frozen):
    """A group of ``GET /app/group``. ``product_key`` and ``verbose_name`` (the product's
    name) are set for single-product groups only, the ones that can be controlled."""

    id: str
    group_name: str | None = None
    product_key: str | None = wire(struct_hook=_text_or_none)
    verbose_name: str | None = wire(struct_hook=_text_or_none)
    created_at: datetime | None = wire(struct_hook=epoch_or_none)
    updated_at: datetime | None = wire(struct_hook=epoch_or_none)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(repr=False, eq=False)
class GroupDevice(Frozen):
    """A device of ``GET /app/group/{id}/devices``."""

    did: str
    type: DeviceType | None = None
    dev_alias: str | None = None
    product_key: str | None = wire(struct_hook=_text_or_none)
    verbose_name: str | None = wire(struct_hook=_text_or_none)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(repr=False, eq=False)
class GroupChangeDetail(Frozen):
    """Why one did could not be added (``show_detail=True``)."""

    did: str
    error_code: int | None = None
    error_message: str | None = None
    detail_msg: str | None = None
    extra: dict[str, Any] = extra_field()


@attrs.frozen(repr=False, eq=False)
class GroupChangeResult(Frozen):
    """The dids a group change applied to and those it did not; one failing did never
    fails the others.

    ``uncertain``: when a removal had to be resent after an attempt whose answer was lost,
    the dids the resend reported as failed (the lost attempt may have removed them: a did no
    longer in the group fails to be removed) and that reading the group back could not sort
    out.
    """

    success: list[str] = wire(factory=list, struct_hook=_list_or_empty)
    failed: list[str] = wire(factory=list, struct_hook=_list_or_empty)
    detail: list[GroupChangeDetail] = wire(factory=list, struct_hook=_list_or_empty)
    uncertain: list[str] = attrs.field(factory=list)
    extra: dict[str, Any] = extra_field()

    @property
    def ok(self) -> bool:
        """True when every did is known to be added or removed."""
        return not self.failed and not self.uncertain

    def errors(self) -> dict[str, GroupChangeDetail]:
        """The detail of each failed did, when the server gave one."""
        return {item.did: item for item in self.detail}


@attrs.frozen(repr=False, eq=False)
class GroupControlResult(Frozen):
    """One entry of ``POST /app/group/{id}/control``: did the device take the command?"""

    did: str
    result: bool
    extra: dict[str, Any] = extra_field()
