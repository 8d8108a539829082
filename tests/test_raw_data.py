"""The raw-data walker against the simulator: any range, both orders, every entry once, within
the endpoint's caps (windows under 48 h, limit <= 1000, skip + limit <= 5000)."""

from __future__ import annotations

import gc
import itertools
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import cattrs
import pytest

from gizwits_async import (
    ErrorCode,
    GizwitsAPIError,
    GizwitsClient,
    GizwitsDeviceNotBoundError,
    GizwitsResponseError,
    RawDataEntry,
    RawDataType,
)
from gizwits_async.models import decode
from gizwits_async.models._converter import FieldError
from gizwits_async.models.raw_data import RawDataRows, RawDataSource
from gizwits_async.simulator import GizwitsSimulator, RecordedRequest
from gizwits_async.simulator.raw_log import spread_entries
from tests.conftest import PRODUCT_KEY, load_fixture

DAY = 86400
MAX_SPAN = 48 * 3600 - 1
RAW = "/app/devices/.*/raw_data"


@pytest.fixture
def did(sim: GizwitsSimulator, alice_uid: str) -> str:
    return sim.add_device(PRODUCT_KEY, owner=alice_uid)


@pytest.fixture
def now(sim: GizwitsSimulator) -> int:
    """A whole second a little in the past, where test ranges end."""
    return math.floor(sim.clock.now()) - 60


def index_of(entry: RawDataEntry) -> int:
    return int.from_bytes(entry.payload, "big")


def stamps(entries: list[RawDataEntry]) -> list[float]:
    return [e.timestamp.timestamp() for e in entries]


def raw_requests(sim: GizwitsSimulator) -> list[RecordedRequest]:
    return sim.requests_to("GET", RAW)


def assert_within_caps(sim: GizwitsSimulator) -> None:
    for request in raw_requests(sim):
        start, end = int(request.query["start_time"]), int(request.query["end_time"])
        skip, limit = int(request.query["skip"]), int(request.query["limit"])
        assert 0 < end - start < 48 * 3600
        assert 1 <= limit <= 1000
        assert skip + limit <= 5000


def expected_requests(times: list[float], start: int, end: int, *, ascending: bool) -> int:
    """Requests a walk needs when no window holds over 5000 rows: consecutive windows of
    MAX_SPAN seconds from the start (ascending) or the end (descending), each read in pages of
    1000 rows as the server counts them (both ends inclusive), one request at least."""
    edges = [*range(start, end, MAX_SPAN), end]
    if not ascending:
        edges = sorted({start, *range(end, start, -MAX_SPAN)})
    count = 0
    for low, high in itertools.pairwise(edges):
        rows = sum(1 for t in times if low <= t <= high)
        assert rows <= 5000
        count += max(1, math.ceil(rows / 1000))
    return count


# -- the walk --------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["asc", "desc"])
async def test_seven_days_of_12000_entries_come_once_each_in_order(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int, sort: str
) -> None:
    start = now - 7 * DAY + 120  # within the 7 days the cloud keeps
    loaded = spread_entries(12_000, start=start, end=now)
    sim.state.add_raw_log(did, loaded)
    entries = await client.devices.raw_data(did, start=start, end=now, sort=sort).collect()
    assert sorted(index_of(e) for e in entries) == list(range(12_000))
    times = stamps(entries)
    assert times == sorted(times, reverse=sort == "desc")
    assert len(set(times)) == 12_000
    requests = raw_requests(sim)
    loaded_times = [entry["timestamp"] for entry in loaded]
    assert len(requests) == expected_requests(loaded_times, start, now, ascending=sort == "asc")
    assert len(requests) == 14  # 4 windows: 3 of ~3430 rows (4 pages each), 1 of ~1710 (2)
    assert len({(r.query["start_time"], r.query["end_time"]) for r in requests}) == 4
    assert {r.query["sort"] for r in requests} == {sort}
    assert_within_caps(sim)


