"""``client.scenes``: user scenes (用户场景), created, run and watched."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gizwits_async.errors import GizwitsResponseError
from gizwits_async.models._converter import decode, decode_list, excerpt
from gizwits_async.models.scenes import (
    DatapointsArg,
    Scene,
    SceneRunStatus,
    SceneTask,
    encode_scene_tasks,
)
from gizwits_async.resources._base import Resource, path_segment, require_text


class ScenesResource(Resource):
    async def list(self) -> list[Scene]:
        """``GET /app/scene``: every scene of the user (not paged)."""
        data = await self._transport.request("GET", "/app/scene")
        return decode_list(data, Scene)

    async def create(
        self,
        scene_name: str,
        tasks: Iterable[SceneTask | Mapping[str, Any]],
        *,
        remark: str | None = None,
        datapoints: DatapointsArg = None,
    ) -> str:
        """``POST /app/scene``: create a scene and return its id.

        With ``datapoints`` (the ``ProductDatapoints`` of the products involved) enum labels
        become indexes and binary values base64, as scenes require; ``bytes`` values and
        ``raw`` are base64-encoded in any case.
        """
        body: dict[str, Any] = {
            "scene_name": require_text(scene_name, "scene_name"),
            "tasks": encode_scene_tasks(tasks, datapoints),
        }
        if remark is not None:
            body["remark"] = require_text(remark, "remark", allow_empty=True)
        data = await self._transport.request("POST", "/app/scene", json_body=body)
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise GizwitsResponseError("POST /app/scene: expected {id}", body=excerpt(data))
        return str(data["id"])

    async def update(
        self,
        scene_id: str,
        *,
        scene_name: str | None = None,
        tasks: Iterable[SceneTask | Mapping[str, Any]] | None = None,
        remark: str | None = None,
        datapoints: DatapointsArg = None,
    ) -> None:
        """``PUT /app/scene/{id}``: change the name, the tasks or the remark."""
        path = f"/app/scene/{path_segment(scene_id, 'scene_id')}"
        body: dict[str, Any] = {}
        if scene_name is not None:
            body["scene_name"] = require_text(scene_name, "scene_name")
        if tasks is not None:
            body["tasks"] = encode_scene_tasks(tasks, datapoints)
        if remark is not None:
            body["remark"] = require_text(remark, "remark", allow_empty=True)
        if not body:
            raise ValueError("give scene_name, tasks or remark to change")
        await self._transport.request("PUT", path, json_body=body)

    async def delete(self, scene_id: str) -> None:
        """``DELETE /app/scene/{id}``."""
        await self._transport.request("DELETE", f"/app/scene/{path_segment(scene_id, 'scene_id')}")

    async def run(self, scene_id: str) -> None:
        """``POST /app/scene/{id}/task``: start the scene; ``run_status`` tells how it goes."""
        path = f"/app/scene/{path_segment(scene_id, 'scene_id')}/task"
        await self._transport.request("POST", path)

    async def run_status(self, scene_id: str) -> SceneRunStatus:
        """``GET /app/scene/{id}/task``: running, done, failed or not executing."""
        path = f"/app/scene/{path_segment(scene_id, 'scene_id')}/task"
        data = await self._transport.request("GET", path)
        if not isinstance(data, dict) or "status" not in data:
            raise GizwitsResponseError(f"GET {path}: expected {{status}}", body=excerpt(data))
        return SceneRunStatus(decode(data["status"], int))
