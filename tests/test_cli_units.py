"""The command line's parts, in-process: timeouts counted, hints, widths, progress, serve."""

from __future__ import annotations

import asyncio
import functools
import io
import socket
from pathlib import Path

import pytest
from multidict import CIMultiDict

from gizwits_async import (
    GizwitsAPIError,
    GizwitsClient,
    GizwitsConnectionError,
    GizwitsInvalidCredentialsError,
    GizwitsNotFoundError,
    GizwitsRateLimitError,
    GizwitsTimeoutError,
    cli,
)
from gizwits_async.resources._raw_data import MAX_WINDOW
from gizwits_async.simulator import GizwitsSimulator, RecordedRequest
from tests.conftest import PASSWORD, PRODUCT_KEY, USERNAME


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def run_cli(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = await asyncio.to_thread(cli.main, argv, out, io.StringIO(stdin))
    return code, out.getvalue()


async def test_a_login_that_never_gets_an_answer_says_how_many_attempts_over_how_long(
    sim: GizwitsSimulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Short timeouts, so that the test does not wait the CLI's real 60 s.
    monkeypatch.setattr(
        cli,
        "GizwitsClient",
        functools.partial(GizwitsClient, request_timeout=0.2, total_timeout=1.5),
    )
    sim.faults.add(method="POST", path="/app/login", delay=5, times=None)
    code, _ = await run_cli(
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
    [line] = capsys.readouterr().err.splitlines()
    attempts = sim.count("POST", "/app/login")
    assert code == 1
    assert attempts >= 2  # a login is safe to repeat: the transport tried again
    assert line.startswith("gizwits-async: error: POST /app/login: ")
    assert f"gave up after {attempts} attempts over " in line
    assert not (tmp_path / "profile.json").exists()


def test_the_login_help_states_the_retry_budget() -> None:
    parsers = cli.Parsers()
    cli.build_parser(parsers)
    text = " ".join(parsers["login"].format_help().split())
    assert "a login is safe to repeat: it is tried up to 4 times, 60 s at most in all" in text


async def test_an_empty_password_is_refused_with_status_2(
    sim: GizwitsSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = await run_cli(
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
        stdin="\n",
    )
    assert code == 2
    assert capsys.readouterr().err == "gizwits-async: error: no password given\n"
    assert sim.count("POST", "/app/login") == 0


@pytest.mark.parametrize(
    ("error", "hint"),
    [
        (GizwitsInvalidCredentialsError(400, 9020, "password wrong"), "check the username"),
        (GizwitsRateLimitError(429, 9041, "throttled", retry_after=30.0), "wait 30 s"),
        (GizwitsNotFoundError(404, 9014, "did not found"), "'gizwits-async devices' lists"),
        (GizwitsConnectionError("GET /app/bindings: cannot connect"), "check --base-url"),
        (GizwitsTimeoutError("GET /x: no response"), ""),
        (GizwitsAPIError(400, 9999, "other"), ""),
    ],
)
def test_hints_say_what_to_do(error: Exception, hint: str) -> None:
    assert hint in cli._hint(error)
    if not hint:
        assert cli._hint(error) == ""


def test_an_unexpected_error_is_one_line_without_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def broken(out: object, *, devices: int) -> int:
        raise LookupError("a bug")

    monkeypatch.setattr(cli, "demo", broken)
    assert cli.main(["demo"]) == 1
    assert capsys.readouterr().err == (
        "gizwits-async: error: unexpected LookupError: a bug (run with --debug for the traceback)\n"
    )
    with pytest.raises(LookupError):
        cli.main(["demo", "--debug"])


def test_serve_options_are_for_serve_only(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["--base-url", "http://127.0.0.1:1", "serve"])
    assert caught.value.code == 2
    assert "are for the account commands" in capsys.readouterr().err


def test_export_output_must_be_a_file_in_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for output in (tmp_path, tmp_path / "missing" / "raw.csv"):
        with pytest.raises(SystemExit) as caught:
            cli.main(
                [
                    "export-raw",
                    "did1",
                    "--since",
                    "2026-11-24",
                    "--until",
                    "2026-11-25",
                    "--output",
                    str(output),
                    "--config-dir",
                    str(tmp_path),
                ]
            )
        assert caught.value.code == 2
        assert f"argument --output: {output} is not a file in a folder" in capsys.readouterr().err


async def test_the_devices_table_lines_up_cjk_aliases(
    sim: GizwitsSimulator, alice_uid: str, tmp_path: Path
) -> None:
    common = ["--base-url", sim.base_url, "--config-dir", str(tmp_path)]
    code, _ = await run_cli(
        ["login", *common, "--app-id", sim.app_id, "--username", USERNAME], PASSWORD + "\n"
    )
    assert code == 0
    for alias in ("客厅灯", "hall", "Küche"):
        did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
        sim.state.binding(alice_uid, did).dev_alias = alias  # type: ignore[union-attr]
    code, out = await run_cli(["devices", *common])
    assert code == 0
    header, *rows = out.splitlines()[:4]
    # The ONLINE column starts at the same screen column on every line.
    starts = [cli.display_width(header[: header.index("ONLINE")])]
    starts += [cli.display_width(row[: row.rindex(" yes ") + 1]) for row in rows]
    assert len(set(starts)) == 1
    assert cli.display_width("客厅灯") == 6
    assert cli.display_width("e\u0301") == 1


def test_the_progress_bar_moves_with_time_covered_without_entries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli, "PROGRESS_INTERVAL", 0.0)
    terminal = Terminal()
    progress = cli.Progress(terminal, start=0.0, end=100.0)
    progress.covered(40.0)
    assert terminal.getvalue().endswith("\r[############..................]  40% 0 entries")
    progress.covered(20.0)  # never backwards
    assert terminal.getvalue().endswith(" 40% 0 entries")
    progress.end_line()
    assert terminal.getvalue().endswith("\n")


def test_a_long_range_is_read_in_the_apis_windows() -> None:
    window = MAX_WINDOW
    assert cli._chunks(0.0, 10.0) == [(0.0, 10.0)]
    assert cli._chunks(0.0, window * 2 + 5) == [
        (0.0, window),
        (window, window * 2),
        (window * 2, window * 2 + 5),
    ]


def test_sim_request_reprs_hide_passwords_tokens_and_codes() -> None:
    request = RecordedRequest(
        method="POST",
        path="/app/sharing/code/c0de",
        query={"sms_code": "123456"},
        headers=CIMultiDict({"X-Gizwits-User-token": "t0ken"}),
        body={"username": "alice", "password": PASSWORD, "token": "t0ken"},
        raw_body=b"{}",
        time=0.0,
    )
    for text in (repr(request), request.describe(200)):
        assert PASSWORD not in text
        assert "t0ken" not in text
        assert "c0de" not in text
        assert "123456" not in text
        assert "alice" in text
    assert request.describe(200).startswith("POST /app/sharing/code/**REDACTED**?sms_code=")


async def test_serve_refuses_an_address_it_cannot_listen_on() -> None:
    with pytest.raises(cli.CliError, match=r"cannot listen on 192\.0\.2\.1 port 0"):
        await cli.serve(0, 1, io.StringIO(), host="192.0.2.1")


async def test_serve_prints_reset_mails_as_they_are_sent() -> None:
    out = io.StringIO()
    stop = asyncio.Event()
    task = asyncio.create_task(cli.serve(0, 1, out, stop, seed=3))
    for _ in range(500):
        if "Press Ctrl-C" in out.getvalue():
            break
        await asyncio.sleep(0.01)
    url = out.getvalue().split("listening on ")[1].split()[0]
    app_id = out.getvalue().split("app id:")[1].split()[0]
    async with GizwitsClient(app_id, base_url=url, username="demo", password="Demo-pass-123") as c:
        await c.users.update(email="demo@example.com")
        await c.users.reset_password(email="demo@example.com")
    stop.set()
    await task
    assert "mail to demo@example.com: http" in out.getvalue()


def test_a_port_in_use_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 1
    assert f"port {port} on 127.0.0.1 is already in use" in capsys.readouterr().err
