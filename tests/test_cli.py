"""The command line: demo and serve against the embedded simulator."""

from __future__ import annotations

import asyncio
import io

import aiohttp
import pytest

from gizwits_async import GizwitsError, cli


def test_demo_runs_the_tour_and_reports_every_step() -> None:
    out = io.StringIO()
    assert cli.main(["demo", "--devices", "12"], out=out) == 0
    text = out.getvalue()
    expected = {
        "bind a new device by MAC (signed)": "bound as special, alias Porch",
        "list bindings": "13 devices bound",
        "export a device's raw log": "entries since the tour began, as JSON lines",
        "control 12 devices at once": "11 ok, 1 failed (GizwitsDeviceOfflineError)",
        "share a device with the second user": "1 invitation accepted",
        "messages of both users": "owner 2, guest 2",
        "group of 10 devices, one command": "10 of 10 devices took LED_R=50",
        "scene: device, 10 s delay, group": "status running -> done after 11 s",
        "schedule fired by the clock": "LED_R=42",
        "rule: A.switch on -> B.LED_R 100": "B.LED_R=100",
        "aggregate a day of reports": "24 hourly sums, total 276",
        "token refresh": "re-logged in and replayed",
        "push: a report, a dropped socket": "a dropped socket was back in",
    }
    lines = {
        line.split("  ")[1].strip(): line for line in text.splitlines() if line.startswith("  ")
    }
    for step, result in expected.items():
        assert result in lines[step]
    assert "19 steps" in text
    raw_line = lines["export a device's raw log"]
    assert int(raw_line.split("ms")[1].split()[0]) >= 4  # control, report, fan-out, report


async def test_serve_answers_on_its_port_until_stopped() -> None:
    out = io.StringIO()
    stop = asyncio.Event()
    task = asyncio.create_task(cli.serve(0, 3, out, stop))
    for _ in range(200):
        if "listening on" in out.getvalue():
            break
        await asyncio.sleep(0.01)
    url = out.getvalue().split("listening on ")[1].split()[0]
    app_id = out.getvalue().split("app id:")[1].split()[0]
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{url}/status", headers={"X-Gizwits-Application-Id": app_id}) as response,
    ):
        assert response.status == 200
    stop.set()
    await task
    assert "devices:       3" in out.getvalue()


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--devices", "0"],
        ["demo", "--devices", "11"],
        ["serve", "--port", "70000"],
        ["serve", "--devices", "-1"],
        [],
    ],
)
def test_bad_arguments_exit_with_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(argv)
    assert caught.value.code == 2
    assert "error" in capsys.readouterr().err


def test_errors_print_one_line_and_exit_non_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def failing(out: object, *, devices: int) -> int:
        raise GizwitsError("the cloud said no")

    monkeypatch.setattr(cli, "demo", failing)
    assert cli.main(["demo"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "gizwits-async: error: the cloud said no"
    with pytest.raises(GizwitsError):
        cli.main(["--debug", "demo"])
