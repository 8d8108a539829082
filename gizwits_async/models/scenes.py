"""User scenes (用户场景): ordered device, group and delay tasks run on demand.

Scenes encode values differently from ``/app/control``: an enum datapoint is sent as its
index, a binary datapoint and ``raw`` as base64. ``encode_scene_tasks`` converts what a
user writes (enum labels or indexes, ``bytes``) using the product's datapoint definitions.
"""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async._validate import command_body, path_segment, raw_bytes, require_text
from gizwits_async.models._converter import (
    LenientEnum,
    epoch_or_none,
    extra_field,
    wire,
)
from gizwits_async.models.datapoints import ProductDatapoints

MAX_DELAY: Final = 3600


class SceneTaskType(LenientEnum):
    """What a scene task does: control a device or a group, or wait."""

    DEVICE = "device"
    GROUP = "group"
    DELAY = "delay"
    UNKNOWN = "UNKNOWN"


class SceneRunStatus(enum.IntEnum):
    """``GET /app/scene/{id}/task``: how the last run of a scene went."""

    RUNNING = 0
    DONE = 1
    FAILED = 2
    NOT_EXECUTING = 3
    UNKNOWN = -1

    @classmethod
    def _missing_(cls, value: object) -> SceneRunStatus:  # noqa: ARG003 - enum protocol
        return cls.UNKNOWN


def _run_status(value: Any, _: Any = None) -> SceneRunStatus:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    if isinstance(value, str):
        if not value.strip().lstrip("-").isdigit():
            raise TypeError("expected an integer")
        value = int(value)
    return SceneRunStatus(value)


@attrs.frozen(repr=False, eq=False)
class SceneRun(Frozen):
    """``GET /app/scene/{id}/task``: how the scene's last run goes; other fields in ``extra``."""

    status: SceneRunStatus = wire(default=attrs.NOTHING, struct_hook=_run_status)
    extra: dict[str, Any] = extra_field()


