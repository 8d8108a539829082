"""The installed ``gizwits-async`` console script, run as a user runs it: in a subprocess.

Each test starts the real script against a simulator serving on 127.0.0.1 in the test's own
event loop, and checks the exit status, stdout, stderr and the files before and after. Ctrl-C
goes through a pseudo-terminal (the script is the session leader of its own pty, so the
terminal turns ``\\x03`` into SIGINT, as a shell's terminal does).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import pty
import select
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from gizwits_async import cli
from gizwits_async.errors import ErrorCode
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PASSWORD, PRODUCT_KEY, USERNAME

SCRIPT = Path(sys.executable).with_name("gizwits-async")
RAW_PATH = r"/app/devices/[^/]+/raw_data"


@attrs.frozen
class Result:
    code: int
    out: str
    err: str


def script_env(config: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["GIZWITS_ASYNC_CONFIG"] = str(config)
    env.pop("COLUMNS", None)
    return env


async def run(argv: list[str], config: Path, stdin: str = "", timeout: float = 60) -> Result:
    process = await asyncio.create_subprocess_exec(
        str(SCRIPT),
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=script_env(config),
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout)
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


# The child makes the pty its controlling terminal (setsid, then open it by name), so that
# ^C typed on it is a SIGINT to the script, and getpass reads /dev/tty from it.
_SESSION_LEADER = (
    "import os, sys; os.setsid(); name = os.ttyname(0); os.close(os.open(name, os.O_RDWR)); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


class Terminal:
    """The script on a pseudo-terminal: read what it shows, type keys."""

    def __init__(self, argv: list[str], config: Path) -> None:
        self.master, slave = pty.openpty()
        self.process = __import__("subprocess").Popen(
            [sys.executable, "-c", _SESSION_LEADER, str(SCRIPT), *argv],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=script_env(config),
            close_fds=True,
        )
        os.close(slave)
        self.screen = ""

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            with contextlib.suppress(OSError):  # EIO once the script has exited
                self.screen += os.read(self.master, 65536).decode(errors="replace")

    async def expect(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            assert time.monotonic() < deadline, f"{text!r} not shown; screen: {self.screen!r}"
            await asyncio.to_thread(self._read, 0.05)

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    async def exit_code(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            assert time.monotonic() < deadline, f"still running; screen: {self.screen!r}"
            await asyncio.to_thread(self._read, 0.05)
        await asyncio.to_thread(self._read, 0.05)
        os.close(self.master)
        code: int = self.process.returncode
        return code


@pytest.fixture
async def logged_in(sim: GizwitsSimulator, tmp_path: Path) -> Path:
    """The config folder after a successful login. The login runs the command line in this
    process (in a thread, beside the simulator): these tests are about the processes that
    come after it, and a subprocess costs a second each; tests/test_cli_account.py checks
    the login itself."""
    argv = ["login", "--base-url", sim.base_url, "--config-dir", str(tmp_path)]
    argv += ["--app-id", sim.app_id, "--username", USERNAME]
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = await asyncio.to_thread(cli.main, argv, io.StringIO(), io.StringIO(PASSWORD + "\n"))
    assert code == 0, err.getvalue()
    return tmp_path


@pytest.fixture
def did(sim: GizwitsSimulator, alice_uid: str) -> str:
    return sim.add_device(PRODUCT_KEY, owner=alice_uid, attrs={"switch": False})


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat()


def hang_after_first_raw_page(sim: GizwitsSimulator, **fault: object) -> None:
    """The first raw-data request is answered; every later one gets ``fault``."""
    sim.faults.add(method="GET", path=RAW_PATH, after_handler=True)  # passes the answer on
    sim.faults.add(method="GET", path=RAW_PATH, times=None, **fault)  # type: ignore[arg-type]


def raw_log(sim: GizwitsSimulator, did: str, count: int) -> tuple[str, str]:
    """``count`` entries in the first of two 48-hour windows; the --since/--until to ask."""
    base = int(sim.clock.now()) - 4 * 86400
    sim.state.add_raw_log(
        did,
        [
            {"type": "dev2app", "payload_bin": f"{n:04x}", "timestamp": base + n}
            for n in range(count)
        ],
    )
    return iso(base), iso(base + 3 * 86400)


# -- Ctrl-C ------------------------------------------------------------------------------------


async def test_ctrl_c_at_the_password_prompt_exits_130_at_once(
    sim: GizwitsSimulator, tmp_path: Path
) -> None:
    terminal = Terminal(
        ["login", "--base-url", sim.base_url, "--app-id", sim.app_id, "--username", USERNAME],
        tmp_path,
    )
    await terminal.expect("Password: ")
    terminal.type(b"\x03")
    assert await terminal.exit_code() == 130
    assert "gizwits-async: interrupted" in terminal.screen
    assert "Traceback" not in terminal.screen
    assert sim.count("POST", "/app/login") == 0
    assert not (tmp_path / "profile.json").exists()


async def test_ctrl_c_during_export_leaves_the_file_and_says_what_was_written(
    sim: GizwitsSimulator, did: str, logged_in: Path
) -> None:
    since, until = raw_log(sim, did, 300)
    hang_after_first_raw_page(sim, delay=60)
    target = logged_in / "raw.jsonl"
    target.write_text("the previous export\n")
    terminal = Terminal(
        ["export-raw", did, "--since", since, "--until", until, "--output", str(target)],
        logged_in,
    )
    for _ in range(3000):  # the first window is written; the second request hangs
        if sim.count("GET", RAW_PATH) == 2:
            break
        await asyncio.sleep(0.01)
    terminal.type(b"\x03")
    assert await terminal.exit_code() == 130
    assert target.read_text() == "the previous export\n"
    partial = logged_in / "raw.jsonl.partial"
    assert [json.loads(line)["payload_bin"] for line in partial.read_text().splitlines()] == [
        f"{n:04x}" for n in range(300)
    ]
    message = f"gizwits-async: interrupted; 300 entries were written to {partial}; "
    assert message + f"{target} is unchanged" in terminal.screen
    assert not [name for name in names(logged_in) if name.endswith(".tmp")]


# -- exports never lose a file -----------------------------------------------------------------


async def test_a_failed_export_leaves_the_file_untouched_and_exits_1(
    sim: GizwitsSimulator, did: str, logged_in: Path
) -> None:
    since, until = raw_log(sim, did, 120)
    hang_after_first_raw_page(sim, status=403, error_code=ErrorCode.DEVICE_NOT_BOUND)
    target = logged_in / "raw.csv"
    target.write_text("keep me\n")
    target.chmod(0o640)
    result = await run(
        [
            *("export-raw", did, "--since", since, "--until", until),
            *("--format", "csv", "--output", str(target)),
        ],
        logged_in,
    )
    assert result.code == 1
    assert target.read_text() == "keep me\n"
    partial = logged_in / "raw.csv.partial"
    assert len(partial.read_text().splitlines()) == 121  # the header and the first window
    [line] = result.err.splitlines()
    assert line.startswith(f"gizwits-async: error: GET /app/devices/{did}/raw_data: HTTP 403 ")
    assert "error_code=9017" in line
    assert line.endswith(f"120 entries were written to {partial}; {target} is unchanged")


async def test_a_complete_export_replaces_the_file_keeping_its_mode(
    sim: GizwitsSimulator, did: str, logged_in: Path
) -> None:
    since, until = raw_log(sim, did, 40)
    target = logged_in / "raw.jsonl"
    target.write_text("old\n")
    target.chmod(0o640)
    result = await run(
        ["export-raw", did, "--since", since, "--until", until, "--output", str(target)], logged_in
    )
    assert result.code == 0, result.err
    assert len(target.read_text().splitlines()) == 40
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)
    assert result.err == f"exported 40 entries to {target}\n"
    # tokens.json.lock is the token store's side lock file (kept: removing a lock file races).
    assert names(logged_in) == [
        "profile.json",
        "raw.jsonl",
        "tokens.json",
        "tokens.json.lock",
    ]


async def test_an_export_before_login_leaves_an_existing_file_alone(tmp_path: Path) -> None:
    target = tmp_path / "raw.jsonl"
    target.write_text("precious\n")
    result = await run(
        [
            *("export-raw", "did1", "--since", "2026-11-24T00:00Z"),
            *("--until", "2026-11-25T00:00Z", "--output", str(target)),
        ],
        tmp_path,
    )
    assert result.code == 1
    assert result.err == "gizwits-async: error: not logged in: run 'gizwits-async login' first\n"
    assert target.read_text() == "precious\n"
    assert names(tmp_path) == ["raw.jsonl"]


async def test_a_closed_pipe_ends_the_export_quietly(
    sim: GizwitsSimulator, did: str, logged_in: Path
) -> None:
    since, until = raw_log(sim, did, 3000)  # far more than a pipe buffer holds
    process = await asyncio.create_subprocess_exec(
        str(SCRIPT),
        "export-raw",
        did,
        "--since",
        since,
        "--until",
        until,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=script_env(logged_in),
    )
    assert process.stdout is not None
    assert process.stderr is not None
    first = await process.stdout.readline()  # what `| head -1` reads before it exits
    assert json.loads(first)["payload_bin"] == "0000"
    transport = process._transport  # type: ignore[attr-defined]
    transport.get_pipe_transport(1).close()
    err = await asyncio.wait_for(process.stderr.read(), 60)
    assert await process.wait() == 141
    assert err == b""


# -- exit status tells the truth ---------------------------------------------------------------


async def test_watch_exits_1_when_every_poll_failed(sim: GizwitsSimulator, logged_in: Path) -> None:
    result = await run(
        ["watch", "NoSuchDevice0000000000", "--interval", "0.1", "--count", "2"], logged_in
    )
    assert result.code == 1
    assert result.out.count("NoSuchDevice0000000000 error:") == 2
    assert result.err.splitlines()[-1] == (
        "gizwits-async: error: every one of 2 polls failed for NoSuchDevice0000000000"
    )


async def test_a_revoked_token_says_to_log_in_again(sim: GizwitsSimulator, logged_in: Path) -> None:
    sim.state.tokens.clear()  # the cloud forgot every token
    result = await run(["devices"], logged_in)
    assert result.code == 1
    [line] = result.err.splitlines()
    assert line.endswith("the saved token was refused: run 'gizwits-async login' again")


async def test_a_refused_control_names_the_attribute(
    sim: GizwitsSimulator, alice_uid: str, logged_in: Path
) -> None:
    sim.add_product(
        "pk-lamp",
        product_secret="0" * 32,
        datapoints={
            "entities": [
                {
                    "attrs": [
                        {"name": "switch", "type": "status_writable", "data_type": "bool", "id": 0}
                    ]
                }
            ]
        },
    )
    lamp = sim.add_device("pk-lamp", owner=alice_uid, attrs={"switch": False})
    result = await run(["control", lamp, "switch=True"], logged_in)
    assert result.code == 1
    [line] = result.err.splitlines()
    assert "9025" in line
    assert "'switch'" in line
    assert sim.device(lamp).attrs["switch"] is False


# -- arguments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["watch", "d1", "--interval", "nan"], "argument --interval: must be between 0.1 and"),
        (["watch", "d1", "--interval", "inf"], "argument --interval: must be between 0.1 and"),
        (["watch", "d1", "--interval", "1e-9"], "argument --interval: must be between 0.1 and"),
        (["watch", "d1", "--count", "0"], "argument --count: must be between 1 and 1000000"),
        (["control", "d1", "LED_R=1", "LED_R=2"], "argument name=value: LED_R is given twice"),
        (["devices", "--base-url", ""], "argument --base-url: must be an http:// or https:// URL"),
        (["--base-url", "", "devices"], "argument --base-url: must be an http:// or https:// URL"),
        (["serve", "--port", "65536"], "argument --port: must be between 0 and 65535"),
        (["demo", "--devices", "3"], "argument --devices: must be between 12 and 100000"),
        (["devices", "--region", "cn", "--base-url", "http://x"], "give --base-url or --region"),
    ],
)
async def test_bad_arguments_exit_2_naming_them_before_any_request(
    sim: GizwitsSimulator, logged_in: Path, argv: list[str], message: str
) -> None:
    before = len(sim.requests)
    result = await run(argv, logged_in)
    assert result.code == 2
    # An option before the subcommand is the top-level parser's; after it, the subcommand's.
    usage = (
        "usage: gizwits-async [-h]"
        if argv[0].startswith("-")
        else f"usage: gizwits-async {argv[0]} "
    )
    assert result.err.startswith(usage)
    assert message in result.err.splitlines()[-1]
    assert "Traceback" not in result.err
    assert len(sim.requests) == before


async def test_global_options_go_before_or_after_the_subcommand(
    sim: GizwitsSimulator, did: str, logged_in: Path
) -> None:
    after = await run(["latest", did, "--base-url", sim.base_url, "--debug"], logged_in)
    before = await run(["--debug", "--base-url", sim.base_url, "latest", did], logged_in)
    assert after.code == before.code == 0
    assert after.out == before.out
    assert f"GET /app/devdata/{did}/latest -> 200" in after.err  # --debug logs the requests
    assert PASSWORD not in after.err


async def test_help_shows_the_defaults(tmp_path: Path) -> None:
    result = await run(["watch", "--help"], tmp_path)
    assert result.code == 0
    assert "seconds between polls (default: 5.0)" in " ".join(result.out.split())


async def test_python_dash_m_runs_the_command(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gizwits_async", "--version", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    assert out.decode().startswith("gizwits-async 0.")


# -- serve -------------------------------------------------------------------------------------


class Served:
    """``gizwits-async serve`` in a subprocess, its output read line by line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def line_with(self, text: str, timeout: float = 30) -> str:
        assert self.process.stdout is not None
        for line in self.lines:
            if text in line:
                return line
        async with asyncio.timeout(timeout):
            while True:
                line = (await self.process.stdout.readline()).decode()
                assert line, f"serve ended; printed {self.lines}"
                self.lines.append(line.rstrip("\n"))
                if text in line:
                    return line.rstrip("\n")

    def value(self, label: str) -> str:
        [line] = [line for line in self.lines if line.strip().startswith(label)]
        return line.split(":", 1)[1].strip()

    async def stop(self) -> int:
        self.process.send_signal(2)
        return await asyncio.wait_for(self.process.wait(), 30)


