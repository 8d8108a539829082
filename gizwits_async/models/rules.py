"""Device linkage rules (设备联动): a trigger device, a condition and the actions to run.

A rule fires on an event of its trigger device (``did``): a data report, going online or
offline, or an alert/fault datapoint turning on or off. ``condition`` is an OR of AND-groups
of comparisons on datapoints of the devices named in ``input`` (written ``prefix.datapoint``).
``output`` is a list of action groups run in parallel; the actions of a group run in order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async._validate import command_body, require_text
from gizwits_async.models._converter import LenientEnum, extra_field, wire

COMPARISONS: Final = ("==", "!=", ">", ">=", "<", "<=")
_ORDERING: Final = frozenset({">", ">=", "<", "<="})


class RuleEvent(LenientEnum):
    """What of the trigger device fires the rule."""

    DATA = "data"
    ONLINE = "online"
    OFFLINE = "offline"
    ALERT = "alert"
    FAULT = "fault"
    EXTERN = "extern"
    UNKNOWN = "UNKNOWN"


class RuleActionType(LenientEnum):
    """What a rule action does: control a device (``devctrl``) or wait (``delay``)."""

    DEVCTRL = "devctrl"
    DELAY = "delay"
    UNKNOWN = "UNKNOWN"


def rule_literal(value: Any) -> str:
    """A value as the ``right`` side of a condition: numbers bare, strings quoted, bytes as
    ``0x`` hex, booleans as 1/0 (how the cloud compares bool datapoints)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} cannot be compared in a rule")
        return repr(value)
    if isinstance(value, bytes | bytearray):
        if not value:
            raise ValueError("an empty binary value cannot be compared in a rule")
        return "0x" + bytes(value).hex().upper()
    if isinstance(value, str):
        if "'" not in value:
            return f"'{value}'"
        if '"' not in value:
            return f'"{value}"'
        raise ValueError("a rule string literal cannot hold both ' and \"")
    raise TypeError(f"cannot compare a {type(value).__name__} in a rule")


