"""``client.schedulers`` (per device) and ``client.common_schedulers`` (device, group or scene)."""

from __future__ import annotations

from typing import Any

from gizwits_async._validate import id_value, path_segment
from gizwits_async.errors import ErrorCode
from gizwits_async.models._envelopes import Key, ListOf
from gizwits_async.models.schedules import Schedule
from gizwits_async.pagination import AsyncPaginator, skip_limit
from gizwits_async.resources._base import Resource


def _check_schedule(schedule: Any) -> Schedule:
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule, got {type(schedule).__name__}")
    return schedule


def _device_body(did: str, schedule: Any) -> dict[str, Any]:
    checked = _check_schedule(schedule)
    if checked.did is not None and checked.did != did:
        raise ValueError(f"the schedule names device {checked.did!r}, not {did!r}")
    body = checked.to_wire(common=False)
    body.pop("did", None)
    return body


_SCHEDULES: ListOf[Schedule] = ListOf(Schedule)
_ID: Key[str] = Key("id", str)
_COMMON_PATH = "/app/common_scheduler"
# What a resent delete finds when its lost first attempt removed the schedule.
_SCHEDULE_GONE = (ErrorCode.SCHEDULER_NOT_FOUND,)


def _device_path(did: str, schedule_id: str | None = None) -> str:
    path = f"/app/devices/{path_segment(did, 'did')}/scheduler"
    if schedule_id is None:
        return path
    return f"{path}/{path_segment(schedule_id, 'schedule_id')}"


class SchedulersResource(Resource):
    """Schedules of one device: ``/app/devices/{did}/scheduler``."""

    def list(
        self, did: str, *, limit: int | None = None, page_size: int = 20
    ) -> AsyncPaginator[Schedule]:
        """``GET /app/devices/{did}/scheduler``: a full page means there may be more."""
        path = _device_path(did)
        return skip_limit(self._transport, path, _SCHEDULES, limit=limit, page_size=page_size)

    async def create(self, did: str, schedule: Schedule) -> str:
        """``POST /app/devices/{did}/scheduler``: add a schedule to the device; returns its id."""
        path = _device_path(did)
        body = _device_body(did, schedule)
        return await self._fetch("POST", path, json_body=body, into=_ID)

    async def update(self, did: str, schedule_id: str, schedule: Schedule) -> None:
        """``PUT /app/devices/{did}/scheduler/{id}``: replace the schedule."""
        path = _device_path(did, schedule_id)
        body = _device_body(did, schedule)
        await self._transport.request("PUT", path, json_body=body)

    async def delete(self, did: str, schedule_id: str) -> None:
        """``DELETE /app/devices/{did}/scheduler/{id}``."""
        await self._transport.request(
            "DELETE", _device_path(did, schedule_id), gone_codes=_SCHEDULE_GONE
        )


class CommonSchedulersResource(Resource):
    """Schedules of a device, a group or a scene: ``/app/common_scheduler``."""

    def list(
        self,
        *,
        did: str | None = None,
        group_id: str | None = None,
        scene_id: str | None = None,
        limit: int | None = None,
        page_size: int = 20,
    ) -> AsyncPaginator[Schedule]:
        """``GET /app/common_scheduler``, optionally only those of one device, group or scene."""
        filters = {
            name: id_value(value, name)
            for name, value in (("did", did), ("group_id", group_id), ("scene_id", scene_id))
            if value is not None
        }
        return skip_limit(
            self._transport,
            _COMMON_PATH,
            _SCHEDULES,
            params=filters,
            limit=limit,
            page_size=page_size,
        )

    async def create(self, schedule: Schedule) -> str:
        """``POST /app/common_scheduler``: the schedule names exactly one of did, group_id,
        scene_id; returns its id."""
        body = _check_schedule(schedule).to_wire(common=True)
        return await self._fetch("POST", _COMMON_PATH, json_body=body, into=_ID)

    async def update(self, schedule_id: str, schedule: Schedule) -> None:
        """``PUT /app/common_scheduler/{id}``: replace the schedule."""
        path = f"{_COMMON_PATH}/{path_segment(schedule_id, 'schedule_id')}"
        body = _check_schedule(schedule).to_wire(common=True)
        await self._transport.request("PUT", path, json_body=body)

    async def delete(self, schedule_id: str) -> None:
        """``DELETE /app/common_scheduler/{id}``."""
        path = f"{_COMMON_PATH}/{path_segment(schedule_id, 'schedule_id')}"
        await self._transport.request("DELETE", path, gone_codes=_SCHEDULE_GONE)
