"""Device linkage rules: wire format, condition helpers, and rules firing on the simulator."""

from __future__ import annotations

from typing import Any

import pytest

from gizwits_async import (
    Condition,
    ErrorCode,
    EventAttr,
    GizwitsAPIError,
    GizwitsClient,
    Rule,
    RuleAction,
    RuleEvent,
    RuleInput,
)
from gizwits_async.models.rules import RuleActionType, rule_literal
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.automation import compare, parse_literal
from gizwits_async.simulator.presets import DEMO_PRODUCT_KEY
from tests.conftest import ClientFactory

PK = DEMO_PRODUCT_KEY


def switch_rule(a: str, b: str, **changes: Any) -> Rule:
    """If A.switch == 1 then set B.LED_R = 100."""
    fields: dict[str, Any] = {
        "did": a,
        "product_key": PK,
        "name": "A on, B red",
        "input": [RuleInput(did=a, product_key=PK, prefix="device1")],
        "condition": [[Condition.compare("device1.switch", "==", value=True)]],
        "output": [[RuleAction.control(b, attrs={"LED_R": 100})]],
        **changes,
    }
    return Rule(**fields)


async def test_rule_a_switch_on_sets_b_led_r_on_the_simulator(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    a, b, _ = lamps
    rule_id = await client.rules.create(switch_rule(a, b))
    assert isinstance(rule_id, int)
    await client.devices.control(a, attrs={"switch": False})
    assert sim.device(b).attrs["LED_R"] == 0
    await client.devices.control(a, attrs={"switch": True})
    assert sim.device(b).attrs["LED_R"] == 100
    assert sim.device(b).raw_log[-2]["source"] == "d3"
    assert (await client.devices.latest(b)).attrs["LED_R"] == 100


async def test_create_sends_the_rule_with_raw_as_a_byte_list(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    a, b, c = lamps
    rule = Rule(
        did=a,
        product_key=PK,
        name="n",
        remark="r",
        interval=30,
        input=[
            RuleInput(did=a, product_key=PK, prefix="device1"),
            RuleInput(did=b, product_key=PK, prefix="device2"),
        ],
        condition=[
            [
                Condition.compare("device1.mode", "==", "eco"),
                Condition.compare("device2.LED_R", ">=", 10),
            ],
            [Condition.compare("device1.pattern", "!=", b"\xff\x00")],
        ],
        output=[
            [RuleAction.control(b, raw=b"abc"), RuleAction.wait(5)],
            [RuleAction.control(c, attrs={"switch": True})],
        ],
    )
    rule_id = await client.rules.create(rule)
    request = sim.requests_to("POST", "/app/rules")[0]
    assert request.headers["X-Gizwits-User-token"] == client.token.token  # type: ignore[union-attr]
    assert request.query == {}
    assert request.body == {
        "did": a,
        "product_key": PK,
        "event": "data",
        "name": "n",
        "remark": "r",
        "interval": 30,
        "input": [
            {"did": a, "product_key": PK, "prefix": "device1"},
            {"did": b, "product_key": PK, "prefix": "device2"},
        ],
        "condition": [
            [
                {"left": "device1.mode", "opt": "==", "right": "'eco'"},
                {"left": "device2.LED_R", "opt": ">=", "right": "10"},
            ],
            [{"left": "device1.pattern", "opt": "!=", "right": "0xFF00"}],
        ],
        "output": [
            [{"type": "devctrl", "did": b, "raw": [97, 98, 99]}, {"type": "delay", "delay": 5}],
            [{"type": "devctrl", "did": c, "attrs": {"switch": True}}],
        ],
    }
    assert sim.state.automation.rules[rule_id].body["output"][0][0]["raw"] == [97, 98, 99]


async def test_list_pages_and_decodes_rules(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    a, b, _ = lamps
    raw_rule = switch_rule(a, b, output=[[RuleAction.control(b, raw=b"\x01\x02")]])
    ids = [await client.rules.create(raw_rule) for _ in range(3)]
    rules = await client.rules.list(page_size=2).collect()
    assert [rule.rule_id for rule in rules] == ids
    pages = sim.requests_to("GET", "/app/rules")
    assert [r.query for r in pages] == [{"limit": "2", "skip": "0"}, {"limit": "2", "skip": "2"}]
    first = rules[0]
    assert first.event is RuleEvent.DATA
    assert first.condition == [[Condition(left="device1.switch", opt="==", right="1")]]
    assert first.input == [RuleInput(did=a, product_key=PK, prefix="device1")]
    action = first.output[0][0]
    assert action.type is RuleActionType.DEVCTRL
    assert action.raw == b"\x01\x02"
    assert first.name == "A on, B red"


async def test_update_puts_the_whole_rule_with_its_id(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    a, b, c = lamps
    rule_id = await client.rules.create(switch_rule(a, b))
    await client.rules.update(rule_id, switch_rule(a, c))
    request = sim.requests_to("PUT", f"/app/rules/{rule_id}")[0]
    assert request.body["rule_id"] == rule_id
    assert request.body["output"] == [[{"type": "devctrl", "did": c, "attrs": {"LED_R": 100}}]]
    await client.devices.control(a, attrs={"switch": True})
    assert sim.device(c).attrs["LED_R"] == 100
    assert sim.device(b).attrs["LED_R"] == 0


async def test_delete_removes_the_rule_and_it_no_longer_fires(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    a, b, _ = lamps
    rule_id = await client.rules.create(switch_rule(a, b))
    await client.rules.delete(rule_id)
    assert sim.requests_to("DELETE", f"/app/rules/{rule_id}")[0].body is None
    await client.devices.control(a, attrs={"switch": True})
    assert sim.device(b).attrs["LED_R"] == 0
    with pytest.raises(GizwitsAPIError) as caught:
        await client.rules.delete(rule_id)
    assert caught.value.error_code == ErrorCode.FORM_INVALID


async def test_a_mapping_is_accepted_as_a_rule(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    a, b, _ = lamps
    mapping = {
        "did": a,
        "product_key": PK,
        "event": "data",
        "input": [{"did": a, "product_key": PK, "prefix": "d"}],
        "condition": [[{"left": "d.switch", "opt": "==", "right": 1}]],
        "output": [[{"type": "devctrl", "did": b, "attrs": {"LED_R": 7}}]],
    }
    await client.rules.create(mapping)
    assert sim.requests_to("POST", "/app/rules")[0].body["condition"] == [
        [{"left": "d.switch", "opt": "==", "right": "1"}]
    ]
    await client.devices.control(a, attrs={"switch": True})
    assert sim.device(b).attrs["LED_R"] == 7


async def test_output_groups_run_in_parallel_and_delays_wait_on_the_clock(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    a, b, c = lamps
    output = [
        [
            RuleAction.control(b, attrs={"LED_R": 10}),
            RuleAction.wait(30),
            RuleAction.control(b, attrs={"LED_R": 20}),
        ],
        [RuleAction.control(c, attrs={"switch": True})],
    ]
    await client.rules.create(switch_rule(a, b, output=output))
    await client.devices.control(a, attrs={"switch": True})
    assert sim.device(b).attrs["LED_R"] == 10
    assert sim.device(c).attrs["switch"] is True
    sim.clock.advance(29)
    assert sim.device(b).attrs["LED_R"] == 10
    sim.clock.advance(2)
    assert sim.device(b).attrs["LED_R"] == 20


async def test_a_group_stops_at_its_first_failure(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    a, b, c = lamps
    output = [
        [RuleAction.control(b, attrs={"LED_R": 10}), RuleAction.control(c, attrs={"LED_R": 30})],
    ]
    await client.rules.create(switch_rule(a, b, output=output))
    sim.state.set_online(b, online=False)
    await client.devices.control(a, attrs={"switch": True})
    assert sim.device(c).attrs["LED_R"] == 0


async def test_interval_keeps_a_rule_quiet_after_it_fired(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    a, b, _ = lamps
    rule_id = await client.rules.create(switch_rule(a, b, interval=60))
    record = sim.state.automation.rules[rule_id]
    sim.state.report(a, {"switch": True})
    sim.state.report(a, {"switch": True})
    assert record.fired == 1
    sim.clock.advance(61)
    sim.state.report(a, {"switch": True})
    assert record.fired == 2


@pytest.mark.parametrize(
    ("event_attr", "reports"), [(EventAttr.occurs, [True]), (EventAttr.recovers, [True, False])]
)
async def test_alert_rules_fire_when_the_alert_datapoint_changes(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    lamps: list[str],
    event_attr: Any,
    reports: list[bool],
) -> None:
    a, b, _ = lamps
    rule = switch_rule(a, b, event=RuleEvent.ALERT, event_attr=event_attr("overheat"), condition=[])
    await client.rules.create(rule)
    assert sim.requests_to("POST", "/app/rules")[0].body["event_attr"] == {
        "attr_name": "overheat",
        "value": event_attr("overheat").value,
    }
    sim.state.report(a, {"LED_R": 5})
    assert sim.device(b).attrs["LED_R"] == 0
    for value in reports:
        sim.state.report(a, {"overheat": value})
    assert sim.device(b).attrs["LED_R"] == 100
    assert sim.state.automation.rules[1001].fired == 1


async def test_fault_rule_fires_on_the_fault_datapoint(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    a, b, _ = lamps
    rule = switch_rule(
        a, b, event="fault", event_attr=EventAttr.occurs("sensor_fault"), condition=[]
    )
    await client.rules.create(rule)
    sim.state.report(a, {"overheat": True})
    assert sim.device(b).attrs["LED_R"] == 0
    sim.state.report(a, {"sensor_fault": 1})
    assert sim.device(b).attrs["LED_R"] == 100


@pytest.mark.parametrize("event", [RuleEvent.ONLINE, RuleEvent.OFFLINE])
async def test_online_and_offline_rules(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str], event: RuleEvent
) -> None:
    a, b, _ = lamps
    await client.rules.create(switch_rule(a, b, event=event, condition=[]))
    sim.state.set_online(a, online=False)
    sim.state.set_online(a, online=True)
    assert sim.device(b).attrs["LED_R"] == 100
    assert sim.state.automation.rules[1001].fired == 1


async def test_conditions_are_an_or_of_and_groups(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    a, b, c = lamps
    condition = [
        [Condition.compare("x.mode", "==", "eco"), Condition.compare("y.LED_R", ">", 50)],
        [Condition.compare("x.LED_R", "==", 7)],
    ]
    inputs = [RuleInput(a, PK, "x"), RuleInput(c, PK, "y")]
    rule_id = await client.rules.create(switch_rule(a, b, input=inputs, condition=condition))
    record = sim.state.automation.rules[rule_id]
    sim.state.report(a, {"mode": "eco"})
    assert record.fired == 0
    sim.state.report(c, {"LED_R": 60})
    sim.state.report(a, {"mode": "eco"})
    assert record.fired == 1
    sim.state.report(c, {"LED_R": 0})
    sim.state.report(a, {"LED_R": 7})
    assert record.fired == 2


async def test_rules_that_trigger_each_other_stop(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    a, b, _ = lamps
    await client.rules.create(
        Rule(did=a, product_key=PK, output=[[RuleAction.control(b, attrs={"LED_R": 1})]])
    )
    await client.rules.create(
        Rule(did=b, product_key=PK, output=[[RuleAction.control(a, attrs={"LED_R": 2})]])
    )
    sim.state.report(a, {"switch": True})
    total = sum(rule.fired for rule in sim.state.automation.rules.values())
    assert 2 <= total <= 16


async def test_params_sends_product_keys_comma_joined(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    params = await client.rules.params([PK, "ffffffffffffffffffffffffffffffff"])
    assert sim.requests_to("GET", "/app/rules/params")[0].query == {
        "product_key": f"{PK},ffffffffffffffffffffffffffffffff"
    }
    assert list(params) == [PK]
    by_name = {param.name: param for param in params[PK]}
    assert by_name["switch"].type == "bool"
    assert by_name["LED_R"].type == "int"
    assert by_name["mode"].enum == ["auto", "eco", "boost"]
    assert by_name["mode"].display_name == "模式"


async def test_params_without_product_keys_sends_no_filter(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    params = await client.rules.params()
    assert sim.requests_to("GET", "/app/rules/params")[0].query == {}
    assert set(params) == set(sim.state.products)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "1"),
        (False, "0"),
        (12, "12"),
        (2.5, "2.5"),
        ("黄色", "'黄色'"),
        ("it's", '"it\'s"'),
        (b"\xff\x00", "0xFF00"),
    ],
)
def test_rule_literal_quotes_strings_and_leaves_numbers_bare(value: Any, text: str) -> None:
    assert rule_literal(value) == text


@pytest.mark.parametrize("value", ["a'b\"c", float("nan"), b"", None, [1]])
def test_rule_literal_refuses_what_has_no_literal(value: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        rule_literal(value)


@pytest.mark.parametrize(
    ("left", "opt", "right", "holds"),
    [
        (True, "==", "1", True),
        (5, ">", "4.5", True),
        (5, "<=", "4", False),
        ("eco", "==", "'eco'", True),
        ("eco", ">", "'abc'", False),
        ("ff00", "==", "0xFF00", True),
        ("zz", "==", "0xFF00", False),
        ("eco", "!=", '"auto"', True),
        (3, "<", 4, True),
        (3, ">=", "x", False),
    ],
)
def test_the_simulator_evaluates_conditions_like_the_cloud(
    left: Any, opt: str, right: Any, holds: bool
) -> None:
    assert compare(left, opt, parse_literal(right)) is holds


def build_rule(**changes: Any) -> Rule:
    fields: dict[str, Any] = {
        "did": "did-a",
        "product_key": PK,
        "input": [RuleInput("did-a", PK, "d")],
        "output": [[RuleAction.control("did-b", attrs={"LED_R": 1})]],
        **changes,
    }
    return Rule(**fields)


@pytest.mark.parametrize(
    "rule",
    [
        build_rule(event=RuleEvent.ALERT),
        build_rule(event="nonsense"),
        build_rule(output=[]),
        build_rule(output=[[]]),
        build_rule(output=[[RuleAction.wait(3)]]),
        build_rule(output=[[RuleAction(type=RuleActionType.DELAY, delay=-1)]]),
        build_rule(output=[[RuleAction(type=RuleActionType.DEVCTRL, did="did-b")]]),
        build_rule(output=[[RuleAction(type=RuleActionType.UNKNOWN, did="did-b")]]),
        build_rule(condition=[[Condition(left="other.switch", opt="==", right="1")]]),
        build_rule(condition=[[Condition(left="d.switch", opt="=~", right="1")]]),
        build_rule(condition=[[Condition(left="switch", opt="==", right="1")]]),
        build_rule(condition=[[]]),
        build_rule(input=[RuleInput("did-a", PK, "d"), RuleInput("did-b", PK, "d")]),
        build_rule(input=[RuleInput("did-a", PK, "d.x")]),
        build_rule(interval=-5),
        build_rule(event_attr=EventAttr(attr_name="overheat", value="2")),
        build_rule(did=""),
    ],
)
async def test_bad_rules_raise_before_any_request(
    sim: GizwitsSimulator, client: GizwitsClient, rule: Rule
) -> None:
    with pytest.raises(ValueError, match=r"."):
        await client.rules.create(rule)
    assert sim.count("POST", "/app/rules") == 0


@pytest.mark.parametrize(
    "call",
    [
        lambda: Condition.compare("d.mode", ">", "eco"),
        lambda: Condition.compare("d.mode", "~", 1),
        lambda: RuleAction.control("did-b"),
        lambda: RuleAction.wait(-1),
    ],
)
def test_builders_refuse_bad_input(call: Any) -> None:
    with pytest.raises(ValueError, match=r"."):
        call()


async def test_bad_arguments_to_the_resource(client: GizwitsClient) -> None:
    with pytest.raises(TypeError):
        await client.rules.create(["not", "a", "rule"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="describe a rule"):
        await client.rules.create({"did": "x"})
    with pytest.raises(ValueError, match="rule_id"):
        await client.rules.delete("abc")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await client.rules.update(1.5, build_rule())  # type: ignore[arg-type]


def fill(value: Any, a: str, b: str) -> Any:
    """Test data with the placeholders "A" and "B" replaced by the dids of lamps A and B."""
    if isinstance(value, dict):
        return {key: fill(item, a, b) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, a, b) for item in value]
    return {"A": a, "B": b}.get(value, value) if isinstance(value, str) else value


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"event": "sometimes"}, ErrorCode.EVENT_NOT_DEFINED),
        ({"product_key": "0" * 32}, ErrorCode.FORM_INVALID),
        ({"interval": -1}, ErrorCode.FORM_INVALID),
        (
            {"output": [[{"type": "devctrl", "did": "B", "raw": "abc"}]]},
            ErrorCode.FORM_INVALID,
        ),
        ({"output": [[{"type": "jump"}]]}, ErrorCode.FORM_INVALID),
        (
            {"output": [[{"type": "devctrl", "did": "B", "attrs": {"temperature": 3}}]]},
            ErrorCode.ATTR_INVALID,
        ),
        ({"output": [[{"type": "delay", "delay": "5"}]]}, ErrorCode.FORM_INVALID),
        (
            {"condition": [[{"left": "zz.switch", "opt": "==", "right": "1"}]]},
            ErrorCode.FORM_INVALID,
        ),
        (
            {"condition": [[{"left": "d.switch", "opt": "is", "right": "1"}]]},
            ErrorCode.FORM_INVALID,
        ),
        (
            {"condition": [[{"left": "d.switch", "opt": "==", "right": True}]]},
            ErrorCode.FORM_INVALID,
        ),
        ({"condition": [["d.switch == 1"]]}, ErrorCode.FORM_INVALID),
        ({"condition": "d.switch == 1"}, ErrorCode.FORM_INVALID),
        (
            {"input": [{"did": "A", "prefix": "d"}, {"did": "A", "prefix": "d"}]},
            ErrorCode.FORM_INVALID,
        ),
        ({"input": "A"}, ErrorCode.FORM_INVALID),
        ({"input": ["A"]}, ErrorCode.FORM_INVALID),
        ({"output": []}, ErrorCode.FORM_INVALID),
        ({"output": [[]]}, ErrorCode.FORM_INVALID),
        ({"output": [["B"]]}, ErrorCode.FORM_INVALID),
        ({"event": "alert"}, ErrorCode.FORM_INVALID),
        (
            {"event": "alert", "event_attr": {"attr_name": "switch", "value": "1"}},
            ErrorCode.FORM_INVALID,
        ),
        (
            {"event": "alert", "event_attr": {"attr_name": "overheat", "value": "on"}},
            ErrorCode.FORM_INVALID,
        ),
    ],
)
async def test_the_simulator_refuses_malformed_rules(
    client: GizwitsClient, lamps: list[str], change: dict[str, Any], code: ErrorCode
) -> None:
    a, b, _ = lamps
    template: dict[str, Any] = {
        "did": "A",
        "product_key": PK,
        "input": [{"did": "A", "product_key": PK, "prefix": "d"}],
        "output": [[{"type": "devctrl", "did": "B", "attrs": {"LED_R": 1}}]],
        **change,
    }
    body = fill(template, a, b)
    with pytest.raises(GizwitsAPIError) as caught:
        await client._transport.request("POST", "/app/rules", json_body=body)
    assert caught.value.error_code == code


async def test_rules_of_other_users_are_out_of_reach(
    sim: GizwitsSimulator, client: GizwitsClient, make_client: ClientFactory, lamps: list[str]
) -> None:
    a, b, _ = lamps
    bob = sim.add_user("bob", "B0b-secret-pw")
    sim.bind(bob.uid, a)
    sim.bind(bob.uid, b)
    async with make_client(
        username="bob", password="B0b-secret-pw", app_secret=None
    ) as bobs_client:
        bobs_rule = await bobs_client.rules.create(switch_rule(a, b))
    with pytest.raises(GizwitsAPIError) as caught:
        await client.rules.update(bobs_rule, switch_rule(a, b))
    assert caught.value.error_code == ErrorCode.FORM_INVALID
    assert await client.rules.list().collect() == []
