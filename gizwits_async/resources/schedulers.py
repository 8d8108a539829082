"""``client.schedulers`` (per device) and ``client.common_schedulers`` (device, group or scene)."""

from __future__ import annotations

from typing import Any

from gizwits_async.errors import GizwitsResponseError
from gizwits_async.models._converter import decode_list, excerpt
from gizwits_async.models.schedules import Schedule
from gizwits_async.pagination import AsyncPaginator, Page, PageRequest, page_from_list
from gizwits_async.resources._base import Resource, id_value, path_segment


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


def _schedule_id(method: str, path: str, data: Any) -> str:
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise GizwitsResponseError(f"{method} {path}: expected {{id}}", body=excerpt(data))
    return str(data["id"])


class SchedulersResource(Resource):
    """Schedules of one device: ``/app/devices/{did}/scheduler``."""

    def list(
        self, did: str, *, limit: int | None = None, page_size: int = 20
    ) -> AsyncPaginator[Schedule]:
        """``GET /app/devices/{did}/scheduler``: a full page means there may be more."""
        path = f"/app/devices/{path_segment(did, 'did')}/scheduler"

        async def fetch(request: PageRequest) -> Page[Schedule]:
            params = {"limit": request.limit, "skip": request.skip}
            data = await self._transport.request("GET", path, params=params)
            return page_from_list(decode_list(data, Schedule), request)

        return AsyncPaginator(fetch, limit=limit, page_size=page_size, max_page_size=1000)

    async def create(self, did: str, schedule: Schedule) -> str:
        """``POST /app/devices/{did}/scheduler``: add a schedule to the device; returns its id."""
        path = f"/app/devices/{path_segment(did, 'did')}/scheduler"
        body = _device_body(did, schedule)
        data = await self._transport.request("POST", path, json_body=body)
        return _schedule_id("POST", path, data)

    async def update(self, did: str, schedule_id: str, schedule: Schedule) -> None:
        """``PUT /app/devices/{did}/scheduler/{id}``: replace the schedule."""
        path = (
            f"/app/devices/{path_segment(did, 'did')}/scheduler/"
            f"{path_segment(schedule_id, 'schedule_id')}"
        )
        body = _device_body(did, schedule)
        await self._transport.request("PUT", path, json_body=body)

    async def delete(self, did: str, schedule_id: str) -> None:
        """``DELETE /app/devices/{did}/scheduler/{id}``."""
        path = (
            f"/app/devices/{path_segment(did, 'did')}/scheduler/"
            f"{path_segment(schedule_id, 'schedule_id')}"
        )
        await self._transport.request("DELETE", path)


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

        async def fetch(request: PageRequest) -> Page[Schedule]:
            params: dict[str, str | int] = {
                **filters,
                "limit": request.limit,
                "skip": request.skip,
            }
            data = await self._transport.request("GET", "/app/common_scheduler", params=params)
            return page_from_list(decode_list(data, Schedule), request)

        return AsyncPaginator(fetch, limit=limit, page_size=page_size, max_page_size=1000)

    async def create(self, schedule: Schedule) -> str:
        """``POST /app/common_scheduler``: the schedule names exactly one of did, group_id,
        scene_id; returns its id."""
        body = _check_schedule(schedule).to_wire(common=True)
        data = await self._transport.request("POST", "/app/common_scheduler", json_body=body)
        return _schedule_id("POST", "/app/common_scheduler", data)

    async def update(self, schedule_id: str, schedule: Schedule) -> None:
        """``PUT /app/common_scheduler/{id}``: replace the schedule."""
        path = f"/app/common_scheduler/{path_segment(schedule_id, 'schedule_id')}"
        body = _check_schedule(schedule).to_wire(common=True)
        await self._transport.request("PUT", path, json_body=body)

    async def delete(self, schedule_id: str) -> None:
        """``DELETE /app/common_scheduler/{id}``."""
        path = f"/app/common_scheduler/{path_segment(schedule_id, 'schedule_id')}"
        await self._transport.request("DELETE", path)