@pytest.mark.parametrize("sort", ["asc", "desc"])
async def test_over_5000_rows_in_one_window_are_still_read_completely(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int, sort: str
) -> None:
    start = now - DAY
    sim.state.add_raw_log(did, spread_entries(6000, start=start, end=now))
    entries = await client.devices.raw_data(did, start=start, end=now, sort=sort).collect()
    assert sorted(index_of(e) for e in entries) == list(range(6000))
    times = stamps(entries)
    assert times == sorted(times, reverse=sort == "desc")
    requests = raw_requests(sim)
    # One look at the whole day (6000 rows: too many), then two halves of 3000 in 3 pages.
    assert len(requests) == 7
    assert requests[0].query["start_time"] == str(start)
    assert requests[0].query["end_time"] == str(now)
    assert int(requests[1].query["end_time"]) - int(requests[1].query["start_time"]) == DAY // 2
    assert_within_caps(sim)


async def test_a_dense_stretch_in_a_long_range_is_narrowed_and_read_completely(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    start = now - 5 * DAY
    sparse = spread_entries(500, start=start, end=now)
    dense = spread_entries(9000, start=now - 2 * DAY, end=now - DAY)
    for number, entry in enumerate(dense, start=500):
        entry["payload_bin"] = number.to_bytes(4, "big").hex()
    sim.state.add_raw_log(did, sparse + dense)
    entries = await client.devices.raw_data(did, start=start, end=now, sort="asc").collect()
    assert sorted(index_of(e) for e in entries) == list(range(9500))
    times = stamps(entries)
    assert times == sorted(times)
    assert_within_caps(sim)


async def test_entries_on_window_edges_are_yielded_once_and_the_range_is_inclusive(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    start = now - 3 * DAY
    edge = start + MAX_SPAN
    at = [start - 0.5, start, edge - 0.001, edge, edge + 0.001, now, now + 0.5]
    sim.state.add_raw_log(
        did,
        [
            {"type": "dev2app", "timestamp": t, "payload_bin": i.to_bytes(4, "big").hex()}
            for i, t in enumerate(at)
        ],
    )
    for sort in ("asc", "desc"):
        entries = await client.devices.raw_data(did, start=start, end=now, sort=sort).collect()
        expected = [1, 2, 3, 4, 5] if sort == "asc" else [5, 4, 3, 2, 1]
        assert [index_of(e) for e in entries] == expected


async def test_fractional_bounds_are_kept_exactly(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    start = now - 100
    at = [start + 0.1, start + 0.3, now - 0.3, now - 0.1]
    sim.state.add_raw_log(
        did,
        [
            {"type": "app2dev", "timestamp": t, "payload_bin": i.to_bytes(4, "big").hex()}
            for i, t in enumerate(at)
        ],
    )
    entries = await client.devices.raw_data(
        did, start=start + 0.2, end=now - 0.2, sort="asc"
    ).collect()
    assert [index_of(e) for e in entries] == [1, 2]
    [request] = raw_requests(sim)
    assert (request.query["start_time"], request.query["end_time"]) == (str(start), str(now))


# -- wire format and decoding ----------------------------------------------------------------


async def test_the_first_request_names_type_window_page_and_order(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    start = datetime.fromtimestamp(now - 3600, UTC)
    end = datetime.fromtimestamp(now, UTC).replace(tzinfo=None)  # naive means UTC
    paginator = client.devices.raw_data(did, start=start, end=end)
    assert sim.requests == []  # nothing is sent before iterating
    assert await paginator.collect() == []
    [request] = raw_requests(sim)
    assert request.path == f"/app/devices/{did}/raw_data"
    assert request.query == {
        "type": "cmd",
        "start_time": str(now - 3600),
        "end_time": str(now),
        "skip": "0",
        "limit": "1000",
        "sort": "desc",
    }
    assert request.body is None
    assert request.headers["X-Gizwits-User-token"] == client.token.token  # type: ignore[union-attr]


async def test_controls_and_presence_changes_are_logged_and_decode(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, alice_uid: str
) -> None:
    start = sim.clock.now() - 1
    await client.devices.control(did, attrs={"switch": True})
    sim.state.set_online(did, online=False)
    sim.state.set_online(did, online=True)
    sim.clock.advance(2)
    end = sim.clock.now()
    commands = await client.devices.raw_data(did, start=start, end=end, sort="asc").collect()
    assert [e.type for e in commands] == [RawDataType.APP2DEV, RawDataType.DEV2APP]
    sent = commands[0]
    assert (sent.uid, sent.appid, sent.source) == (alice_uid, sim.app_id, RawDataSource.CLIENT)
    assert json.loads(sent.payload) == {"switch": True}
    assert commands[1].uid is None
    presence = await client.devices.raw_data(did, type="online", start=start, end=end).collect()
    assert [e.type for e in presence] == [RawDataType.DEV_ONLINE, RawDataType.DEV_OFFLINE]
    assert raw_requests(sim)[-1].query["type"] == "online"


async def test_limit_caps_the_entries_and_pages_never_exceed_page_size(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    start = now - DAY
    sim.state.add_raw_log(did, spread_entries(3000, start=start, end=now))
    limited = await client.devices.raw_data(did, start=start, end=now, limit=1500).collect()
    assert len(limited) == 1500
    sizes = []
    async for page in client.devices.raw_data(did, start=start, end=now, page_size=700).pages():
        sizes.append(len(page.items))
        if page.next_path is not None:
            assert page.next_path.startswith(f"/app/devices/{did}/raw_data?")
    assert sizes == [700, 700, 700, 700, 200]


async def test_iteration_fetches_one_page_at_a_time(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    sim.state.add_raw_log(did, spread_entries(3000, start=now - DAY, end=now))
    async for _ in client.devices.raw_data(did, start=now - DAY, end=now):
        break
    assert len(raw_requests(sim)) == 1


async def test_empty_windows_are_passed_over_without_yielding_empty_pages(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    start = now - 6 * DAY
    sim.state.add_raw_log(did, [{"type": "dev2app", "timestamp": start + 10}])
    pages = [page async for page in client.devices.raw_data(did, start=start, end=now).pages()]
    assert [len(page.items) for page in pages] == [1]
    # Descending: two empty windows are passed over inside the first page's fetch; the last
    # (empty) window ends the walk without an empty page.
    assert len(raw_requests(sim)) == 4


# -- failures --------------------------------------------------------------------------------


async def test_more_than_5000_entries_in_one_second_cannot_be_paged(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    second = now - 600
    sim.state.add_raw_log(
        did, [{"type": "dev2app", "timestamp": second + i / 10000} for i in range(5001)]
    )
    with pytest.raises(GizwitsResponseError, match="one second"):
        await client.devices.raw_data(did, start=now - 3600, end=now).collect()
    assert_within_caps(sim)


async def test_a_window_growing_past_the_cap_while_read_is_an_error(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    sim.state.add_raw_log(did, spread_entries(4000, start=now - 7200, end=now - 3600))
    pages = client.devices.raw_data(did, start=now - 7200, end=now, sort="asc").pages()
    await anext(pages)
    sim.state.add_raw_log(did, spread_entries(2000, start=now - 3600, end=now))
    with pytest.raises(GizwitsResponseError, match="grew past 5000"):
        await anext(pages)


@pytest.mark.parametrize(
    "body",
    [
        {"objects": []},
        {"meta": {"total": "3"}, "objects": []},
        {"meta": {"total": 1}, "objects": {}},
        {"meta": {"total": 1}, "objects": [{"type": "dev2app"}]},
        {"meta": {"total": 1}, "objects": [{"type": "dev2app", "timestamp": "noon"}]},
    ],
)
async def test_malformed_pages_are_response_errors(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int, body: dict[str, Any]
) -> None:
    sim.faults.add(method="GET", path=RAW, body=json.dumps(body))
    with pytest.raises(GizwitsResponseError):
        await client.devices.raw_data(did, start=now - 10, end=now).collect()


async def test_an_unbound_device_is_answered_9017(
    sim: GizwitsSimulator, client: GizwitsClient, now: int
) -> None:
    stranger = sim.add_device(PRODUCT_KEY)
    with pytest.raises(GizwitsAPIError) as caught:
        await client.devices.raw_data(stranger, start=now - 10, end=now).collect()
    assert caught.value.error_code == ErrorCode.DEVICE_NOT_BOUND


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"start": 100, "end": 50}, ValueError),
        ({"start": 100, "end": 100}, ValueError),
        ({"start": 0, "end": 10, "type": "all"}, ValueError),
        ({"start": 0, "end": 10, "sort": "ascending"}, ValueError),
        ({"start": 0, "end": 10, "page_size": 1001}, ValueError),
        ({"start": 0, "end": 10, "page_size": 0}, ValueError),
        ({"start": 0, "end": 10, "limit": -1}, ValueError),
        ({"start": "yesterday", "end": 10}, TypeError),
        ({"start": 0, "end": None}, TypeError),
    ],
)
async def test_bad_arguments_are_refused_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient, kwargs: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        client.devices.raw_data("did1", **kwargs)
    for bad in ("", "a/b", ".."):
        with pytest.raises(ValueError, match="did"):
            client.devices.raw_data(bad, start=0, end=10)
    assert sim.requests == []


# -- the simulator keeps the doc's limits -----------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 1001},
        {"skip": 4500, "limit": 501},
        {"end_time": 1000 + 48 * 3600},
        {"end_time": 1000},
        {"type": "all"},
        {"sort": "random"},
        {"start_time": None},
    ],
)
async def test_the_simulator_refuses_queries_outside_the_limits(
    client: GizwitsClient, did: str, query: dict[str, Any]
) -> None:
    given: dict[str, Any] = {"type": "cmd", "start_time": 1000, "end_time": 2000, **query}
    params: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    with pytest.raises(GizwitsAPIError) as caught:
        await client._transport.request("GET", f"/app/devices/{did}/raw_data", params=params)
    assert caught.value.error_code == ErrorCode.FORM_INVALID


async def test_the_simulator_answers_the_documented_meta(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    sim.state.add_raw_log(did, spread_entries(30, start=now - 100, end=now))
    params: dict[str, str | int] = {
        "type": "cmd",
        "start_time": now - MAX_SPAN,
        "end_time": now,
        "skip": 4000,
        "limit": 1000,
        "sort": "asc",
    }
    data = await client._transport.request("GET", f"/app/devices/{did}/raw_data", params=params)
    assert data == {
        "meta": {
            "sort": "asc",
            "limit": 1000,
            "end_time": now,
            "did": did,
            "skip": 4000,
            "start_time": now - MAX_SPAN,
            "total": 30,
            "type": "cmd",
        },
        "objects": [],
    }
    default = await client._transport.request(
        "GET",
        f"/app/devices/{did}/raw_data",
        params={"type": "cmd", "start_time": now - 100, "end_time": now},
    )
    assert (default["meta"]["sort"], default["meta"]["limit"]) == ("desc", 20)
    assert len(default["objects"]) == 20


def test_the_bulk_loader_keeps_the_log_in_time_order(sim: GizwitsSimulator, did: str) -> None:
    now = sim.clock.now()
    assert sim.state.add_raw_log(did, [{"type": "dev2app", "timestamp": now - 10}]) == 1
    assert sim.state.add_raw_log(did, [{"type": "app2dev", "timestamp": now - 20}]) == 1
    assert sim.state.add_raw_log(did, []) == 0
    log = sim.device(did).raw_log
    assert [entry["timestamp"] for entry in log] == [now - 20, now - 10]
    assert log[0]["ip"] == "127.0.0.1"
    with pytest.raises(ValueError, match="past"):
        sim.state.add_raw_log(did, [{"type": "dev2app", "timestamp": now + 60}])
    with pytest.raises(ValueError, match="type"):
        sim.state.add_raw_log(did, [{"type": "hello", "timestamp": now - 1}])
    with pytest.raises(ValueError, match="count"):
        spread_entries(1, start=10, end=10)


async def test_the_nested_hits_answer_of_the_eu_cloud_decodes(
    sim: GizwitsSimulator, client: GizwitsClient, did: str
) -> None:
    recorded = load_fixture("real/raw_data/aquaforte_online_nested_eu.json")
    sim.faults.add(method="GET", path=RAW, body=json.dumps(recorded))
    meta = recorded["meta"]
    entries = await client.devices.raw_data(
        did,
        type="online",
        start=meta["start_time"],
        end=meta["end_time"],
        retention=timedelta(days=3650),
    ).collect()
    [entry] = entries
    assert entry.type is RawDataType.DEV_ONLINE
    assert entry.payload_data == {"keep_alive": 130}
    assert entry.epoch == 1725478248
    assert entry.timestamp == datetime(2024, 9, 4, 19, 30, 48, tzinfo=UTC)
    assert entry.ip == "{my-ip}"
    assert entry.extra == {}


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        (1725478248, 1725478248.0),
        (1725478248.875, 1725478248.875),
        ("1725478248.5", 1725478248.5),
        ("2024-09-04T19:30:48Z", 1725478248.0),
    ],
)
def test_entries_take_integer_float_and_text_timestamps(stamp: Any, expected: float) -> None:
    entry = decode({"type": "dev2app", "timestamp": stamp, "payload_bin": "00"}, RawDataEntry)
    assert entry.epoch == expected
    assert entry.timestamp.timestamp() == expected


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"type": "dev2app", "timestamp": 1.0, "payload_bin": 7}, "payload_bin"),
        ({"type": "dev2app", "timestamp": True}, "timestamp"),
        ({"type": 3, "timestamp": 1.0}, "type"),
        ({"type": "dev2app", "timestamp": 1.0, "ip": 1}, "ip"),
        ({"type": "dev_online", "timestamp": 1.0, "payload": "x"}, "payload"),
    ],
)
async def test_a_wrong_type_in_an_entry_names_the_field_method_and_path(
    sim: GizwitsSimulator,
    client: GizwitsClient,
    did: str,
    *,
    now: int,
    entry: dict[str, Any],
    field: str,
) -> None:
    body = {"meta": {"total": 1}, "objects": [entry]}
    sim.faults.add(method="GET", path=RAW, body=json.dumps(body))
    with pytest.raises(GizwitsResponseError) as caught:
        await client.devices.raw_data(did, start=now - 10, end=now).collect()
    assert f"'objects.[0].{field}'" in str(caught.value)
    assert f"GET /app/devices/{did}/raw_data" in str(caught.value)
    assert caught.value.status == 200


