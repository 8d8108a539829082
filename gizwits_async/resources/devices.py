"""``client.devices``: device status, detail and remote control, one at a time or in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gizwits_async.bulk import BulkResult, run_bulk
from gizwits_async.models._converter import decode
from gizwits_async.models.devices import Device, DeviceStatus
from gizwits_async.resources._base import Resource, command_body, did_list, path_segment


class DevicesResource(Resource):
    async def latest(self, did: str) -> DeviceStatus:
        """``GET /app/devdata/{did}/latest``: the device's last report within 24 hours."""
        path = f"/app/devdata/{path_segment(did, 'did')}/latest"
        data = await self._transport.request("GET", path)
        return decode(data, DeviceStatus)

    async def get(self, did: str) -> Device:
        """``GET /app/devices/{did}``: device detail."""
        data = await self._transport.request("GET", f"/app/devices/{path_segment(did, 'did')}")
        return decode(data, Device)

    async def control(
        self,
        did: str,
        *,
        attrs: Mapping[str, Any] | None = None,
        raw: bytes | list[int] | None = None,
        idempotent: bool = False,
    ) -> None:
        """``POST /app/control/{did}``: send datapoint values (``attrs``) or a raw command.

        A control is never resent once it may have reached the server, unless you pass
        ``idempotent=True`` because your attrs set absolute values (no toggles, no raw).
        """
        path = f"/app/control/{path_segment(did, 'did')}"
        body = command_body(attrs, raw)
        await self._transport.request("POST", path, json_body=body, idempotent=idempotent)

    async def control_many(
        self,
        dids: Iterable[str],
        *,
        attrs: Mapping[str, Any] | None = None,
        raw: bytes | list[int] | None = None,
        concurrency: int | None = None,
    ) -> BulkResult[None]:
        """Control many devices with the same command; one result per did."""
        dids = did_list(dids)
        body = command_body(attrs, raw)

        async def one(did: str) -> None:
            path = f"/app/control/{path_segment(did, 'did')}"
            await self._transport.request("POST", path, json_body=body)

        return await run_bulk(dids, one, concurrency=concurrency or self._client.max_concurrency)

    async def latest_many(
        self, dids: Iterable[str], *, concurrency: int | None = None
    ) -> BulkResult[DeviceStatus]:
        """The latest status of many devices; one result per did."""
        dids = did_list(dids)
        return await run_bulk(
            dids, self.latest, concurrency=concurrency or self._client.max_concurrency
        )
