"""Device and common schedules: UTC conversion, wire format (raw as hex), runs on the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gizwits_async import (
    ErrorCode,
    GizwitsAPIError,
    GizwitsClient,
    GizwitsNotFoundError,
    SceneTask,
    Schedule,
)
from gizwits_async.models import decode
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.presets import DEMO_PRODUCT_KEY
from gizwits_async.simulator.state import Group
from gizwits_async.simulator.timetable import next_run

PK = DEMO_PRODUCT_KEY
SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)


def utc(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


async def test_weekly_mon_wed_0730_shanghai_is_sent_as_sun_tue_2330_utc_and_runs(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    did = lamps[0]
    schedule = Schedule.weekly(["mon", "wed"], time(7, 30), tz="Asia/Shanghai", attrs={"LED_R": 42})
    schedule_id = await client.schedulers.create(did, schedule)
    request = sim.requests_to("POST", f"/app/devices/{did}/scheduler")[0]
    assert request.body == {
        "time": "23:30",
        "repeat": "sun,tue",
        "enabled": True,
        "attrs": {"LED_R": 42},
    }
    record = sim.state.automation.schedules[schedule_id]
    assert record.next_run is not None
    due = utc(record.next_run)
    assert (due.strftime("%a"), due.hour, due.minute) in {("Sun", 23, 30), ("Tue", 23, 30)}
    assert due.astimezone(SHANGHAI).strftime("%a %H:%M") in {"Mon 07:30", "Wed 07:30"}
    assert (await client.devices.latest(did)).attrs["LED_R"] == 0

    sim.clock.advance(record.next_run - sim.clock.now() + 60)

    assert (await client.devices.latest(did)).attrs["LED_R"] == 42
    command = sim.device(did).raw_log[-2]
    assert (command["type"], command["source"]) == ("app2dev", "d3")
    assert utc(command["timestamp"]).strftime("%a %H:%M") in {"Sun 23:30", "Tue 23:30"}
    sim.clock.advance(7 * 86400)
    assert record.runs == 3


async def test_a_one_shot_is_sent_as_utc_date_and_time_with_raw_as_hex(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    did = lamps[0]
    local = (datetime.now(SHANGHAI) + timedelta(days=2)).replace(
        hour=7, minute=5, second=33, microsecond=0
    )
    await client.schedulers.create(did, Schedule.once(local, raw=b"abc", remark="once"))
    expected = local.astimezone(UTC)
    assert sim.requests_to("POST", f"/app/devices/{did}/scheduler")[0].body == {
        "time": "23:05",
        "date": expected.date().isoformat(),
        "repeat": "none",
        "enabled": True,
        "remark": "once",
        "raw": "616263",
    }
    sim.clock.advance(expected.timestamp() - sim.clock.now() + 1)
    assert sim.device(did).raw_log[-1]["payload_bin"] == "616263"
    [stored] = await client.schedulers.list(did).collect()
    assert stored.raw == b"abc"
    assert stored.date == expected.date().isoformat()
    assert stored.product_key == PK
    assert stored.created_at is not None
    sim.clock.advance(30 * 86400)
    assert sim.device(did).control_count == 1


async def test_monthly_days_move_with_the_utc_conversion(
    sim: GizwitsSimulator, client: GizwitsClient, group: Group
) -> None:
    schedule = Schedule.monthly(
        [15, 1 + 1],
        time(7, 30),
        tz=SHANGHAI,
        start=date(2030, 1, 1),
        end=date(2030, 12, 31),
        group_id=group.id,
        attrs={"switch": True},
    )
    await client.common_schedulers.create(schedule)
    assert sim.requests_to("POST", "/app/common_scheduler")[0].body == {
        "time": "23:30",
        "repeat": "day",
        "days": [1, 14],
        "start_date": "2030-01-01",
        "end_date": "2030-12-31",
        "enabled": True,
        "group_id": group.id,
        "attrs": {"switch": True},
    }
    [record] = sim.state.automation.schedules.values()
    assert record.next_run == datetime(2030, 1, 1, 23, 30, tzinfo=UTC).timestamp()
    sim.clock.advance(record.next_run - sim.clock.now() + 1)
    assert all(sim.device(did).attrs["switch"] is True for did in group.dids)
    assert utc(record.next_run or 0) == datetime(2030, 1, 14, 23, 30, tzinfo=UTC)


def test_a_monthly_day_that_leaves_the_month_in_utc_is_refused() -> None:
    with pytest.raises(ValueError, match="outside the month"):
        Schedule.monthly([1], time(7, 30), tz=SHANGHAI, attrs={"switch": True})


async def test_a_common_schedule_can_run_a_scene(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    scene_id = await client.scenes.create("s", [SceneTask.device(lamps[2], attrs={"LED_R": 9})])
    at = datetime.now(UTC) + timedelta(hours=3)
    await client.common_schedulers.create(Schedule.once(at, scene_id=scene_id))
    body = sim.requests_to("POST", "/app/common_scheduler")[0].body
    assert body["scene_id"] == scene_id
    assert "attrs" not in body
    assert "raw" not in body
    sim.clock.advance(4 * 3600)
    assert sim.device(lamps[2]).attrs["LED_R"] == 9
    [stored] = await client.common_schedulers.list(scene_id=scene_id).collect()
    assert stored.scene_id == scene_id
    assert stored.did is None
    assert sim.requests_to("GET", "/app/common_scheduler")[0].query == {
        "scene_id": scene_id,
        "limit": "20",
        "skip": "0",
    }


async def test_common_schedule_of_a_device_list_update_delete(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    at = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)
    ids = [
        await client.common_schedulers.create(Schedule.once(at, did=did, attrs={"LED_R": 1}))
        for did in lamps
    ]
    mine = await client.common_schedulers.list(did=lamps[1]).collect()
    assert [s.id for s in mine] == [ids[1]]
    every = await client.common_schedulers.list(page_size=2).collect()
    assert [s.id for s in every] == ids
    await client.common_schedulers.update(ids[0], Schedule.once(at, did=lamps[0], raw=b"\x10"))
    put = sim.requests_to("PUT", f"/app/common_scheduler/{ids[0]}")[0]
    assert put.body == {
        "time": "12:00",
        "date": "2031-05-01",
        "repeat": "none",
        "enabled": True,
        "did": lamps[0],
        "raw": "10",
    }
    await client.common_schedulers.delete(ids[0])
    assert sim.requests_to("DELETE", f"/app/common_scheduler/{ids[0]}")[0].body is None
    with pytest.raises(GizwitsNotFoundError) as caught:
        await client.common_schedulers.delete(ids[0])
    assert caught.value.error_code == ErrorCode.SCHEDULER_NOT_FOUND
    sim.clock.advance(at.timestamp() - sim.clock.now() + 1)
    assert sim.device(lamps[0]).control_count == 0
    assert sim.device(lamps[1]).attrs["LED_R"] == 1


async def test_device_schedules_page_update_and_delete(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    did = lamps[0]
    weekly = Schedule.weekly(["fri"], time(18, 0), attrs={"switch": True}, remark="w")
    ids = [await client.schedulers.create(did, weekly) for _ in range(3)]
    listed = await client.schedulers.list(did, page_size=2).collect()
    assert [s.id for s in listed] == ids
    assert listed[0].weekdays == ["fri"]
    assert listed[0].remark == "w"
    queries = [r.query for r in sim.requests_to("GET", f"/app/devices/{did}/scheduler")]
    assert queries == [{"limit": "2", "skip": "0"}, {"limit": "2", "skip": "2"}]
    disabled = Schedule.weekly(["fri"], time(18, 0), attrs={"switch": True}, enabled=False)
    await client.schedulers.update(did, ids[0], disabled)
    put = sim.requests_to("PUT", f"/app/devices/{did}/scheduler/{ids[0]}")[0]
    assert put.body == {
        "time": "18:00",
        "repeat": "fri",
        "enabled": False,
        "attrs": {"switch": True},
    }
    assert sim.state.automation.schedules[ids[0]].next_run is None
    await client.schedulers.delete(did, ids[1])
    assert sim.requests_to("DELETE", f"/app/devices/{did}/scheduler/{ids[1]}")[0].body is None
    with pytest.raises(GizwitsNotFoundError) as caught:
        await client.schedulers.update(lamps[1], ids[2], weekly)
    assert caught.value.error_code == ErrorCode.SCHEDULER_NOT_FOUND
    sim.clock.advance(8 * 86400)
    assert [sim.state.automation.schedules[i].runs for i in (ids[0], ids[2])] == [0, 1]


async def test_a_schedule_outside_its_window_never_runs(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    schedule = Schedule.weekly(range(7), time(0, 0), end=date(2001, 1, 1), attrs={"LED_R": 5})
    schedule_id = await client.schedulers.create(lamps[0], schedule)
    assert sim.state.automation.schedules[schedule_id].next_run is None


async def test_a_run_the_device_refuses_is_counted_as_failed(
    sim: GizwitsSimulator, client: GizwitsClient, lamps: list[str]
) -> None:
    schedule_id = await client.schedulers.create(
        lamps[0], Schedule.weekly(["mon"], time(1, 0), attrs={"LED_R": 5})
    )
    sim.state.set_online(lamps[0], online=False)
    sim.clock.advance(7 * 86400)
    record = sim.state.automation.schedules[schedule_id]
    assert (record.runs, record.failures) == (1, 1)


def test_weekdays_follow_a_zone_west_of_utc_and_keep_the_callers_order() -> None:
    schedule = Schedule.weekly(
        ["sat", 0], time(20, 15), tz=timezone(timedelta(hours=-5)), attrs={"a": 1}
    )
    assert (schedule.time, schedule.repeat) == ("01:15", "sun,tue")


def test_an_aware_datetime_gives_the_time_and_its_zone() -> None:
    at = datetime(2030, 7, 1, 7, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    schedule = Schedule.weekly(
        ["Monday"], at, attrs={"a": 1}, start=at, end=at + timedelta(days=30)
    )
    assert (schedule.time, schedule.repeat) == ("05:30", "mon")
    assert (schedule.start_date, schedule.end_date) == ("2030-07-01", "2030-07-31")
    naive = Schedule.weekly(
        ["mon"],
        datetime(2030, 1, 6, 23, 0),  # noqa: DTZ001 - naive on purpose: local to tz
        tz="Asia/Shanghai",
        attrs={"a": 1},
    )
    assert (naive.time, naive.repeat) == ("15:00", "mon")
    moved = Schedule.weekly("mon", at, tz="Asia/Shanghai", attrs={"a": 1})
    assert (moved.time, moved.repeat) == ("05:30", "mon")


def test_the_reference_date_for_summer_time_is_the_start_date() -> None:
    winter = Schedule.weekly(
        ["mon"], time(8, 0), tz="Europe/Berlin", start=date(2030, 1, 7), attrs={"a": 1}
    )
    summer = Schedule.weekly(
        ["mon"],
        time(8, 0),
        tz="Europe/Berlin",
        start=datetime(2030, 7, 1, tzinfo=UTC),
        attrs={"a": 1},
    )
    assert (winter.time, summer.time) == ("07:00", "06:00")


def test_decoding_the_doc_example_reads_days_given_as_strings() -> None:
    payload = {
        "remark": "备注",
        "repeat": "day",
        "days": ["1", "15"],
        "end_date": "2017-09-26",
        "did": "LWHWrRAnzRbxtv9cyuNFSY",
        "created_at": "2017-09-26T06:36:47",
        "enabled": True,
        "product_key": "b6777e0a343b422b8c474254e016b4dc",
        "id": "59c9f57f8c7d50001963992c",
        "raw": "",
        "attrs": {"bool": True},
        "time": "15:00",
        "date": "",
        "start_date": "2017-09-20",
        "scene_id": "",
        "group_id": "",
    }
    schedule = decode(payload, Schedule)
    assert schedule.days == [1, 15]
    assert schedule.raw is None
    assert schedule.date is None
    assert schedule.group_id is None
    assert schedule.created_at == datetime(2017, 9, 26, 6, 36, 47, tzinfo=UTC)
    assert schedule.weekdays == []
    assert schedule.to_wire(common=True)["days"] == [1, 15]


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: Schedule.once(time(7, 30), did="d", attrs={"a": 1}), ValueError),  # type: ignore[arg-type]
        (lambda: Schedule.once(date(2030, 1, 1), did="d", attrs={"a": 1}), TypeError),  # type: ignore[arg-type]
        (lambda: Schedule.once(AT, did="d"), ValueError),
        (lambda: Schedule.weekly([], time(1, 0), attrs={"a": 1}), ValueError),
        (lambda: Schedule.weekly(["someday"], time(1, 0), attrs={"a": 1}), ValueError),
        (lambda: Schedule.weekly([7], time(1, 0), attrs={"a": 1}), ValueError),
        (lambda: Schedule.weekly([True], time(1, 0), attrs={"a": 1}), TypeError),
        (lambda: Schedule.weekly(["mon"], "07:30", attrs={"a": 1}), TypeError),  # type: ignore[arg-type]
        (
            lambda: Schedule.weekly(["mon"], time(1, 0), tz="Mars/Olympus", attrs={"a": 1}),
            ValueError,
        ),
        (lambda: Schedule.weekly(["mon"], time(1, 0), tz=8, attrs={"a": 1}), TypeError),  # type: ignore[arg-type]
        (lambda: Schedule.weekly(["mon"], time(1, 0), end="2030-01-01", attrs={"a": 1}), TypeError),  # type: ignore[arg-type]
        (lambda: Schedule.monthly([], time(1, 0), attrs={"a": 1}), ValueError),
        (lambda: Schedule.monthly([32], time(1, 0), attrs={"a": 1}), ValueError),
        (lambda: Schedule.monthly(["1"], time(1, 0), attrs={"a": 1}), TypeError),  # type: ignore[list-item]
        (lambda: Schedule.monthly([1], time(1, 0), attrs={"a": 1}, raw=b"x"), ValueError),
    ],
)
def test_builders_refuse_bad_input(build: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        build()


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.common_schedulers.create(Schedule.once(AT, attrs={"a": 1})), ValueError),
        (
            lambda c: c.common_schedulers.create(
                Schedule.once(AT, did="d", group_id="g", attrs={"a": 1})
            ),
            ValueError,
        ),
        (
            lambda c: c.common_schedulers.create(Schedule.once(AT, scene_id="s", group_id="g")),
            ValueError,
        ),
        (lambda c: c.common_schedulers.update("x", Schedule.once(AT, attrs={"a": 1})), ValueError),
        (lambda c: c.common_schedulers.create({"time": "08:00"}), TypeError),
        (lambda c: c.schedulers.create("d", Schedule(time="07:30", attrs={"a": 1})), ValueError),
        (
            lambda c: c.schedulers.create(
                "d", Schedule(time="7:30", date="2030-01-01", attrs={"a": 1})
            ),
            ValueError,
        ),
        (
            lambda c: c.schedulers.create(
                "d", Schedule(time="07:30", date="2030-02-30", attrs={"a": 1})
            ),
            ValueError,
        ),
        (
            lambda c: c.schedulers.create(
                "d", Schedule(time="07:30", date="01/02/2030", attrs={"a": 1})
            ),
            ValueError,
        ),
        (
            lambda c: c.schedulers.create("d", Schedule(time="07:30", repeat="", attrs={"a": 1})),
            ValueError,
        ),
        (
            lambda c: c.schedulers.create(
                "d", Schedule(time="07:30", repeat="mon,xyz", attrs={"a": 1})
            ),
            ValueError,
        ),
        (
            lambda c: c.schedulers.create(
                "d", Schedule(time="07:30", repeat="day", attrs={"a": 1})
            ),
            ValueError,
        ),
        (
            lambda c: c.schedulers.create(
                "d",
                Schedule(
                    time="07:30",
                    repeat="mon",
                    start_date="2030-02-01",
                    end_date="2030-01-01",
                    attrs={"a": 1},
                ),
            ),
            ValueError,
        ),
        (lambda c: c.schedulers.create("d", Schedule(time="07:30", date="2030-01-01")), ValueError),
        (
            lambda c: c.schedulers.create("d", Schedule.once(AT, group_id="g", attrs={"a": 1})),
            ValueError,
        ),
        (
            lambda c: c.schedulers.create("d", Schedule.once(AT, did="other", attrs={"a": 1})),
            ValueError,
        ),
        (
            lambda c: c.schedulers.create("d", Schedule.once(AT, scene_id="s", attrs={"a": 1})),
            ValueError,
        ),
        (
            lambda c: c.schedulers.create(
                "d",
                Schedule(time="07:30", date="2030-01-01", enabled=1, attrs={"a": 1}),  # type: ignore[arg-type]
            ),
            TypeError,
        ),
        (
            lambda c: c.schedulers.create(
                "d",
                Schedule(time="07:30", date="2030-01-01", remark=5, attrs={"a": 1}),  # type: ignore[arg-type]
            ),
            TypeError,
        ),
        (lambda c: c.schedulers.delete("d", ""), ValueError),
        (lambda c: c.common_schedulers.list(did="a/b").collect(), ValueError),
    ],
)
async def test_bad_schedules_raise_before_any_request(
    sim: GizwitsSimulator, client: GizwitsClient, call: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await call(client)
    assert sim.requests == []


@pytest.mark.parametrize(
    "change",
    [
        {"time": "25:00"},
        {"repeat": 5},
        {"repeat": "none", "date": ""},
        {"repeat": "none", "date": "tomorrow"},
        {"repeat": "day", "days": []},
        {"repeat": "day", "days": [0]},
        {"repeat": "sometimes"},
        {"start_date": "2030-02-01", "end_date": "2030-01-01"},
        {"enabled": "yes"},
        {"remark": 5},
        {"attrs": {}, "raw": "abc"},
        {"attrs": {"temperature": 20}},
        {"did": "", "group_id": "nope"},
        {"did": "", "scene_id": "nope"},
        {"did": ""},
    ],
)
async def test_the_simulator_refuses_malformed_schedules(
    client: GizwitsClient, lamps: list[str], change: dict[str, Any]
) -> None:
    body: dict[str, Any] = {
        "time": "08:00",
        "repeat": "mon",
        "did": lamps[0],
        "attrs": {"LED_R": 1},
        **change,
    }
    with pytest.raises(GizwitsAPIError) as caught:
        await client._transport.request("POST", "/app/common_scheduler", json_body=body)
    assert caught.value.error_code in (
        ErrorCode.FORM_INVALID,
        ErrorCode.ATTR_INVALID,
        ErrorCode.SCENE_NOT_FOUND,
    )


def test_next_run_walks_weekly_monthly_and_one_shot_schedules() -> None:
    after = datetime(2030, 1, 1, 12, 0, tzinfo=UTC).timestamp()  # a Tuesday
    weekly = {"time": "08:00", "repeat": "mon,wed", "start_date": "", "end_date": ""}
    assert utc(next_run(weekly, after) or 0) == datetime(2030, 1, 2, 8, 0, tzinfo=UTC)
    later = {**weekly, "start_date": "2030-03-01"}
    assert utc(next_run(later, after) or 0) == datetime(2030, 3, 4, 8, 0, tzinfo=UTC)
    monthly = {"time": "00:00", "repeat": "day", "days": [31]}
    assert utc(next_run(monthly, datetime(2030, 2, 1, tzinfo=UTC).timestamp()) or 0) == datetime(
        2030, 3, 31, tzinfo=UTC
    )
    once = {"time": "08:00", "repeat": "none", "date": "2030-01-01"}
    assert next_run(once, after) is None
    never = {"time": "08:00", "repeat": "day", "days": [31], "end_date": "2030-01-30"}
    assert next_run(never, after) is None
