"""The examples/ programs, run against the simulator in-process."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import stat
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp
import pytest
from aiohttp import test_utils, web

from examples import bulk_poller, ha_coordinator, web_backend
from examples._account import Account, account_from_args
from gizwits_async import (
    ErrorCode,
    GizwitsAPIError,
    GizwitsAuthError,
    GizwitsClientClosedError,
    GizwitsConnectionError,
    GizwitsError,
    GizwitsTimeoutError,
)
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.presets import DEMO_INITIAL_ATTRS
from tests.conftest import PASSWORD, PRODUCT_KEY, USERNAME, SleepRecorder

LATEST = r"/app/devdata/.+/latest"


@pytest.fixture
def account(sim: GizwitsSimulator) -> Account:
    return Account(sim.app_id, USERNAME, PASSWORD, base_url=sim.base_url)


@pytest.fixture
def alice_dids(sim: GizwitsSimulator, alice_uid: str) -> list[str]:
    return [sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": False}) for _ in range(3)]


@pytest.fixture(autouse=True)
def no_account_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("APP_ID", "USERNAME", "PASSWORD", "REGION", "BASE_URL"):
        monkeypatch.delenv(f"GIZWITS_{variable}", raising=False)


class ServerOutput(io.StringIO):
    """Captures a server's output and tells when it is listening."""

    def __init__(self) -> None:
        super().__init__()
        self.listening = asyncio.Event()

    def write(self, text: str) -> int:
        if "serving on" in text:
            self.listening.set()
        return super().write(text)


class ThrottleOnce:
    """A coordinator sleep that records waits and makes the cloud throttle the next poll."""

    def __init__(self, sim: GizwitsSimulator, retry_after: str, devices: int) -> None:
        self.sim = sim
        self.retry_after = retry_after
        self.devices = devices
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        if not self.waits:
            self.sim.faults.add(
                method="GET",
                path=LATEST,
                error_code=ErrorCode.REQUEST_THROTTLED,
                retry_after=self.retry_after,
                times=self.devices,
            )
        self.waits.append(seconds)


# -- the Home Assistant style coordinator ---------------------------------------------------


async def test_coordinator_tour_on_the_simulator_delays_the_next_poll_by_retry_after(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    hub = await ha_coordinator.amain(
        ["--simulator", "--token-file", str(tmp_path / "token.json")], out=out
    )
    history = hub.coordinator.history
    assert [refresh.ok for refresh in history] == [True, False, True]
    assert [refresh.next_in for refresh in history] == [30, 120, 30]
    assert history[1].retry_after == 120
    snapshot = hub.coordinator.data
    assert snapshot is not None
    assert len(snapshot) == 3
    temperatures = sorted(status.attrs["temperature"] for status in snapshot.values())
    assert temperatures == [21.5, 21.5, 25.5]  # the report made during the 120 s wait
    text = out.getvalue()
    assert "poll 2: failed (throttled on 3 of 3 devices)" in text
    assert "next poll in 120 s (the cloud's Retry-After)" in text
    assert "keeping the last snapshot of 3 devices" in text
    assert hub.client.closed


async def test_throttled_poll_keeps_the_snapshot_and_waits_what_the_cloud_asked(
    sim: GizwitsSimulator, account: Account, alice_dids: list[str], tmp_path: Path
) -> None:
    sleep = ThrottleOnce(sim, retry_after="300", devices=len(alice_dids))
    hub = await ha_coordinator.run(
        account, token_path=tmp_path / "t.json", polls=3, sleep=sleep, out=io.StringIO()
    )
    assert sleep.waits == [30, 300]
    assert [r.ok for r in hub.coordinator.history] == [True, False, True]
    assert hub.coordinator.last_update_success
    assert set(hub.coordinator.data or {}) == set(alice_dids)
    # Above max_retry_after the client did not wait itself: one request per device was refused.
    assert sim.count("GET", LATEST) == 3 * len(alice_dids)


async def test_a_short_retry_after_is_waited_out_by_the_client_not_the_scheduler(
    sim: GizwitsSimulator,
    account: Account,
    alice_dids: list[str],
    tmp_path: Path,
    sleeps: SleepRecorder,
) -> None:
    sleep = ThrottleOnce(sim, retry_after="4", devices=len(alice_dids))
    hub = await ha_coordinator.run(
        account, token_path=tmp_path / "t.json", polls=2, sleep=sleep, out=io.StringIO()
    )
    assert [r.ok for r in hub.coordinator.history] == [True, True]
    assert sleep.waits == [30]
    assert sleeps.calls == [4.0] * len(alice_dids)


async def test_coordinator_borrows_the_session_and_persists_the_token(
    sim: GizwitsSimulator,
    account: Account,
    alice_dids: list[str],
    alice_uid: str,
    tmp_path: Path,
) -> None:
    token_path = tmp_path / "token.json"
    async with aiohttp.ClientSession() as session:
        hub = await ha_coordinator.run(
            account, token_path=token_path, polls=1, session=session, out=io.StringIO()
        )
        assert hub.client.closed
        assert not session.closed  # the host's session outlives the client
        saved = json.loads(token_path.read_text())
        assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
        assert saved["uid"] == alice_uid
        assert saved["token"] in sim.state.tokens
        assert datetime.fromisoformat(saved["expire_at"]).tzinfo is not None
        # A restart restores the token instead of logging in again.
        await ha_coordinator.run(
            account, token_path=token_path, polls=1, session=session, out=io.StringIO()
        )
        assert not session.closed
    assert sim.count("POST", "/app/login") == 1
    last = sim.requests_to("GET", LATEST)[-1]
    assert last.headers["X-Gizwits-User-token"] == saved["token"]


async def test_a_big_snapshot_is_summarised_not_printed_in_full(
    sim: GizwitsSimulator, account: Account, alice_uid: str, tmp_path: Path
) -> None:
    for _ in range(7):
        sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True})
    out = io.StringIO()
    hub = await ha_coordinator.run(account, token_path=tmp_path / "t.json", polls=1, out=out)
    assert len(hub.coordinator.data or {}) == 7
    lines = out.getvalue().splitlines()
    assert lines[0] == "poll 1: ok, 7 devices"
    assert sum(1 for line in lines if "switch=true" in line) == 5
    assert "  … and 2 more" in lines