def _as_text(value: Any, _: Any = None) -> str:
    """``right`` is a string expression, but some examples send bare numbers."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | str):
        return str(value)
    raise TypeError(f"expected a string or a number, got {type(value).__name__}")


@attrs.frozen(repr=False, eq=False)
class Condition(Frozen):
    """One comparison, ``left opt right``: ``left`` is ``prefix.datapoint``, ``right`` the
    cloud's expression text (``"1"`` is a number, ``"'1'"`` a string).

    Build one from a Python value with ``Condition.compare("device1.mode", "==", "eco")``,
    which quotes strings for you.
    """

    left: str
    opt: str
    right: str = wire(struct_hook=_as_text)
    extra: dict[str, Any] = extra_field()

    @classmethod
    def compare(cls, left: str, opt: str, value: Any) -> Condition:
        """``left opt value`` with ``value`` written as the cloud expects it."""
        condition = cls(left=left, opt=opt, right=rule_literal(value))
        if opt in _ORDERING and isinstance(value, str | bytes | bytearray):
            raise ValueError(f"{opt} compares numbers only; use == or != for {value!r}")
        condition.check()
        return condition

    @property
    def prefix(self) -> str:
        """The input the condition reads, the part of ``left`` before the dot."""
        return self.left.partition(".")[0]

    def check(self) -> None:
        """Raise ``ValueError`` unless ``left`` is ``prefix.datapoint`` and ``opt`` a known
        comparison."""
        prefix, dot, name = require_text(self.left, "condition left").partition(".")
        if not dot or not prefix or not name:
            raise ValueError(f"condition left {self.left!r} must be prefix.datapoint")
        if self.opt not in COMPARISONS:
            raise ValueError(f"condition opt {self.opt!r} is not one of {', '.join(COMPARISONS)}")
        require_text(self.right, "condition right")

    def to_wire(self) -> dict[str, Any]:
        """The condition as the rules endpoints take it, checked first."""
        self.check()
        return {**self.extra, "left": self.left, "opt": self.opt, "right": self.right}


@attrs.frozen(repr=False, eq=False)
class RuleInput(Frozen):
    """A device the condition reads, named ``prefix`` in ``prefix.datapoint``."""

    did: str
    product_key: str
    prefix: str
    extra: dict[str, Any] = extra_field()

    def to_wire(self) -> dict[str, Any]:
        """The input as the rules endpoints take it; the prefix may not contain a dot."""
        prefix = require_text(self.prefix, "input prefix")
        if "." in prefix:
            raise ValueError(f"input prefix {prefix!r} must not contain '.'")
        return {
            **self.extra,
            "did": require_text(self.did, "input did"),
            "product_key": require_text(self.product_key, "input product_key"),
            "prefix": prefix,
        }


@attrs.frozen(repr=False, eq=False)
class EventAttr(Frozen):
    """Which alert/fault datapoint fires an ``alert``/``fault`` rule: ``value`` ``"1"`` when it
    occurs (0 → 1), ``"0"`` when it recovers (1 → 0)."""

    attr_name: str
    value: str = wire(default="1", struct_hook=_as_text)
    extra: dict[str, Any] = extra_field()

    @classmethod
    def occurs(cls, attr_name: str) -> EventAttr:
        """Trigger when the fault or alert ``attr_name`` occurs."""
        return cls(attr_name=attr_name, value="1")

    @classmethod
    def recovers(cls, attr_name: str) -> EventAttr:
        """Trigger when the fault or alert ``attr_name`` recovers."""
        return cls(attr_name=attr_name, value="0")

    def to_wire(self) -> dict[str, Any]:
        """The event attribute as the rules endpoints take it (value ``'1'`` or ``'0'``)."""
        if self.value not in ("0", "1"):
            raise ValueError(
                f"event_attr value must be '1' (occurs) or '0' (recovers), got {self.value!r}"
            )
        return {
            **self.extra,
            "attr_name": require_text(self.attr_name, "event_attr attr_name"),
            "value": self.value,
        }


def _event_attr_or_none(value: Any, _: Any = None) -> EventAttr | None:
    if not value:
        return None
    if not isinstance(value, Mapping):
        raise TypeError("event_attr must be an object")
    known = {"attr_name", "value"}
    return EventAttr(
        attr_name=_as_text(value.get("attr_name", "")),
        value=_as_text(value.get("value", "1")),
        extra={key: item for key, item in value.items() if key not in known},
    )


def _rule_raw(value: Any, _: Any = None) -> bytes | str | None:
    """Rule outputs carry ``raw`` as a byte list (DOC-ZH); some examples use a string."""
    if value is None or value in ("", []):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, list) and all(
        isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 255 for item in value
    ):
        return bytes(value)
    raise TypeError("raw must be a list of bytes or a string")


@attrs.frozen(repr=False, eq=False)
class RuleAction(Frozen):
    """One step of a rule's output: control a device (``devctrl``) or wait (``delay``)."""

    type: RuleActionType
    did: str | None = None
    attrs: dict[str, Any] | None = None
    raw: bytes | str | None = wire(struct_hook=_rule_raw)
    delay: int | None = None
    extra: dict[str, Any] = extra_field()

    @classmethod
    def control(
        cls,
        did: str,
        *,
        attrs: Mapping[str, Any] | None = None,
        raw: bytes | list[int] | None = None,
    ) -> RuleAction:
        """Set datapoints of ``did`` (or send it a raw command)."""
        body = command_body(attrs, raw)
        raw_value = bytes(body["raw"]) if "raw" in body else None
        return cls(type=RuleActionType.DEVCTRL, did=did, attrs=body.get("attrs"), raw=raw_value)

    @classmethod
    def wait(cls, seconds: int) -> RuleAction:
        """Wait before the next action of the same group."""
        action = cls(type=RuleActionType.DELAY, delay=seconds)
        action.to_wire()
        return action

    def to_wire(self) -> dict[str, Any]:
        """The action as the rules endpoints take it, checked first (a delay is a whole number of
        seconds >= 0)."""
        kind = RuleActionType(self.type)
        if kind is RuleActionType.DELAY:
            delay = self.delay
            if isinstance(delay, bool) or not isinstance(delay, int) or delay < 0:
                raise ValueError("a delay action needs delay, whole seconds >= 0")
            return {**self.extra, "type": "delay", "delay": delay}
        if kind is not RuleActionType.DEVCTRL:
            raise ValueError(f"rule action type must be devctrl or delay, got {self.type!r}")
        did = require_text(self.did, "action did")
        if isinstance(self.raw, str):
            if self.attrs is not None:
                raise ValueError("give attrs or raw, not both")
            return {**self.extra, "type": "devctrl", "did": did, "raw": self.raw}
        return {**self.extra, "type": "devctrl", "did": did, **command_body(self.attrs, self.raw)}


