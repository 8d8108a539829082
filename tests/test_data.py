"""Aggregated data: query format, values computed from reports, GET falling back to PUT."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gizwits_async import (
    AggregateEntry,
    AggregateResult,
    ErrorCode,
    GizwitsAPIError,
    GizwitsClient,
    GizwitsNotFoundError,
    GizwitsResponseError,
)
from gizwits_async.models import decode
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.presets import DEMO_DATAPOINTS, DEMO_PRODUCT_KEY
from tests.conftest import ClientFactory

PK = DEMO_PRODUCT_KEY
AGG_PATH = r"/app/devdata/[^/]+/agg_data"


@pytest.fixture
def day(sim: GizwitsSimulator, alice_uid: str) -> tuple[str, datetime]:
    """A lamp that reported every hour of one UTC day: temperature = the hour, LED_R = 10."""
    sim.add_product(PK, datapoints=DEMO_DATAPOINTS)
    did = sim.add_device(PK, owner=alice_uid)
    now = sim.clock.now()
    midnight = math.floor(now / 86400 + 1) * 86400
    sim.clock.advance(midnight - now + 60)
    for hour in range(24):
        sim.state.report(did, {"temperature": hour, "LED_R": 10, "switch": hour % 2 == 0})
        sim.clock.advance(3600)
    sim.state.report(did, {"temperature": 1000})
    return did, datetime.fromtimestamp(midnight, UTC)


async def test_a_day_of_hourly_reports_sums_and_averages(
    sim: GizwitsSimulator, client: GizwitsClient, day: tuple[str, datetime]
) -> None:
    did, start = day
    end = start + timedelta(days=1)
    total = await client.data.aggregate(
        did, attrs=["temperature", "LED_R"], start=start, end=end, aggregator="sum", unit="DAYS"
    )
    request = sim.requests_to("GET", AGG_PATH)[0]
    assert request.query == {
        "start_ts": str(int(start.timestamp() * 1000)),
        "end_ts": str(int(end.timestamp() * 1000)),
        "attrs": "temperature,LED_R",
        "aggregator": "sum",
        "unit": "DAYS",
    }
    assert request.body is None
    [entry] = total.data
    assert entry.attrs == {"temperature": 276, "LED_R": 240}
    assert entry.time == start
    assert entry.product_key == PK
    assert total.query is not None
    assert total.query.start_ts == start
    assert total.query.attr_names == ["temperature", "LED_R"]

    average = await client.data.aggregate(
        did, attrs="temperature", start=start, end=end, aggregator="avg", unit="days"
    )
    assert average.series("temperature") == [11.5]

    hourly = await client.data.aggregate(did, attrs=["temperature"], start=start, end=end)
    assert sim.requests_to("GET", AGG_PATH)[-1].query["aggregator"] == "avg"
    assert sim.requests_to("GET", AGG_PATH)[-1].query["unit"] == "HOURS"
    assert hourly.series("temperature") == list(range(24))
    assert [entry.time for entry in hourly.data] == [start + timedelta(hours=h) for h in range(24)]


@pytest.mark.parametrize(
    ("aggregator", "unit", "expected"),
    [("max", "WEEKS", [23]), ("min", "MONTHS", [0]), ("max", "HOURS", [0, 1])],
)
async def test_max_and_min_per_unit(
    client: GizwitsClient,
    day: tuple[str, datetime],
    aggregator: str,
    unit: str,
    expected: list[int],
) -> None:
    did, start = day
    end = start + (timedelta(hours=2) if unit == "HOURS" else timedelta(days=1))
    result = await client.data.aggregate(
        did, attrs=["temperature"], start=start, end=end, aggregator=aggregator, unit=unit
    )
    assert result.series("temperature") == expected


async def test_get_refused_with_405_falls_back_to_put_once_and_remembers(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    make_client: ClientFactory,
    day: tuple[str, datetime],
) -> None:
    did, start = day
    sim.faults.add(method="GET", path=AGG_PATH, status=405, times=None)
    window: dict[str, Any] = {"start": start, "end": start + timedelta(days=1), "unit": "DAYS"}
    first = await client.data.aggregate(did, attrs=["LED_R"], aggregator="sum", **window)
    second = await client.data.aggregate(did, attrs=["LED_R"], aggregator="max", **window)
    assert (first.series("LED_R"), second.series("LED_R")) == ([240], [10])
    assert [r.method for r in sim.requests if "agg_data" in r.path] == ["GET", "PUT", "PUT"]
    assert sim.requests_to("PUT", AGG_PATH)[0].query["aggregator"] == "sum"
    async with make_client(app_secret=None) as other:
        await other.data.aggregate(did, attrs=["LED_R"], **window)
    assert [r.method for r in sim.requests if "agg_data" in r.path][3:] == ["GET", "PUT"]


async def test_a_404_without_error_code_also_falls_back(
    sim: GizwitsSimulator, client: GizwitsClient, day: tuple[str, datetime]
) -> None:
    did, start = day
    sim.faults.add(method="GET", path=AGG_PATH, status=404)
    result = await client.data.aggregate(
        did, attrs=["LED_R"], start=start, end=start + timedelta(hours=1), aggregator="sum"
    )
    assert result.series("LED_R") == [10]
    assert sim.count("PUT", AGG_PATH) == 1


async def test_a_gizwits_404_does_not_fall_back(
    sim: GizwitsSimulator, client: GizwitsClient
) -> None:
    with pytest.raises(GizwitsNotFoundError) as caught:
        await client.data.aggregate("nosuchdevice", attrs=["a"], start=0, end=3600)
    assert caught.value.error_code == ErrorCode.DEVICE_NOT_FOUND
    assert sim.count("PUT", AGG_PATH) == 0


async def test_once_get_worked_put_is_never_tried(
    sim: GizwitsSimulator, client: GizwitsClient, day: tuple[str, datetime]
) -> None:
    did, start = day
    await client.data.aggregate(did, attrs=["LED_R"], start=start, end=start + timedelta(hours=1))
    sim.faults.add(method="GET", path=AGG_PATH, status=405)
    with pytest.raises(GizwitsAPIError) as caught:
        await client.data.aggregate(
            did, attrs=["LED_R"], start=start, end=start + timedelta(hours=1)
        )
    assert caught.value.status == 405
    assert sim.count("PUT", AGG_PATH) == 0


async def test_epoch_seconds_are_sent_as_milliseconds(
    sim: GizwitsSimulator, client: GizwitsClient, day: tuple[str, datetime]
) -> None:
    did, _ = day
    result = await client.data.aggregate(did, attrs=["LED_R"], start=1.5, end=2)
    assert sim.requests_to("GET", AGG_PATH)[0].query["start_ts"] == "1500"
    assert sim.requests_to("GET", AGG_PATH)[0].query["end_ts"] == "2000"
    assert result.data == []


@pytest.fixture
def offline_client(make_client: ClientFactory) -> GizwitsClient:
    return make_client(username=None, password=None, app_secret=None)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"aggregator": "median"}, ValueError),
        ({"unit": "YEARS"}, ValueError),
        ({"unit": 3}, TypeError),
        ({"attrs": []}, ValueError),
        ({"attrs": ["a,b"]}, ValueError),
        ({"attrs": [""]}, ValueError),
        ({"attrs": [1]}, TypeError),
        ({"start": 100, "end": 50}, ValueError),
        ({"start": "yesterday"}, TypeError),
    ],
)
async def test_bad_input_raises_before_any_request(
    sim: GizwitsSimulator,
    offline_client: GizwitsClient,
    kwargs: dict[str, Any],
    error: type[Exception],
) -> None:
    arguments: dict[str, Any] = {"attrs": ["temperature"], "start": 0, "end": 3600, **kwargs}
    with pytest.raises(error):
        await offline_client.data.aggregate("did1", **arguments)
    assert sim.requests == []


@pytest.mark.parametrize(
    "query",
    [
        {"attrs": "a", "aggregator": "sum", "unit": "HOURS"},
        {"start_ts": "x", "attrs": "a", "aggregator": "sum", "unit": "HOURS"},
        {"start_ts": "0", "aggregator": "sum", "unit": "HOURS"},
        {"start_ts": "0", "attrs": "a", "aggregator": "mean", "unit": "HOURS"},
        {"start_ts": "0", "attrs": "a", "aggregator": "sum", "unit": "YEARS"},
        {"start_ts": "10", "end_ts": "5", "attrs": "a", "aggregator": "sum", "unit": "day"},
    ],
)
async def test_the_simulator_refuses_malformed_queries(
    sim: GizwitsSimulator, client: GizwitsClient, day: tuple[str, datetime], query: dict[str, str]
) -> None:
    did, _ = day
    with pytest.raises(GizwitsAPIError) as caught:
        await client._transport.request("PUT", f"/app/devdata/{did}/agg_data", params=query)
    assert caught.value.error_code == ErrorCode.FORM_INVALID


def test_the_doc_example_decodes_with_numbers() -> None:
    payload = {
        "query": {
            "aggregator": "sum",
            "end_ts": None,
            "start_ts": 1505318400000,
            "attrs": "set_temp, alert_shutdown, room_temp",
            "unit": "HOURS",
        },
        "data": [
            {
                "datatime": "",
                "uid": "c0a85d0773e24f15a6853f3148c80a33",
                "product_key": "42121342d79694a259232431b6f2ef46a",
                "attrs": {"set_temp": "12", "alert_shutdown": "12.5", "room_temp": ""},
            }
        ],
    }
    result = decode(payload, AggregateResult)
    assert result.query is not None
    assert result.query.attr_names == ["set_temp", "alert_shutdown", "room_temp"]
    assert result.query.end_ts is None
    assert result.query.start_ts == datetime(2017, 9, 13, 16, 0, tzinfo=UTC)
    [entry] = result.data
    assert entry.values == {"set_temp": 12, "alert_shutdown": 12.5, "room_temp": None}
    assert entry.attrs is entry.values
    assert entry.time is None


@pytest.mark.parametrize(
    ("datatime", "expected"),
    [
        ("1505318400000", datetime(2017, 9, 13, 16, 0, tzinfo=UTC)),
        ("1505318400", datetime(2017, 9, 13, 16, 0, tzinfo=UTC)),
        ("2017-09-13 16:00:00", datetime(2017, 9, 13, 16, 0, tzinfo=UTC)),
        ("last week", None),
    ],
)
def test_entry_time_reads_what_datatime_may_be(datatime: str, expected: datetime | None) -> None:
    entry = decode({"datatime": datatime, "attrs": {}}, AggregateEntry)
    assert entry.time == expected


@pytest.mark.parametrize("attrs", [{"a": "many"}, {"a": True}, ["a"]])
def test_values_that_are_not_numbers_do_not_decode(attrs: Any) -> None:
    with pytest.raises(GizwitsResponseError):
        decode({"data": [{"attrs": attrs}]}, AggregateResult)