async def test_an_unreadable_token_file_means_a_fresh_login(
    sim: GizwitsSimulator, account: Account, alice_dids: list[str], tmp_path: Path
) -> None:
    token_path = tmp_path / "token.json"
    token_path.write_text("{not json")
    await ha_coordinator.run(account, token_path=token_path, polls=1, out=io.StringIO())
    assert sim.count("POST", "/app/login") == 1
    assert json.loads(token_path.read_text())["token"] in sim.state.tokens


async def test_a_failing_cloud_is_polled_again_after_the_interval(
    sim: GizwitsSimulator,
    account: Account,
    alice_dids: list[str],
    tmp_path: Path,
    sleeps: SleepRecorder,
) -> None:
    sim.faults.add(method="GET", path="/app/bindings", status=503, times=None)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    hub = await ha_coordinator.run(
        account,
        token_path=tmp_path / "t.json",
        polls=2,
        interval=45,
        sleep=sleep,
        out=io.StringIO(),
    )
    assert waits == [45]
    assert [r.ok for r in hub.coordinator.history] == [False, False]
    assert hub.coordinator.history[0].retry_after is None
    assert hub.coordinator.data is None


async def test_a_device_that_fails_keeps_its_last_status_and_is_marked_unavailable(
    sim: GizwitsSimulator, account: Account, alice_dids: list[str], tmp_path: Path
) -> None:
    offline = alice_dids[0]

    async def sleep(seconds: float) -> None:
        sim.faults.add(method="GET", path=f"/app/devdata/{offline}/latest", error_code=9014)

    hub = await ha_coordinator.run(
        account, token_path=tmp_path / "t.json", polls=2, sleep=sleep, out=io.StringIO()
    )
    assert [r.ok for r in hub.coordinator.history] == [True, True]
    assert set(hub.coordinator.data or {}) == set(alice_dids)
    assert list(hub.unavailable) == [offline]
    assert "9014" in hub.unavailable[offline]