@pytest.mark.parametrize(
    "entry",
    [
        {"type": "dev2app", "timestamp": 1.0, "payload_bin": None},
        {"type": "dev2app", "timestamp": 1.0, "payload_bin": None, "ip": None},
        {"type": "app2dev", "timestamp": 1.0, "payload_bin": None, "uid": "u1"},
        {"type": "dev2app", "timestamp": 1.0},
    ],
)
def test_a_null_or_missing_payload_reads_as_empty_on_every_path(entry: dict[str, Any]) -> None:
    decoded = decode(entry, RawDataEntry)
    assert (decoded.payload_bin, decoded.payload, decoded.ip) == ("", b"", None)
    assert decoded.uid == entry.get("uid")
    assert decoded.extra == {}


def test_an_entrys_extra_is_its_own_and_read_only() -> None:
    plain = decode({"type": "dev2app", "timestamp": 1.0, "payload_bin": "0a"}, RawDataEntry)
    odd = decode({"type": "dev2app", "timestamp": 2.0, "qos": 1, "ip": "1.2.3.4"}, RawDataEntry)
    # A key the model does not name is counted out of the usual entry's quick path.
    assert (odd.ip, odd.extra, plain.extra) == ("1.2.3.4", {"qos": 1}, {})
    with pytest.raises(TypeError):
        odd.extra["qos"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        plain.extra["qos"] = 2  # type: ignore[index]


def test_the_strict_converter_refuses_unknown_keys_and_values_of_entries(
    strict: cattrs.Converter,
) -> None:
    with pytest.raises(GizwitsResponseError, match="unknown keys"):
        decode({"type": "dev2app", "timestamp": 1.0, "qos": 1}, RawDataEntry, converter=strict)
    with pytest.raises(GizwitsResponseError, match="'type'"):
        decode({"type": "dev_sleep", "timestamp": 1.0}, RawDataEntry, converter=strict)
    lenient = decode({"type": "dev_sleep", "timestamp": 1.0, "qos": 1}, RawDataEntry)
    assert (lenient.type, lenient.extra) == (RawDataType.UNKNOWN, {"qos": 1})


async def test_a_walk_from_1970_to_now_sends_a_bounded_number_of_requests(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    assert await client.devices.raw_data(did, start=0, end=now).collect() == []
    # Only the 7 days the cloud keeps are asked for, in windows of under 48 hours.
    assert 1 <= len(raw_requests(sim)) <= 5
    assert min(int(r.query["start_time"]) for r in raw_requests(sim)) >= now - 7 * DAY - 60


async def test_a_longer_retention_is_walked_and_still_bounded(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    sim.state.add_raw_log(did, spread_entries(3, start=now - 20 * DAY, end=now - 19 * DAY))
    entries = await client.devices.raw_data(
        did, start=0, end=now, retention=timedelta(days=30)
    ).collect()
    assert len(entries) == 3
    assert len(raw_requests(sim)) <= 16


async def test_a_range_wholly_older_than_the_retention_is_refused_before_sending(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    with pytest.raises(ValueError, match="retention"):
        client.devices.raw_data(did, start=now - 30 * DAY, end=now - 20 * DAY)
    with pytest.raises(ValueError, match="retention"):
        client.devices.raw_data(did, start=now - 10, end=now, retention=0)
    with pytest.raises(TypeError, match="retention"):
        client.devices.raw_data(did, start=now - 10, end=now, retention="7d")  # type: ignore[arg-type]
    assert raw_requests(sim) == []


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, math.inf),
        (0, 1e18),
        (-1e18, 10),
        (math.nan, 10),
        (0, -math.inf),
    ],
)
async def test_infinite_nan_and_huge_times_are_value_errors(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, start: float, end: float
) -> None:
    with pytest.raises(ValueError, match="epoch seconds"):
        client.devices.raw_data(did, start=start, end=end)
    assert raw_requests(sim) == []


async def test_limit_bounds_the_rows_asked_for_and_the_requests(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    sim.state.add_raw_log(did, spread_entries(3000, start=now - DAY, end=now))
    entries = await client.devices.raw_data(did, start=now - DAY, end=now, limit=5).collect()
    assert len(entries) == 5
    [request] = raw_requests(sim)
    assert request.query["limit"] == "5"


async def test_an_unbound_device_is_a_device_not_bound_error(
    sim: GizwitsSimulator, client: GizwitsClient, now: int
) -> None:
    stranger = sim.add_device(PRODUCT_KEY)
    with pytest.raises(GizwitsDeviceNotBoundError) as caught:
        await client.devices.raw_data(stranger, start=now - 10, end=now).collect()
    assert isinstance(caught.value, GizwitsAPIError)
    assert caught.value.error_code == 9017


async def test_both_answer_shapes_of_the_simulator_walk_to_the_same_entries(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    start = now - 3 * DAY
    sim.state.add_raw_log(did, spread_entries(6000, start=start, end=now))
    flat = await client.devices.raw_data(did, start=start, end=now, sort="asc").collect()
    flat_requests = len(raw_requests(sim))
    sim.raw_data_shape = "nested"
    nested = await client.devices.raw_data(did, start=start, end=now, sort="asc").collect()
    # The nested form carries whole seconds and the payload as an object (the recorded
    # online entries do; the simulator puts a command's payload_bin inside it).
    assert [(e.type, math.floor(e.epoch)) for e in nested] == [
        (e.type, math.floor(e.epoch)) for e in flat
    ]
    assert [e.payload_data for e in nested] == [{"payload_bin": e.payload.hex()} for e in flat]
    assert len(raw_requests(sim)) == 2 * flat_requests  # the same pages, asked the same way


async def test_nested_presence_entries_carry_their_payload_object(
    sim: GizwitsSimulator, client: GizwitsClient, did: str
) -> None:
    sim.raw_data_shape = "nested"
    start = sim.clock.now() - 1
    sim.state.set_online(did, online=False)
    sim.state.set_online(did, online=True)
    sim.clock.advance(2)
    presence = await client.devices.raw_data(
        did, type="online", start=start, end=sim.clock.now()
    ).collect()
    assert [e.type for e in presence] == [RawDataType.DEV_ONLINE, RawDataType.DEV_OFFLINE]
    assert presence[0].payload_data == {"keep_alive": 130}


# -- pages built as they are read ------------------------------------------------------------


def live_entries() -> int:
    return sum(1 for thing in gc.get_objects() if type(thing) is RawDataEntry)


async def test_a_walk_builds_each_entry_as_it_is_read_not_a_page_at_a_time(
    sim: GizwitsSimulator, client: GizwitsClient, did: str, now: int
) -> None:
    sim.state.add_raw_log(did, spread_entries(2500, start=now - DAY, end=now))
    before = live_entries()
    most = 0
    seen: list[int] = []
    async for entry in client.devices.raw_data(did, start=now - DAY, end=now, sort="asc"):
        if len(seen) % 250 == 0:
            most = max(most, live_entries() - before)
        seen.append(index_of(entry))
        del entry
    # Pages of 1000: built eagerly, 1000 entries would be alive mid-page.
    assert most <= 3
    assert seen == list(range(2500))
    # Handed out whole, a page is a list of built entries.
    async for page in client.devices.raw_data(did, start=now - DAY, end=now).pages():
        assert type(page.items) is list
        assert len(page.items) == 1000
        assert all(type(item) is RawDataEntry for item in page.items)
        break


USUAL = [
    {"type": "dev2app", "timestamp": 10.0, "payload_bin": "01", "ip": "10.0.0.1"},
    {"type": "app2dev", "timestamp": 11, "payload_bin": "02"},
    {"type": "dev_online", "timestamp": 12.5},
    {"type": "dev2app", "timestamp": 13.0, "payload_bin": None, "ip": None},
]


def test_rows_of_usual_entries_are_the_entries_decoded_one_by_one() -> None:
    rows = RawDataRows.within(USUAL, 0.0, 100.0)
    expected = [decode(wire, RawDataEntry) for wire in USUAL]
    assert list(rows) == expected
    assert rows == expected
    assert len(rows) == 4
    assert (rows[0], rows[-1]) == (expected[0], expected[-1])
    assert rows[1:3] == expected[1:3]
    assert isinstance(rows[1:3], RawDataRows)
    assert rows[2].type is RawDataType.DEV_ONLINE
    assert (rows[3].payload_bin, rows[3].ip, rows[3].extra) == ("", None, {})
    assert rows != expected[:3]
    assert "dev2app" in repr(rows)
    with pytest.raises(IndexError):
        rows[4]


def test_rows_keep_only_their_window_lower_bound_in_upper_bound_out() -> None:
    assert [e.epoch for e in RawDataRows.within(USUAL, 11.0, 13.0)] == [11, 12.5]
    assert list(RawDataRows.within(USUAL, 20.0, 30.0)) == []
    assert len(RawDataRows.within([], 0.0, 1.0)) == 0


def test_a_page_with_an_odd_entry_is_decoded_entry_by_entry_in_order() -> None:
    odd = {"type": "app2dev", "timestamp": "1970-01-01T00:00:12Z", "uid": "u1", "qos": 1}
    wire = [USUAL[0], odd, USUAL[1]]
    rows = RawDataRows.within(wire, 10.0, 20.0)
    assert [e.epoch for e in rows] == [10.0, 12.0, 11]
    assert (rows[1].uid, rows[1].extra) == ("u1", {"qos": 1})
    assert rows[0:1] == [decode(USUAL[0], RawDataEntry)]
    assert list(RawDataRows.within(wire, 11.5, 20.0)) == [rows[1]]
    with pytest.raises(FieldError, match=r"\[1\]"):
        RawDataRows.within([USUAL[0], {"type": "dev2app", "timestamp": [1]}], 0.0, 99.0)
