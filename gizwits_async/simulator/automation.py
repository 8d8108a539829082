"""What the simulated cloud runs by itself: linkage rules, scenes and schedules, on its clock.

Rules listen to device events (reports, online/offline, alert and fault datapoints turning on
or off) and run their actions; scene runs apply their tasks in order and wait on the clock for
delays; schedules arm a clock callback for their next run and re-arm after each. Every report
is also kept, with its time, for the aggregated-data endpoint.

Handlers validate what users send and keep records here; the engine trusts the records.
"""

from __future__ import annotations

import base64
import functools
import itertools
import logging
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from attrs import define

from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.timetable import next_run

if TYPE_CHECKING:
    from gizwits_async.simulator.state import DeviceEvent, SimState

_LOGGER = logging.getLogger(__name__)

# How deep rules may trigger rules within one report (A sets B, B's rule sets A, ...).
MAX_RULE_CHAIN: Final = 8
# raw_data's ``source`` for commands the cloud issues itself.
SOURCE: Final = "d3"

SCENE_RUNNING: Final = 0
SCENE_DONE: Final = 1
SCENE_FAILED: Final = 2
SCENE_NOT_EXECUTING: Final = 3


@define
class RuleRecord:
    rule_id: int
    uid: str
    body: dict[str, Any]
    last_fired: float | None = None
    fired: int = 0


@define
class SceneRecord:
    id: str
    uid: str
    scene_name: str
    remark: str
    tasks: list[dict[str, Any]]
    created_at: float
    updated_at: float
    status: int = SCENE_NOT_EXECUTING
    run: int = 0
    failed: bool = False


@define
class ScheduleRecord:
    id: str
    uid: str
    common: bool
    body: dict[str, Any]
    created_at: float
    generation: int = 0
    runs: int = 0
    failures: int = 0
    last_run: float | None = None
    next_run: float | None = None


def parse_literal(text: Any) -> Any:
    """A condition's ``right``: ``'x'``/``"x"`` a string, ``0x..`` bytes, else a number."""
    if isinstance(text, int | float):
        return int(text) if isinstance(text, bool) else text
    value = str(text).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    parsers: tuple[Callable[[str], Any], ...] = (int, float)
    if value[:2].lower() == "0x":
        value, parsers = value[2:], (bytes.fromhex,)
    for parse in parsers:
        try:
            return parse(value)
        except ValueError:
            continue
    return value