async def test_refused_credentials_stop_the_coordinator(
    sim: GizwitsSimulator, alice_dids: list[str], tmp_path: Path
) -> None:
    wrong = Account(sim.app_id, USERNAME, "not-the-password", base_url=sim.base_url)
    with pytest.raises(ha_coordinator.ReauthRequired, match="9020"):
        await ha_coordinator.run(wrong, token_path=tmp_path / "t.json", polls=3, out=io.StringIO())
    assert sim.count("POST", "/app/login") == 1


def test_coordinator_main_reports_bad_credentials_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refused(argv: list[str], out: Any = None) -> None:
        raise ha_coordinator.ReauthRequired("HTTP 400 error_code=9020: username or password error!")

    monkeypatch.setattr(ha_coordinator, "amain", refused)
    assert ha_coordinator.main([]) == 1
    assert (
        capsys.readouterr().err == "error: HTTP 400 error_code=9020: username or password error!\n"
    )


def test_coordinator_main_runs_the_simulator_tour(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert ha_coordinator.main(["--simulator", "--token-file", str(tmp_path / "t.json")]) == 0
    polls = [line for line in capsys.readouterr().out.splitlines() if line.startswith("poll ")]
    assert [line.split(":")[0] for line in polls] == ["poll 1", "poll 2", "poll 3"]


def test_coordinator_refuses_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        ha_coordinator.main(["--simulator", "--interval", "0"])
    assert exit_info.value.code == 2
    assert "--interval must be positive" in capsys.readouterr().err


# -- credentials from flags and environment --------------------------------------------------


def test_account_comes_from_the_environment_and_flags_win() -> None:
    parser = ha_coordinator.build_parser()
    environ = {
        "GIZWITS_APP_ID": "env-app",
        "GIZWITS_USERNAME": "env-user",
        "GIZWITS_PASSWORD": "env-pass",
        "GIZWITS_REGION": "us",
    }
    args = parser.parse_args(["--username", "flag-user", "--region", "eu"])
    account = account_from_args(args, parser, environ)
    assert account == Account("env-app", "flag-user", "env-pass", region="eu")
    assert "env-pass" not in repr(account)
    assert account.client().base_url == "https://euapi.gizwits.com"


def test_a_missing_app_id_is_a_usage_error_naming_the_variable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        bulk_poller.main(["--username", "someone", "--password", "pw"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "missing --app-id (or GIZWITS_APP_ID)" in err
    assert "--simulator" in err


def test_a_bad_region_in_the_environment_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = bulk_poller.build_parser()
    args = parser.parse_args(["--app-id", "a", "--username", "u", "--password", "p"])
    with pytest.raises(SystemExit):
        account_from_args(args, parser, {"GIZWITS_REGION": "mars"})
    assert "GIZWITS_REGION must be cn, us or eu" in capsys.readouterr().err


def test_a_missing_password_without_a_terminal_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO())
    parser = bulk_poller.build_parser()
    args = parser.parse_args(["--app-id", "a", "--username", "u"])
    with pytest.raises(SystemExit):
        account_from_args(args, parser, {})
    assert "missing --password (or GIZWITS_PASSWORD)" in capsys.readouterr().err


def test_a_missing_password_on_a_terminal_is_prompted_without_echo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return "typed"

    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", fake_getpass)
    parser = bulk_poller.build_parser()
    args = parser.parse_args(["--app-id", "a", "--username", "u"])
    assert account_from_args(args, parser, {}).password == "typed"
    assert prompts == ["Gizwits password for u: "]


# -- the bulk poller -------------------------------------------------------------------------


async def test_bulk_poller_polls_1000_simulated_devices_into_a_csv(tmp_path: Path) -> None:
    output = tmp_path / "devices.csv"
    out, err = io.StringIO(), io.StringIO()
    summary = await bulk_poller.amain(["--simulator", "--output", str(output)], out=out, err=err)
    with output.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert header == ["did", "updated_at", *sorted(DEMO_INITIAL_ATTRS)]
    assert len(body) == 998
    assert len({row[0] for row in body}) == 998
    first = dict(zip(header, body[0], strict=True))
    assert datetime.fromisoformat(first["updated_at"]).tzinfo is not None
    assert first["switch"] == "false"
    assert first["temperature"] == "21.5"
    assert first["mode"] == "auto"
    failures = err.getvalue().splitlines()
    assert len(failures) == 2
    assert all(": GizwitsDeviceNotBoundError 9017: device not bound!" in line for line in failures)
    assert {line.split(": ")[1] for line in failures}.isdisjoint(row[0] for row in body)
    assert "polled 1000 devices" in out.getvalue()
    assert "998 rows written" in out.getvalue()
    assert summary.rows == 998
    assert len(summary.failed) == 2


async def test_bulk_poll_bounds_concurrency_and_reports_each_failure(
    sim: GizwitsSimulator, client: Any, alice_uid: str, tmp_path: Path
) -> None:
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True}) for _ in range(40)]
    humid = sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"humidity": 40, "note": "attic"})
    silent = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    missing = dids[5]
    sim.faults.add(method="GET", path=f"/app/devdata/{missing}/latest", error_code=9014)
    output = tmp_path / "out.csv"
    await client.login(USERNAME, PASSWORD)
    sim.latency = 0.02  # long enough for requests to overlap when the bound lets them
    sim.reset_counters()
    summary = await bulk_poller.poll(client, [*dids, humid, silent], output, concurrency=5)
    assert 1 < sim.max_in_flight <= 5
    assert summary.devices == 42
    assert summary.failed == {missing: "GizwitsNotFoundError 9014: device not found!"}
    with output.open(newline="") as handle:
        rows = {row["did"]: row for row in csv.DictReader(handle)}
    assert summary.columns == ["humidity", "note", "switch"]
    assert len(rows) == 41
    assert missing not in rows
    assert rows[humid]["humidity"] == "40"
    assert rows[humid]["note"] == "attic"
    assert rows[humid]["switch"] == ""
    assert rows[silent]["updated_at"] == ""
    assert rows[dids[0]]["switch"] == "true"