def _base64_raw(value: Any, _: Any = None) -> bytes | None:
    if value is None or value == "":
        return None
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if not isinstance(value, str):
        raise TypeError("a scene raw is a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as err:
        raise ValueError(f"scene raw {value!r} is not base64") from err


@attrs.frozen(repr=False, eq=False)
class SceneTask(Frozen):
    """One step of a scene: control a device or a (single-product) group, or wait.

    ``attrs`` and ``raw`` are kept as the scene API encodes them (enum indexes, base64);
    ``raw`` is decoded to ``bytes``. Build tasks with ``SceneTask.device(...)``,
    ``SceneTask.group(...)`` and ``SceneTask.delay(seconds)``.
    """

    task_type: SceneTaskType
    did: str | None = None
    group_id: str | None = None
    product_key: str | None = None
    attrs: dict[str, Any] | None = None
    raw: bytes | None = wire(struct_hook=_base64_raw)
    time: int | None = None
    group_name: str | None = None
    verbose_name: str | None = None
    dev_alias: str | None = None
    dev_remark: str | None = None
    extra: dict[str, Any] = extra_field()

    @classmethod
    def device(
        cls,
        did: str,
        *,
        attrs: Mapping[str, Any] | None = None,
        raw: bytes | list[int] | None = None,
        product_key: str | None = None,
    ) -> SceneTask:
        """Control one device; ``attrs`` may use enum labels and ``bytes`` for binary values
        (converted when the scene is sent, given the product's datapoints)."""
        path_segment(did, "did")
        body = command_body(attrs, raw)
        return cls(
            task_type=SceneTaskType.DEVICE,
            did=did,
            product_key=product_key,
            attrs=body.get("attrs"),
            raw=bytes(body["raw"]) if "raw" in body else None,
        )

    @classmethod
    def group(
        cls,
        group_id: str,
        *,
        attrs: Mapping[str, Any] | None = None,
        raw: bytes | list[int] | None = None,
        product_key: str | None = None,
    ) -> SceneTask:
        """Control every device of a single-product group."""
        path_segment(group_id, "group_id")
        body = command_body(attrs, raw)
        return cls(
            task_type=SceneTaskType.GROUP,
            group_id=group_id,
            product_key=product_key,
            attrs=body.get("attrs"),
            raw=bytes(body["raw"]) if "raw" in body else None,
        )

    @classmethod
    def delay(cls, seconds: int) -> SceneTask:
        """Wait ``seconds`` (1 to 3600) before the next task."""
        task = cls(task_type=SceneTaskType.DELAY, time=seconds)
        _check_delay(seconds)
        return task


@attrs.frozen(repr=False, eq=False)
class Scene(Frozen):
    """A scene of ``GET /app/scene``."""

    id: str
    scene_name: str | None = None
    remark: str | None = None
    tasks: list[SceneTask] = attrs.field(factory=list)
    created_at: datetime | None = wire(struct_hook=epoch_or_none)
    updated_at: datetime | None = wire(struct_hook=epoch_or_none)
    extra: dict[str, Any] = extra_field()


def _check_delay(seconds: Any) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise TypeError("a scene delay is whole seconds")
    if not 1 <= seconds <= MAX_DELAY:
        raise ValueError(f"a scene delay must be 1 to {MAX_DELAY} seconds, got {seconds}")
    return seconds


DatapointsArg = ProductDatapoints | Iterable[ProductDatapoints] | None


def _definitions(datapoints: DatapointsArg) -> list[ProductDatapoints]:
    if datapoints is None:
        return []
    if isinstance(datapoints, ProductDatapoints):
        return [datapoints]
    found = list(datapoints)
    for item in found:
        if not isinstance(item, ProductDatapoints):
            raise TypeError("datapoints must be ProductDatapoints (or several of them)")
    return found


def _definition_for(
    task: SceneTask, definitions: list[ProductDatapoints]
) -> ProductDatapoints | None:
    if task.product_key is not None:
        for definition in definitions:
            if definition.product_key == task.product_key:
                return definition
        if any(definition.product_key for definition in definitions):
            return None
    return definitions[0] if len(definitions) == 1 else None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def scene_attrs(attrs: Mapping[str, Any], definition: ProductDatapoints | None) -> dict[str, Any]:
    """Datapoint values as scenes carry them: enum as index, binary as base64.

    Without a definition only ``bytes`` values can be recognised (as binary); enum labels
    then go out unchanged, so pass the product's datapoints or use indexes.
    """
    if definition is None:
        return {
            name: _b64(bytes(value)) if isinstance(value, bytes | bytearray) else value
            for name, value in attrs.items()
        }
    checked = definition.validate(attrs)
    points = definition.datapoints
    encoded: dict[str, Any] = {}
    for name, value in attrs.items():
        point = points[name]
        if point.data_type == "enum":
            encoded[name] = point.enum_index(value)
        elif point.data_type == "binary":
            encoded[name] = _b64(bytes.fromhex(checked[name]))
        else:
            encoded[name] = checked[name]
    return encoded


_TASK_FIELDS: Final = frozenset(attrs.fields_dict(SceneTask)) - {"extra"}


def _as_task(task: SceneTask | Mapping[str, Any]) -> SceneTask:
    """A task given as a mapping is taken as written (no coercion), raw as bytes or base64."""
    if isinstance(task, SceneTask):
        return task
    if not isinstance(task, Mapping):
        raise TypeError(f"a scene task is a SceneTask or a mapping, got {type(task).__name__}")
    known = {key: value for key, value in task.items() if key in _TASK_FIELDS}
    raw = known.pop("raw", None)
    if isinstance(raw, list):
        raw = raw_bytes(raw)
    return SceneTask(
        **known,
        raw=_base64_raw(raw),
        extra={key: value for key, value in task.items() if key not in _TASK_FIELDS},
    )


def encode_scene_task(task: SceneTask, definitions: list[ProductDatapoints]) -> dict[str, Any]:
    """A scene task as the scene endpoints take it; device attrs are checked and converted against
    the products' ``definitions``."""
    kind = SceneTaskType(task.task_type)
    if kind is SceneTaskType.DELAY:
        return {**task.extra, "task_type": "delay", "time": _check_delay(task.time)}
    if kind is SceneTaskType.DEVICE:
        body: dict[str, Any] = {"task_type": "device", "did": path_segment(task.did, "did")}
    elif kind is SceneTaskType.GROUP:
        body = {"task_type": "group", "group_id": path_segment(task.group_id, "group_id")}
    else:
        raise ValueError(f"scene task_type must be device, group or delay, got {task.task_type!r}")
    if task.product_key is not None:
        body["product_key"] = require_text(task.product_key, "product_key")
    command = command_body(task.attrs, task.raw)
    if "attrs" in command:
        body["attrs"] = scene_attrs(command["attrs"], _definition_for(task, definitions))
    else:
        body["raw"] = _b64(bytes(command["raw"]))
    return {**task.extra, **body}


def encode_scene_tasks(
    tasks: Iterable[SceneTask | Mapping[str, Any]], datapoints: DatapointsArg = None
) -> list[dict[str, Any]]:
    """The ``tasks`` of a scene body; ``ValueError``/``TypeError`` before anything is sent."""
    if isinstance(tasks, str | bytes | Mapping):
        raise TypeError("tasks must be a list of scene tasks")
    definitions = _definitions(datapoints)
    encoded = [encode_scene_task(_as_task(task), definitions) for task in tasks]
    if not encoded:
        raise ValueError("a scene needs at least one task")
    return encoded
