"""``client.groups``: the user's device groups, and one command for every device of a group."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any

from gizwits_async._validate import command_body, did_list, path_segment, require_text
from gizwits_async.bulk import BulkResult, run_bulk
from gizwits_async.models._envelopes import Key, ListOf, Shape
from gizwits_async.models.groups import Group, GroupChangeResult, GroupControlResult, GroupDevice
from gizwits_async.resources._base import Resource, failed_as_uncertain, settled

GROUP_PATH = "/app/group"


def _group_path(group_id: Any, suffix: str = "") -> str:
    return f"{GROUP_PATH}/{path_segment(group_id, 'group_id')}{suffix}"


def _dids_body(dids: Iterable[str]) -> dict[str, list[str]]:
    checked = did_list(dids)
    if not checked:
        raise ValueError("dids must not be empty")
    return {"dids": checked}


class _ControlResults(Shape[dict[str, bool]]):
    """``[{"did": ..., "result": bool}]`` as did → result."""

    def decode(self, data: Any, converter: Any) -> dict[str, bool]:
        """did → whether that device took the command."""
        entries = ListOf[GroupControlResult](GroupControlResult).decode(data, converter)
        return {entry.did: entry.result for entry in entries}


_CONTROL_RESULTS = _ControlResults()


class GroupsResource(Resource):
    """``client.groups``: device groups, their members and one command for all of them."""

    async def list(self) -> list[Group]:
        """``GET /app/group``: every group of the user (not paged)."""
        return await self._fetch("GET", GROUP_PATH, into=ListOf(Group))

    async def create(self, group_name: str, *, product_key: str | None = None) -> str:
        """``POST /app/group``: a new group; give ``product_key`` for a single-product group,
        the kind ``control`` works on. Returns the group id."""
        body = {"group_name": require_text(group_name, "group_name")}
        if product_key is not None:
            body["product_key"] = require_text(product_key, "product_key")
        return await self._fetch("POST", GROUP_PATH, json_body=body, into=Key("id", str))

    async def delete(self, group_id: str) -> None:
        """``DELETE /app/group/{id}``."""
        await self._transport.request("DELETE", _group_path(group_id))

    async def rename(self, group_id: str, group_name: str) -> None:
        """``PUT /app/group/{id}``: change the group's name."""
        body = {"group_name": require_text(group_name, "group_name")}
        await self._transport.request("PUT", _group_path(group_id), json_body=body)

    async def devices(self, group_id: str) -> builtins.list[GroupDevice]:
        """``GET /app/group/{id}/devices``: the devices in the group."""
        path = _group_path(group_id, "/devices")
        return await self._fetch("GET", path, into=ListOf(GroupDevice))

    async def add_devices(
        self, group_id: str, dids: Iterable[str], *, show_detail: bool = False
    ) -> GroupChangeResult:
        """``POST /app/group/{id}/devices``: add bound devices. Each did succeeds or fails on
        its own; ``show_detail=True`` asks why each failure failed (``result.detail``)."""
        path = _group_path(group_id, "/devices")
        body = _dids_body(dids)
        params = {"show_detail": int(bool(show_detail))}
        return await self._fetch(
            "POST", path, params=params, json_body=body, into=GroupChangeResult
        )

    async def remove_devices(self, group_id: str, dids: Iterable[str]) -> GroupChangeResult:
        """``DELETE /app/group/{id}/devices``: take devices out of the group.

        When the call had to be resent after an attempt whose answer was lost, the dids the
        resend reports as failed are checked against the group (one ``devices()`` call): the
        ones no longer in it succeeded. If that read fails they stay in ``uncertain``.
        """
        path = _group_path(group_id, "/devices")
        body = _dids_body(dids)
        result = await self._fetch(
            "DELETE", path, json_body=body, into=GroupChangeResult, on_resend=failed_as_uncertain
        )

        async def members() -> set[str]:
            return {device.did for device in await self.devices(group_id)}

        return await settled(result, members, "remove_devices")

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
        body = command_body(attrs, raw)
        return await self._fetch("POST", path, json_body=body, into=_CONTROL_RESULTS)

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
        # One command for every group: checked and encoded once, not once a group.
        body = self._transport.encoded("POST", "/app/group/{id}/control", command_body(attrs, raw))

        async def one(group_id: str) -> dict[str, bool]:
            path = _group_path(group_id, "/control")
            return await self._fetch("POST", path, json_body=body, into=_CONTROL_RESULTS)

        return await run_bulk(
            checked,
            one,
            concurrency=self._client.max_concurrency if concurrency is None else concurrency,
        )
