"""``client.scenes``: user scenes (用户场景), created, run and watched."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gizwits_async._validate import path_segment, require_text
from gizwits_async.errors import ErrorCode
from gizwits_async.models._envelopes import Key, ListOf
from gizwits_async.models.scenes import (
    DatapointsArg,
    Scene,
    SceneRun,
    SceneTask,
    encode_scene_tasks,
)
from gizwits_async.resources._base import Resource


class ScenesResource(Resource):
    """``client.scenes``: scenes of device, group and delay tasks, run on demand."""

    async def list(self) -> list[Scene]:
        """``GET /app/scene``: every scene of the user (not paged)."""
        return await self._fetch("GET", "/app/scene", into=ListOf(Scene))

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
        return await self._fetch("POST", "/app/scene", json_body=body, into=Key("id", str))

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
        path = f"/app/scene/{path_segment(scene_id, 'scene_id')}"
        await self._transport.request("DELETE", path, gone_codes=(ErrorCode.SCENE_NOT_FOUND,))

    async def run(self, scene_id: str) -> None:
        """``POST /app/scene/{id}/task``: start the scene; ``run_status`` tells how it goes."""
        path = f"/app/scene/{path_segment(scene_id, 'scene_id')}/task"
        await self._transport.request("POST", path)

    async def run_status(self, scene_id: str) -> SceneRun:
        """``GET /app/scene/{id}/task``: ``.status`` is running, done, failed or not
        executing; whatever else the answer carries is in ``.extra``."""
        path = f"/app/scene/{path_segment(scene_id, 'scene_id')}/task"
        return await self._fetch("GET", path, into=SceneRun)
