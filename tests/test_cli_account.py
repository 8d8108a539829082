"""The account commands (login, devices, latest, control, watch) against the simulator."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gizwits_async import cli
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PASSWORD, PRODUCT_KEY, USERNAME


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def run_cli(
    argv: list[str], stdin: str = "", capsys: pytest.CaptureFixture[str] | None = None
) -> tuple[int, str]:
    """Run the command in a thread (it has its own event loop) while the simulator serves."""
    out = io.StringIO()
    code = await asyncio.to_thread(cli.main, argv, out, io.StringIO(stdin))
    return code, out.getvalue()


@pytest.fixture
async def logged_in(sim: GizwitsSimulator, tmp_path: Path) -> list[str]:
    """Common arguments after a successful login."""
    common = ["--base-url", sim.base_url, "--config-dir", str(tmp_path)]
    code, _ = await run_cli(
        ["login", *common, "--app-id", sim.app_id, "--username", USERNAME], stdin=PASSWORD + "\n"
    )
    assert code == 0
    return common


async def test_login_reads_the_password_and_saves_the_token_0600(
    sim: GizwitsSimulator, tmp_path: Path, alice_uid: str
) -> None:
    code, out = await run_cli(
        [
            "login",
            "--base-url",
            sim.base_url,
            "--config-dir",
            str(tmp_path),
            "--app-id",
            sim.app_id,
            "--username",
            USERNAME,
        ],
        stdin=PASSWORD + "\n",
    )
    assert code == 0
    assert f"logged in as {USERNAME} (uid {alice_uid})" in out
    assert sim.requests_to("POST", "/app/login")[0].body == {
        "username": USERNAME,
        "password": PASSWORD,
    }
    tokens = tmp_path / "tokens.json"
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "profile.json").stat().st_mode) == 0o600
    assert PASSWORD not in tokens.read_text() + (tmp_path / "profile.json").read_text()
    assert PASSWORD not in out


def test_password_prompt_does_not_echo_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return "from-the-terminal"

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    assert cli.read_password(Terminal()) == "from-the-terminal"
    assert prompts == ["Password: "]
    assert cli.read_password(io.StringIO("piped\n")) == "piped"


async def test_login_with_a_wrong_password_prints_one_line_and_exits_1(
    sim: GizwitsSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = await run_cli(
        [
            "login",
            "--base-url",
            sim.base_url,
            "--config-dir",
            str(tmp_path),
            "--app-id",
            sim.app_id,
            "--username",
            USERNAME,
        ],
        stdin="wrong-password\n",
    )
    err = capsys.readouterr().err
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("gizwits-async: error: POST /app/login: HTTP 400 error_code=9020")
    assert "Traceback" not in err


async def test_devices_prints_a_table_of_bindings(
    sim: GizwitsSimulator, alice_uid: str, logged_in: list[str]
) -> None:
    online = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    offline = sim.add_device(PRODUCT_KEY, owner=alice_uid, online=False)
    code, out = await run_cli(["devices", *logged_in])
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["DID", "ALIAS", "PRODUCT", "ONLINE", "ROLE"]
    assert lines[1].split()[0] == online
    assert lines[1].split()[3:] == ["yes", "special"]
    assert lines[2].split()[0] == offline
    assert lines[2].split()[3] == "no"
    assert lines[-1] == "2 device(s)"
    # The saved token was used: one login in all.
    assert sim.count("POST", "/app/login") == 1


async def test_control_then_latest(
    sim: GizwitsSimulator, alice_uid: str, logged_in: list[str]
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    code, out = await run_cli(["control", *logged_in, did, "switch=true", "level=3", "name=hall"])
    assert code == 0
    assert sim.requests_to("POST", f"/app/control/{did}")[0].body == {
        "attrs": {"switch": True, "level": 3, "name": "hall"}
    }
    code, out = await run_cli(["latest", *logged_in, did])
    assert code == 0
    assert "  switch = true" in out
    assert "  level = 3" in out
    assert '  name = "hall"' in out


async def test_latest_of_a_silent_device_says_so(
    sim: GizwitsSimulator, alice_uid: str, logged_in: list[str]
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    code, out = await run_cli(["latest", *logged_in, did])
    assert code == 0
    assert out.strip() == f"{did}: no report in the last 24 hours"


async def test_watch_prints_changes_between_polls(
    sim: GizwitsSimulator, alice_uid: str, logged_in: list[str]
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": False, "level": 1})
    task = asyncio.create_task(
        run_cli(["watch", *logged_in, did, "--interval", "0.2", "--count", "3"])
    )
    for _ in range(500):
        if sim.count("GET", ".*/latest"):
            break
        await asyncio.sleep(0.01)
    sim.state.report(did, {"level": 2})
    code, out = await task
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith(f"{did} switch=false level=1")
    assert lines[1].endswith(f"{did} level=2")
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["control", "d1", "novalue"], "argument name=value: expected name=value, got 'novalue'"),
        (["control", "d1", "=3"], "argument name=value: expected name=value, got '=3'"),
        (["control", "d1", "LED_R=1", "LED_R=2"], "argument name=value: LED_R is given twice"),
        (["latest", "bad/did"], "argument DID: DID 'bad/did' contains characters not allowed"),
    ],
)
async def test_bad_account_arguments_exit_2_with_the_subcommand_usage(
    sim: GizwitsSimulator,
    argv: list[str],
    message: str,
    logged_in: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = len(sim.requests)
    with pytest.raises(SystemExit) as caught:
        await run_cli([argv[0], *logged_in, *argv[1:]])
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert err.startswith(f"usage: gizwits-async {argv[0]} ")
    assert f"gizwits-async {argv[0]}: error: {message}" in err
    assert len(sim.requests) == before  # refused before any request


async def test_commands_before_login_ask_for_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = await run_cli(["devices", "--config-dir", str(tmp_path)])
    assert code == 1
    assert "run 'gizwits-async login' first" in capsys.readouterr().err


async def test_a_damaged_profile_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "profile.json").write_text("{")
    code, _ = await run_cli(["devices", "--config-dir", str(tmp_path)])
    assert code == 1
    assert "damaged" in capsys.readouterr().err


async def test_an_expired_saved_token_asks_to_log_in_again(
    sim: GizwitsSimulator, logged_in: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = json.loads((tmp_path / "tokens.json").read_text())
    for entry in tokens.values():
        entry["expire_at"] = 1.0
    (tmp_path / "tokens.json").write_text(json.dumps(tokens))
    code, _ = await run_cli(["devices", *logged_in])
    assert code == 1
    assert "expired" in capsys.readouterr().err


def test_config_dir_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GIZWITS_ASYNC_CONFIG", str(tmp_path / "a"))
    assert cli.config_dir(None) == tmp_path / "a"
    monkeypatch.delenv("GIZWITS_ASYNC_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert cli.config_dir(None) == tmp_path / "xdg" / "gizwits-async"
    assert cli.config_dir(str(tmp_path / "b")) == tmp_path / "b"


@pytest.mark.parametrize(
    "argv",
    [
        ["watch", "d1", "--interval", "0"],
        ["watch", "d1", "--count", "0"],
        ["login", "--username", "x"],
        ["latest"],
        ["devices", "--region", "mars"],
    ],
)
def test_bad_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(argv)
    assert caught.value.code == 2
    assert "error" in capsys.readouterr().err


async def test_export_raw_writes_json_lines_in_time_order(
    sim: GizwitsSimulator,
    alice_uid: str,
    logged_in: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    base = int(sim.clock.now()) - 3 * 86400  # whole seconds: ISO text keeps microseconds only
    sim.state.add_raw_log(
        did,
        [
            {"type": "dev2app", "ip": "1.2.3.4", "payload_bin": f"{n:02x}", "timestamp": base + n}
            for n in range(50)
        ],
    )
    since = datetime.fromtimestamp(base, UTC).isoformat()
    until = datetime.fromtimestamp(base + 3 * 86400 - 60, UTC).isoformat()
    code, out = await run_cli(["export-raw", *logged_in, did, "--since", since, "--until", until])
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["payload_bin"] for row in rows] == [f"{n:02x}" for n in range(50)]
    assert rows[0] == {
        "timestamp": datetime.fromtimestamp(base, UTC).isoformat(),
        "type": "dev2app",
        "ip": "1.2.3.4",
        "payload_bin": "00",
        "source": "",
        "uid": "",
        "appid": "",
    }
    assert "exported 50 entries to standard output" in capsys.readouterr().err


async def test_export_raw_writes_a_csv_file(
    sim: GizwitsSimulator, alice_uid: str, logged_in: list[str], tmp_path: Path
) -> None:
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    since = datetime.fromtimestamp(sim.clock.now() - 60, UTC).isoformat()
    sim.state.control_device(did, attrs={"switch": True}, uid=alice_uid)
    until = datetime.fromtimestamp(sim.clock.now() + 60, UTC).isoformat()
    output = tmp_path / "raw.csv"
    code, _ = await run_cli(
        [
            "export-raw",
            *logged_in,
            did,
            "--since",
            since,
            "--until",
            until,
            "--format",
            "csv",
            "--output",
            str(output),
        ]
    )
    assert code == 0
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["type"] for row in rows] == ["app2dev", "dev2app"]
    assert rows[0]["uid"] == alice_uid
    assert rows[0]["source"] == "client"


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        (
            "yesterday",
            "2026-11-25T00:00:00Z",
            "argument --since: expected an ISO 8601 time, got 'yesterday'",
        ),
        ("2026-11-25T00:00:00Z", "2026-11-24T00:00:00Z", "argument --until: must be after --since"),
    ],
)
async def test_export_raw_refuses_bad_times_in_one_line(
    logged_in: list[str],
    since: str,
    until: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        await run_cli(["export-raw", *logged_in, "did1", "--since", since, "--until", until])
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert err.splitlines()[-1] == f"gizwits-async export-raw: error: {message}"


def test_progress_bar_draws_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "PROGRESS_INTERVAL", 0.0)
    terminal = Terminal()
    progress = cli.Progress(terminal, start=0.0, end=100.0)
    progress.update(50.0)
    progress.finish("raw.csv")
    text = terminal.getvalue()
    assert "\r[###############...............]  50% 1 entries" in text
    assert text.endswith("exported 1 entries to raw.csv\n")
    piped = io.StringIO()
    quiet = cli.Progress(piped, start=0.0, end=100.0)
    quiet.update(50.0)
    quiet.finish("-")
    assert piped.getvalue() == "exported 1 entries to -\n"