_ORDERING: Final[dict[str, Callable[[Any, Any], Any]]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def compare(left: Any, opt: str, right: Any) -> bool:
    """``left opt right`` as the cloud evaluates it: numbers (bools count as 0/1) compare in
    order, strings and binary values only for (in)equality."""
    if isinstance(left, bool):
        left = int(left)
    if isinstance(right, bytes) and isinstance(left, str):
        try:
            left = bytes.fromhex(left)
        except ValueError:
            left = None
    if opt in ("==", "!="):
        return bool(left == right) == (opt == "==")
    numeric = all(isinstance(side, int | float) for side in (left, right))
    return numeric and bool(_ORDERING[opt](left, right))


def scene_command(
    specs: Mapping[str, Mapping[str, Any]], task: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, list[int] | None]:
    """A scene task's command as ``control_device`` takes it: enum indexes become labels,
    base64 binary values hex, and a base64 ``raw`` a byte list."""
    if task.get("raw"):
        return None, list(base64.b64decode(task["raw"]))
    attrs: dict[str, Any] = {}
    for name, value in (task.get("attrs") or {}).items():
        spec = specs.get(name, {})
        if spec.get("data_type") == "enum" and isinstance(value, int):
            attrs[name] = spec["enum"][value]
        elif spec.get("data_type") == "binary" and isinstance(value, str):
            attrs[name] = base64.b64decode(value).hex().ljust(2 * spec["position"]["len"], "0")
        else:
            attrs[name] = value
    return attrs, None


class Automation:
    """Rules, scenes, schedules and report history of one simulated cloud."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self.rules: dict[int, RuleRecord] = {}
        self.scenes: dict[str, SceneRecord] = {}
        self.schedules: dict[str, ScheduleRecord] = {}
        self.history: dict[str, list[tuple[float, dict[str, Any]]]] = {}
        self._rule_ids = itertools.count(1001)
        self._depth = 0
        state.device_listeners.append(self._on_device_event)

    # -- rules -------------------------------------------------------------------------------

    def add_rule(self, uid: str, body: dict[str, Any]) -> RuleRecord:
        record = RuleRecord(rule_id=next(self._rule_ids), uid=uid, body=body)
        self.rules[record.rule_id] = record
        return record

    def _on_device_event(self, event: DeviceEvent) -> None:
        if event.kind == "data":
            self._remember(event)
        if self._depth >= MAX_RULE_CHAIN:
            _LOGGER.debug("rule chain too deep at %s; not firing more rules", event.did)
            return
        self._depth += 1
        try:
            triggers = self._triggers(event)
            for rule in list(self.rules.values()):
                if rule.body["did"] == event.did and self._fires(rule, triggers, event.time):
                    rule.last_fired = event.time
                    rule.fired += 1
                    for group in rule.body["output"]:
                        self._run_actions(rule.uid, tuple(group), 0)
        finally:
            self._depth -= 1

    def _remember(self, event: DeviceEvent) -> None:
        reported = event.reported
        if reported is None:
            reported = {k: v for k, v in event.after.items() if event.before.get(k) != v}
        self.history.setdefault(event.did, []).append((event.time, dict(reported)))

    def _triggers(self, event: DeviceEvent) -> set[tuple[str, str | None, str | None]]:
        """The rule events this device event amounts to: (event, attr_name, value)."""
        if event.kind != "data":
            return {(event.kind, None, None)}
        found: set[tuple[str, str | None, str | None]] = {("data", None, None)}
        device = self.state.devices.get(event.did)
        if device is None:
            return found
        for name, spec in self.state.products[device.product_key].attr_specs().items():
            kind = spec.get("type")
            if kind not in ("alert", "fault") or name not in event.after:
                continue
            was, now = bool(event.before.get(name)), bool(event.after[name])
            if was != now:
                found.add((kind, name, "1" if now else "0"))
        return found

    def _fires(
        self, rule: RuleRecord, triggers: set[tuple[str, str | None, str | None]], now: float
    ) -> bool:
        body = rule.body
        event = body["event"]
        if event in ("alert", "fault"):
            attr = body["event_attr"]
            if (event, attr["attr_name"], attr["value"]) not in triggers:
                return False
        elif (event, None, None) not in triggers:
            return False
        interval = body.get("interval") or 0
        if rule.last_fired is not None and now - rule.last_fired < interval:
            return False
        return self._condition_holds(body)

    def _condition_holds(self, body: Mapping[str, Any]) -> bool:
        groups = body["condition"]
        if not groups:
            return True
        devices = {item["prefix"]: item["did"] for item in body["input"]}
        return any(all(self._holds(item, devices) for item in group) for group in groups)

    def _holds(self, condition: Mapping[str, Any], devices: Mapping[str, str]) -> bool:
        prefix, _, name = condition["left"].partition(".")
        device = self.state.devices.get(devices.get(prefix, ""))
        if device is None or name not in device.attrs:
            return False
        return compare(device.attrs[name], condition["opt"], parse_literal(condition["right"]))

    def _run_actions(self, uid: str, actions: Sequence[Mapping[str, Any]], index: int) -> None:
        """Run one output group from ``index``: in order, waiting on the clock for delays and
        stopping at the first command the device refuses."""
        while index < len(actions):
            action = actions[index]
            index += 1
            if action["type"] == "delay":
                if action["delay"] > 0:
                    resume = functools.partial(self._run_actions, uid, actions, index)
                    self.state.clock.call_later(action["delay"], resume)
                    return
                continue
            try:
                self.state.control_device(
                    action["did"],
                    attrs=action.get("attrs"),
                    raw=action.get("raw"),
                    uid=uid,
                    source=SOURCE,
                )
            except SimError as err:
                _LOGGER.debug("rule action on %s failed: %s", action["did"], err)
                return

    # -- scenes ------------------------------------------------------------------------------

    def run_scene(self, scene: SceneRecord) -> None:
        """Start a run; a run already going on is abandoned for this one."""
        scene.run += 1
        scene.status = SCENE_RUNNING
        scene.failed = False
        self._continue_scene(scene.id, scene.run, tuple(scene.tasks), 0)

    def _continue_scene(
        self, scene_id: str, run: int, tasks: Sequence[Mapping[str, Any]], index: int
    ) -> None:
        scene = self.scenes.get(scene_id)
        if scene is None or scene.run != run:
            return
        while index < len(tasks):
            task = tasks[index]
            index += 1
            if task["task_type"] == "delay":
                resume = functools.partial(self._continue_scene, scene_id, run, tasks, index)
                self.state.clock.call_later(task["time"], resume)
                return
            if not self._apply_scene_task(scene.uid, task):
                scene.failed = True
        scene.status = SCENE_FAILED if scene.failed else SCENE_DONE

    def _apply_scene_task(self, uid: str, task: Mapping[str, Any]) -> bool:
        state = self.state
        specs = state.products[task["product_key"]].attr_specs() if task["product_key"] else {}
        attrs, raw = scene_command(specs, task)
        try:
            if task["task_type"] == "device":
                state.control_device(task["did"], attrs=attrs, raw=raw, uid=uid, source=SOURCE)
                return True
            group = state.groups.get(task["group_id"])
            if group is None:
                return False
            results = state.control_group(group, attrs=attrs, raw=raw, source=SOURCE)
        except SimError as err:
            _LOGGER.debug("scene task %s failed: %s", task, err)
            return False
        return all(results.values())

    # -- schedules ---------------------------------------------------------------------------

    def arm_schedule(self, record: ScheduleRecord) -> None:
        """(Re-)arm a schedule from now on; callbacks armed before are void."""
        record.generation += 1
        record.next_run = None
        self._arm(record, self.state.clock.now())

    def _arm(self, record: ScheduleRecord, after: float) -> None:
        if not record.body["enabled"]:
            return
        when = next_run(record.body, after)
        record.next_run = when
        if when is not None:
            fire = functools.partial(self._fire_schedule, record.id, record.generation, when)
            self.state.clock.call_at(when, fire)

    def _fire_schedule(self, schedule_id: str, generation: int, when: float) -> None:
        record = self.schedules.get(schedule_id)
        if record is None or record.generation != generation:
            return
        record.runs += 1
        record.last_run = when
        if not self._execute_schedule(record):
            record.failures += 1
        self._arm(record, when)

    def _execute_schedule(self, record: ScheduleRecord) -> bool:
        body = record.body
        state = self.state
        if body.get("scene_id"):
            scene = self.scenes.get(body["scene_id"])
            if scene is None:
                return False
            self.run_scene(scene)
            return True
        attrs = body.get("attrs") or None
        raw = list(bytes.fromhex(body["raw"])) if body.get("raw") else None
        try:
            if body.get("group_id"):
                group = state.groups.get(body["group_id"])
                if group is None:
                    return False
                return all(state.control_group(group, attrs=attrs, raw=raw, source=SOURCE).values())
            state.control_device(body["did"], attrs=attrs, raw=raw, uid=record.uid, source=SOURCE)
        except SimError as err:
            _LOGGER.debug("schedule %s failed: %s", record.id, err)
            return False
        return True
