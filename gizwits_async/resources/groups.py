"""``client.groups``: the user's device groups, and one command for every device of a group."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any

from gizwits_async.bulk import BulkResult, run_bulk
from gizwits_async.errors import GizwitsResponseError
from gizwits_async.models._converter import decode, decode_list, excerpt
from gizwits_async.models.groups import Group, GroupChangeResult, GroupControlResult, GroupDevice
from gizwits_async.resources._base import (
    Resource,
    command_body,
    did_list,
    path_segment,
    require_text,
)

GROUP_PATH = "/app/group"


def _group_path(group_id: Any, suffix: str = "") -> str:
    return f"{GROUP_PATH}/{path_segment(group_id, 'group_id')}{suffix}"


def _dids_body(dids: Iterable[str]) -> dict[str, list[str]]:
    checked = did_list(dids)
    if not checked:
        raise ValueError("dids must not be empty")
    return {"dids": checked}


def _control_results(data: Any) -> dict[str, bool]:
    return {entry.did: entry.result for entry in decode_list(data, GroupControlResult)}


class GroupsResource(Resource):
    async def list(self) -> list[Group]:
        """``GET /app/group``: every group of the user (not paged)."""
        return decode_list(await self._transport.request("GET", GROUP_PATH), Group)

    async def create(self, group_name: str, *, product_key: str | None = None) -> str:
        """``POST /app/group``: a new group; give ``product_key`` for a single-product group,
        the kind ``control`` works on. Returns the group id."""
        body = {"group_name": require_text(group_name, "group_name")}
        if product_key is not None:
            body["product_key"] = require_text(product_key, "product_key")
        data = await self._transport.request("POST", GROUP_PATH, json_body=body)
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
            raise GizwitsResponseError("POST /app/group: no group id", body=excerpt(data))
        return str(data["id"])

    async def delete(self, group_id: str) -> None:
        """``DELETE /app/group/{id}``."""
        await self._transport.request("DELETE", _group_path(group_id))

    async def rename(self, group_id: str, group_name: str) -> None:
        """``PUT /app/group/{id}``: change the group's name."""
        body = {"group_name": require_text(group_name, "group_name")}
        await self._transport.request("PUT", _group_path(group_id), json_body=body)

    async def devices(self, group_id: str) -> builtins.list[GroupDevice]:
        """``GET /app/group/{id}/devices``: the devices in the group."""
        data = await self._transport.request("GET", _group_path(group_id, "/devices"))
        return decode_list(data, GroupDevice)

    async def add_devices(
        self, group_id: str, dids: Iterable[str], *, show_detail: bool = False
    ) -> GroupChangeResult:
        """``POST /app/group/{id}/devices``: add bound devices. Each did succeeds or fails on
        its own; ``show_detail=True`` asks why each failure failed (``result.detail``)."""
        path = _group_path(group_id, "/devices")
        body = _dids_body(dids)
        data = await self._transport.request(
            "POST", path, params={"show_detail": int(bool(show_detail))}, json_body=body
        )
        return decode(data, GroupChangeResult)

    async def remove_devices(self, group_id: str, dids: Iterable[str]) -> GroupChangeResult:
        """``DELETE /app/group/{id}/devices``: take devices out of the group."""
        path = _group_path(group_id, "/devices")
        data = await self._transport.request("DELETE", path, json_body=_dids_body(dids))
        return decode(data, GroupChangeResult)

    async def control(
        self,
        group_id: str,
        *,
        attrs: Mapping[str, Any] | None = None,
        raw: bytes | builtins.list[int] | None = None,
    ) -> dict[str, bool]:
        """``POST /app/group/{id}/control``: one command to every device of a single-product
        group. Returns did → whether that device took it (an offline device is False)."""
        path = _group_path(group_id, "/control")
        data = await self._transport.request("POST", path, json_body=command_body(attrs, raw))
        return _control_results(data)

    async def control_many(
        self,
        group_ids: Iterable[str],
        *,
        attrs: Mapping[str, Any] | None = None,
        raw: bytes | builtins.list[int] | None = None,
        concurrency: int | None = None,
    ) -> BulkResult[dict[str, bool]]:
        """Send the same command to several groups; one result (did → bool) per group."""
        checked = did_list(group_ids, "group_id")
        body = command_body(attrs, raw)

        async def one(group_id: str) -> dict[str, bool]:
            data = await self._transport.request(
                "POST", _group_path(group_id, "/control"), json_body=body
            )
            return _control_results(data)

        return await run_bulk(
            checked,
            one,
            concurrency=self._client.max_concurrency if concurrency is None else concurrency,
        )