def test_csv_cells_keep_strings_and_write_other_values_as_json() -> None:
    assert bulk_poller.cell("text, with comma") == "text, with comma"
    assert bulk_poller.cell(None) == ""
    assert bulk_poller.cell(value=False) == "false"
    assert bulk_poller.cell([1, 2]) == "[1, 2]"
    assert bulk_poller.cell({"b": 1, "a": "温"}) == '{"a": "温", "b": 1}'


def test_failure_reasons_name_the_class_and_code() -> None:
    assert bulk_poller.reason(GizwitsAPIError(400, 9042, "device offline!")) == (
        "GizwitsAPIError 9042: device offline!"
    )
    assert bulk_poller.reason(GizwitsAPIError(502, None)) == "GizwitsAPIError: 502"
    assert bulk_poller.reason(GizwitsConnectionError("reset")) == "GizwitsConnectionError: reset"


async def test_bulk_poller_reads_credentials_from_the_environment_and_an_inventory(
    sim: GizwitsSimulator, alice_uid: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True}) for _ in range(4)]
    sim.add_device(PRODUCT_KEY, owner=alice_uid)  # bound, but not in the inventory
    inventory = tmp_path / "fleet.txt"
    inventory.write_text("# our fleet\n" + "\n".join(dids[:3]) + "\n\n")
    monkeypatch.setenv("GIZWITS_APP_ID", sim.app_id)
    monkeypatch.setenv("GIZWITS_USERNAME", USERNAME)
    monkeypatch.setenv("GIZWITS_PASSWORD", PASSWORD)
    monkeypatch.setenv("GIZWITS_BASE_URL", sim.base_url)
    output = tmp_path / "fleet.csv"
    argv = ["--dids", str(inventory), "--output", str(output), "--concurrency", "2"]
    assert await asyncio.to_thread(bulk_poller.main, argv) == 0
    with output.open(newline="") as handle:
        assert [row["did"] for row in csv.DictReader(handle)] == dids[:3]