@contextlib.asynccontextmanager
async def serving(*argv: str) -> contextlib.AsyncIterator[Served]:  # type: ignore[name-defined]
    process = await asyncio.create_subprocess_exec(
        str(SCRIPT),
        "serve",
        "--port",
        "0",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    served = Served(process)
    try:
        await served.line_with("Press Ctrl-C")
        yield served
    finally:
        if process.returncode is None:
            await served.stop()


async def test_serve_with_a_seed_gives_the_same_ids_on_every_start() -> None:
    starts = []
    for _ in range(2):
        async with serving("--seed", "7", "--devices", "2") as served:
            starts.append([line for line in served.lines if "listening on" not in line])
    assert starts[0] == starts[1]
    async with serving("--seed", "8", "--devices", "2") as served:
        other = [line for line in served.lines if "listening on" not in line]
    assert other != starts[0]
    assert len([line for line in starts[0] if "unbound:" in line]) == 3


async def test_serve_logs_each_request_with_secrets_hidden_and_prints_codes(
    tmp_path: Path,
) -> None:
    async with serving("--log", "--host", "127.0.0.1") as served:
        base_url = (await served.line_with("listening on")).split("listening on ")[1]
        app_id = served.value("app id")
        result = await run(
            ["login", "--base-url", base_url, "--app-id", app_id, "--username", "demo"],
            tmp_path,
            stdin="Demo-pass-123\n",
        )
        assert result.code == 0, result.err
        line = await served.line_with("POST /app/login")
        assert '"password":"**REDACTED**"' in line
        assert line.split()[1:4] == ["POST", "/app/login", "->"]
        from gizwits_async import GizwitsClient  # noqa: PLC0415

        async with GizwitsClient(
            app_id, base_url=base_url, app_secret=served.value("app secret")
        ) as client:
            await client.users.send_sms_code("13800138000")
        code_line = await served.line_with("SMS code ")
        assert code_line.endswith("sent to 13800138000")
        log = served.lines[served.lines.index(line) :]  # the banner shows the demo password
        assert "Demo-pass-123" not in "\n".join(log)
        assert await served.stop() == 130


async def test_serve_names_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = await run(["serve", "--port", str(port)], tmp_path)
    assert result.code == 1
    assert result.err == (
        f"gizwits-async: error: port {port} on 127.0.0.1 is already in use: "
        "choose another --port (0 picks a free one)\n"
    )