@attrs.frozen(repr=False, eq=False)
class RuleParam(Frozen):
    """A datapoint rules can use (``GET /app/rules/params``); ``type`` is int, bool, enum or
    binary."""

    name: str
    type: str | None = None
    display_name: str | None = None
    enum: list[Any] = attrs.field(factory=list)
    extra: dict[str, Any] = extra_field()


@attrs.frozen(repr=False, eq=False)
class Rule(Frozen):
    """A linkage rule. ``did``/``product_key`` name the trigger device.

    ``condition`` is OR of AND-groups (an empty list fires unconditionally); ``output`` is
    groups of actions run in parallel, each group in order, stopping at its first failure.
    """

    did: str
    product_key: str
    output: list[list[RuleAction]] = attrs.field(factory=list)
    event: RuleEvent = RuleEvent.DATA
    condition: list[list[Condition]] = attrs.field(factory=list)
    input: list[RuleInput] = attrs.field(factory=list)
    event_attr: EventAttr | None = wire(struct_hook=_event_attr_or_none)
    name: str | None = None
    remark: str | None = None
    interval: int | None = None
    rule_id: int | None = None
    extra: dict[str, Any] = extra_field()

    def to_wire(self) -> dict[str, Any]:
        """The request body; ``ValueError``/``TypeError`` for anything the cloud would refuse."""
        body: dict[str, Any] = {
            **self.extra,
            "did": require_text(self.did, "did"),
            "product_key": require_text(self.product_key, "product_key"),
            **_event_wire(self.event, self.event_attr),
        }
        inputs = [item.to_wire() for item in self.input]
        prefixes = [item["prefix"] for item in inputs]
        if len(set(prefixes)) != len(prefixes):
            raise ValueError("input prefixes must be unique")
        body["input"] = inputs
        body["condition"] = _conditions_wire(self.condition, set(prefixes))
        body["output"] = _output_wire(self.output)
        if self.name is not None:
            body["name"] = require_text(self.name, "name", allow_empty=True)
        if self.remark is not None:
            body["remark"] = require_text(self.remark, "remark", allow_empty=True)
        if self.interval is not None:
            body["interval"] = _interval(self.interval)
        # The id is the URL's business (PUT adds it back); a stale one must not leak in.
        body.pop("rule_id", None)
        return body


def _event_wire(event: Any, event_attr: EventAttr | None) -> dict[str, Any]:
    kind = RuleEvent(event)
    if kind is RuleEvent.UNKNOWN:
        raise ValueError(f"unknown rule event {event!r}")
    body: dict[str, Any] = {"event": kind.value}
    if event_attr is not None:
        body["event_attr"] = event_attr.to_wire()
    elif kind in (RuleEvent.ALERT, RuleEvent.FAULT):
        raise ValueError(f"an {kind.value} rule needs event_attr (which datapoint)")
    return body


def _interval(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("interval must be whole seconds")
    if value < 0:
        raise ValueError("interval must not be negative")
    return value


def _conditions_wire(groups: Iterable[Iterable[Condition]], prefixes: set[str]) -> list[Any]:
    wire_groups: list[list[dict[str, Any]]] = []
    for group in groups:
        items = [condition.to_wire() for condition in group]
        if not items:
            raise ValueError("a condition group (AND) must not be empty")
        for condition in group:
            if condition.prefix not in prefixes:
                raise ValueError(
                    f"condition {condition.left!r} names prefix {condition.prefix!r}, "
                    "which no input declares"
                )
        wire_groups.append(items)
    return wire_groups


def _output_wire(groups: Iterable[Iterable[RuleAction]]) -> list[Any]:
    wire_groups = [[action.to_wire() for action in group] for group in groups]
    if not wire_groups:
        raise ValueError("a rule needs at least one output action")
    for group in wire_groups:
        if not group:
            raise ValueError("an output group must not be empty")
        if all(action["type"] == "delay" for action in group):
            raise ValueError("an output group must control a device, not only wait")
    return wire_groups