async def test_bulk_poller_without_an_inventory_polls_every_bound_device(
    sim: GizwitsSimulator, account: Account, alice_uid: str, tmp_path: Path
) -> None:
    dids = [sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": True}) for _ in range(3)]
    out = io.StringIO()
    summary = await bulk_poller.poll_account(
        account, output=tmp_path / "all.csv", out=out, err=io.StringIO()
    )
    assert summary.rows == 3
    assert "3 devices to poll, 20 at a time" in out.getvalue()
    with (tmp_path / "all.csv").open(newline="") as handle:
        assert [row["did"] for row in csv.DictReader(handle)] == dids


async def test_bulk_poller_exits_1_when_no_device_answered(
    sim: GizwitsSimulator, alice_uid: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    sim.faults.add(method="GET", path=LATEST, error_code=9017, times=None)
    argv = [
        *("--app-id", sim.app_id, "--username", USERNAME, "--password", PASSWORD),
        *("--base-url", sim.base_url, "--output", str(tmp_path / "none.csv")),
    ]
    assert await asyncio.to_thread(bulk_poller.main, argv) == 1
    assert f"failed: {did}: GizwitsDeviceNotBoundError 9017" in capsys.readouterr().err


def test_bulk_poller_refuses_bad_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        bulk_poller.main(["--simulator", "--devices", "3", "--unbound", "4"])
    assert "--unbound within --devices" in capsys.readouterr().err


def test_bulk_poller_reports_an_unreadable_inventory_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--app-id", "a", "--username", "u", "--password", "p", "--dids", str(tmp_path / "no")]
    assert bulk_poller.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: [Errno 2] No such file or directory")
    assert err.count("\n") == 1


# -- the web backend -------------------------------------------------------------------------


@pytest.fixture
async def backend() -> AsyncIterator[test_utils.TestClient[web.Request, web.Application]]:
    app = web_backend.create_app(simulator_devices=3)
    async with test_utils.TestClient(test_utils.TestServer(app)) as http:
        yield http


def backend_sim(http: test_utils.TestClient[web.Request, web.Application]) -> GizwitsSimulator:
    assert http.app is not None
    return http.app[web_backend.SIMULATOR]


async def test_backend_serves_devices_through_one_shared_client(
    backend: test_utils.TestClient[web.Request, web.Application],
) -> None:
    sim = backend_sim(backend)
    response = await backend.get("/devices")
    assert response.status == 200
    devices = await response.json()
    assert sim.demo is not None
    assert [device["did"] for device in devices] == sim.demo.dids
    assert all(device["online"] is True for device in devices)
    did = devices[0]["did"]

    response = await backend.post(f"/devices/{did}/control", json={"attrs": {"switch": True}})
    assert response.status == 200
    assert await response.json() == {"did": did, "sent": {"switch": True}}
    assert sim.device(did).attrs["switch"] is True

    response = await backend.get(f"/devices/{did}")
    assert response.status == 200
    detail = await response.json()
    assert detail["attrs"]["switch"] is True
    assert detail["product_key"] == sim.demo.product_key
    assert datetime.fromisoformat(detail["updated_at"]).tzinfo is not None

    # Three requests, several concurrent ones, one login: the client is the application's.
    await asyncio.gather(*(backend.get(f"/devices/{d}") for d in sim.demo.dids))
    assert sim.count("POST", "/app/login") == 1


async def test_backend_closes_the_client_and_the_simulator_on_cleanup() -> None:
    app = web_backend.create_app(simulator_devices=1)
    async with test_utils.TestClient(test_utils.TestServer(app)) as http:
        assert (await http.get("/devices")).status == 200
        client = app[web_backend.CLIENT]
        sim = app[web_backend.SIMULATOR]
        assert not app[web_backend.CLIENT].closed
    assert client.closed
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as session:
            await session.get(f"{sim.base_url}/status")


class ErrorCase(NamedTuple):
    arrange: str
    method: str
    body: Any
    status: int
    error: str
    error_code: int | None


@pytest.mark.parametrize(
    "case",
    [
        ErrorCase("unknown", "GET", None, 404, "GizwitsNotFoundError", 9014),
        ErrorCase(
            "offline", "POST", {"attrs": {"switch": True}}, 409, "GizwitsDeviceOfflineError", 9042
        ),
        ErrorCase("none", "POST", {"attrs": {"temperature": 3}}, 400, "GizwitsAPIError", 9025),
        ErrorCase("unbound", "GET", None, 403, "GizwitsDeviceNotBoundError", 9017),
        ErrorCase("server", "POST", {"attrs": {"switch": True}}, 502, "GizwitsServerError", 9008),
        ErrorCase("throttle", "GET", None, 429, "GizwitsRateLimitError", 9041),
        ErrorCase("none", "POST", {"switch": True}, 400, "BadRequest", None),
        ErrorCase("none", "POST", {"attrs": {}}, 400, "BadRequest", None),
        ErrorCase("none", "POST", "not json", 400, "BadRequest", None),
        ErrorCase("bad did", "GET", None, 400, "BadRequest", None),
    ],
)
async def test_backend_maps_errors_to_http_statuses(
    backend: test_utils.TestClient[web.Request, web.Application], case: ErrorCase
) -> None:
    arrange, method, body, status, error, error_code = case
    sim = backend_sim(backend)
    assert sim.demo is not None
    did = sim.demo.dids[0]
    if arrange == "unknown":
        did = "NoSuchDevice0000000000"
    elif arrange == "bad did":
        did = "a%20b"
    elif arrange == "offline":
        sim.state.set_online(did, online=False)
    elif arrange == "unbound":
        sim.state.unbind(sim.demo.uid, did)
    elif arrange == "server":
        sim.faults.add(method="POST", path="/app/control/.+", error_code=9008, after_handler=True)
    elif arrange == "throttle":
        sim.faults.add(method="GET", path="/app/devices/.+", error_code=9041, retry_after="90.5")
    path = f"/devices/{did}" if method == "GET" else f"/devices/{did}/control"
    if isinstance(body, str):
        response = await backend.request(method, path, data=body)
    else:
        response = await backend.request(method, path, json=body)
    assert response.status == status
    answer = await response.json()
    assert answer["error"] == error
    assert answer["error_code"] == error_code
    assert answer["message"]
    if arrange == "throttle":
        assert response.headers["Retry-After"] == "91"
    if arrange == "server":
        # A control is not resent after the cloud may have applied it.
        assert sim.count("POST", "/app/control/.+") == 1


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (GizwitsTimeoutError("no answer in 10 s"), 504),
        (GizwitsConnectionError("connection refused", request_sent=False), 502),
        (GizwitsAuthError(400, 9004, "token invalid"), 502),
        (GizwitsClientClosedError("closed"), 503),
        (GizwitsAPIError(400, 9023, "device is disabled!"), 403),
        (GizwitsAPIError(400, 9999, "reserved"), 502),
    ],
)
def test_backend_error_statuses_for_what_the_simulator_does_not_stage(
    error: GizwitsError, status: int
) -> None:
    response = web_backend.error_response(error)
    assert response.status == status
    assert response.text is not None
    assert json.loads(response.text)["error"] == type(error).__name__


