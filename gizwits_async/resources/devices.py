"""``client.devices``: device status, detail, datapoint definitions, raw logs and remote control,
one at a time or in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from gizwits_async._transport import Auth
from gizwits_async._validate import (
    command_body,
    did_list,
    path_segment,
    require_text,
    to_epoch_seconds,
)
from gizwits_async.bulk import BulkResult, run_bulk
from gizwits_async.models.datapoints import ProductDatapoints
from gizwits_async.models.devices import Device, DeviceStatus
from gizwits_async.models.raw_data import RawDataEntry
from gizwits_async.pagination import AsyncPaginator
from gizwits_async.resources._base import Resource
from gizwits_async.resources._raw_data import DEFAULT_RETENTION, MAX_LIMIT, RawDataWalk

if TYPE_CHECKING:
    from gizwits_async.client import GizwitsClient


class DevicesResource(Resource):
    """``client.devices``: latest status, detail, datapoint definitions, raw logs and control, one
    device or many."""

    def __init__(self, client: GizwitsClient) -> None:
        super().__init__(client)
        # Product definitions change only when the product is re-published: keep one per key.
        self._datapoints: dict[str, ProductDatapoints] = {}

    async def latest(self, did: str) -> DeviceStatus:
        """``GET /app/devdata/{did}/latest``: the device's last report within 24 hours."""
        path = f"/app/devdata/{path_segment(did, 'did')}/latest"
        return await self._fetch("GET", path, into=DeviceStatus)

    async def get(self, did: str) -> Device:
        """``GET /app/devices/{did}``: device detail."""
        path = f"/app/devices/{path_segment(did, 'did')}"
        return await self._fetch("GET", path, into=Device)

    async def datapoints(self, product_key: str, *, refresh: bool = False) -> ProductDatapoints:
        """``GET /app/datapoint?product_key=``: the product's datapoint definition.

        Needs only the AppID (linked to the product). Cached per product key for the client's
        lifetime; ``refresh=True`` asks again.
        """
        key = require_text(product_key, "product_key")
        cached = self._datapoints.get(key)
        if cached is not None and not refresh:
            return cached
        definition: ProductDatapoints = await self._fetch(
            "GET",
            "/app/datapoint",
            params={"product_key": key},
            auth=Auth.NONE,
            into=ProductDatapoints,
        )
        self._datapoints[key] = definition
        return definition

    def raw_data(
        self,
        did: str,
        *,
        type: str = "cmd",
        start: datetime | float,
        end: datetime | float,
        sort: str = "desc",
        limit: int | None = None,
        page_size: int = MAX_LIMIT,
        retention: timedelta | float = DEFAULT_RETENTION,
    ) -> AsyncPaginator[RawDataEntry]:
        """``GET /app/devices/{did}/raw_data``: the communication log (``type="cmd"``) or the
        online/offline history (``type="online"``) between ``start`` and ``end``.

        Any range is read in as many windows under 48 hours, and as many pages within the
        5000-row cap, as it needs; entries come in ``sort`` order (``"asc"`` or ``"desc"``),
        each once, one page held at a time.

        The cloud keeps about 7 days of log: the part of the range older than ``retention``
        (a ``timedelta`` or seconds, default 7 days) is not asked for, so a walk sends at most
        a few requests per empty stretch; a range wholly older is refused.
        """
        path = f"/app/devices/{path_segment(did, 'did')}/raw_data"
        walk = RawDataWalk.checked(
            self._transport,
            path,
            type=type,
            sort=sort,
            start=to_epoch_seconds(start, "start"),
            end=to_epoch_seconds(end, "end"),
            page_size=page_size,
            retention=retention,
        )
        return AsyncPaginator(walk.fetch, limit=limit, page_size=page_size, max_page_size=MAX_LIMIT)

    async def control(
        self,
        did: str,
        *,
        attrs: Mapping[str, Any] | None = None,
        raw: bytes | list[int] | None = None,
        idempotent: bool = False,
        datapoints: ProductDatapoints | None = None,
    ) -> None:
        """``POST /app/control/{did}``: send datapoint values (``attrs``) or a raw command.

        With ``datapoints`` (from ``datapoints(product_key)``) the attrs are checked against
        the definition first and sent as it requires (binary values padded). A control is never
        resent once it may have reached the server, unless you pass ``idempotent=True``
        because your attrs set absolute values (no toggles, no raw).
        """
        path = f"/app/control/{path_segment(did, 'did')}"
        body = _checked_command(attrs, raw, datapoints)
        await self._transport.request("POST", path, json_body=body, idempotent=idempotent)

    async def control_many(
        self,
        dids: Iterable[str],
        *,
        attrs: Mapping[str, Any] | None = None,
        raw: bytes | list[int] | None = None,
        concurrency: int | None = None,
        datapoints: ProductDatapoints | None = None,
    ) -> BulkResult[None]:
        """Control many devices with the same command; one result per did."""
        dids = did_list(dids)
        # One command for every device: checked and encoded once, not once a device.
        body = self._transport.encoded(
            "POST", "/app/control/{did}", _checked_command(attrs, raw, datapoints)
        )

        async def one(did: str) -> None:
            path = f"/app/control/{path_segment(did, 'did')}"
            await self._transport.request("POST", path, json_body=body)

        return await run_bulk(
            dids,
            one,
            concurrency=self._client.max_concurrency if concurrency is None else concurrency,
        )

    async def latest_many(
        self, dids: Iterable[str], *, concurrency: int | None = None
    ) -> BulkResult[DeviceStatus]:
        """The latest status of many devices; one result per did."""
        dids = did_list(dids)
        return await run_bulk(
            dids,
            self.latest,
            concurrency=self._client.max_concurrency if concurrency is None else concurrency,
        )


def _checked_command(
    attrs: Mapping[str, Any] | None, raw: Any, datapoints: ProductDatapoints | None
) -> dict[str, Any]:
    body = command_body(attrs, raw)
    if datapoints is None:
        return body
    if not isinstance(datapoints, ProductDatapoints):
        raise TypeError("datapoints must be a ProductDatapoints (from devices.datapoints())")
    if "attrs" in body:
        return {"attrs": datapoints.validate(body["attrs"])}
    return body