def test_backend_needs_an_account_or_a_simulator() -> None:
    with pytest.raises(ValueError, match="simulator_devices"):
        web_backend.create_app()


async def test_backend_program_serves_on_a_real_port_until_stopped() -> None:
    out = ServerOutput()
    stop = asyncio.Event()
    server = asyncio.create_task(
        web_backend.amain(["--simulator", "--port", "0"], out=out, stop=stop)
    )
    async with asyncio.timeout(10):
        await out.listening.wait()
    url = out.getvalue().split("serving on ")[1].split(" ")[0]
    assert url.startswith("http://127.0.0.1:")
    async with aiohttp.ClientSession() as session, session.get(f"{url}/devices") as response:
        assert response.status == 200
        assert len(await response.json()) == 3
    stop.set()
    await server
    assert out.getvalue().endswith("stopped\n")


async def test_backend_program_against_an_account(
    sim: GizwitsSimulator, alice_dids: list[str]
) -> None:
    out = ServerOutput()
    stop = asyncio.Event()
    argv = [
        *("--app-id", sim.app_id, "--username", USERNAME, "--password", PASSWORD),
        *("--base-url", sim.base_url, "--port", "0"),
    ]
    server = asyncio.create_task(web_backend.amain(argv, out=out, stop=stop))
    async with asyncio.timeout(10):
        await out.listening.wait()
    url = out.getvalue().split("serving on ")[1].split(";")[0]
    async with aiohttp.ClientSession() as session, session.get(f"{url}/devices") as response:
        assert [device["did"] for device in await response.json()] == alice_dids
    stop.set()
    await server


def test_backend_refuses_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        web_backend.main(["--simulator", "--port", "70000"])
    assert "--port must be between 0 and 65535" in capsys.readouterr().err
