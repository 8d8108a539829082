"""Every fenced code block of README.md, run.

Python blocks run against a simulator: the test substitutes the account placeholders
(``"your-app-id"``, ``region="eu"``, ``"you@example.com"``, ``"your-password"``,
``"your-app-secret"``) with the simulator's, and provides the names a fragment takes from the
text around it (``client``, ``did``, ``dids``, ...). Shell blocks run the same command
in-process (``cli.main``, an example's ``main``); ``make`` lines are checked against the
Makefile instead of run. ``test_every_block_is_run_by_a_test`` fails when a block has no test.
"""

from __future__ import annotations

import ast
import asyncio
import csv
import inspect
import io
import json
import logging
import re
import shlex
import signal
import stat
import sys
import tomllib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import CodeType
from typing import Any, TypeVar

import aiohttp
import attrs
import pytest

import gizwits_async.simulator.ids
from benchmarks import run_all
from benchmarks._common import Row
from examples import bulk_poller, ha_coordinator, web_backend
from gizwits_async import (
    GizwitsClient,
    SceneRunStatus,
    SceneTask,
)
from gizwits_async import cli as gizwits_cli
from gizwits_async.errors import error_class_for
from gizwits_async.models.sharing import SharingDirection
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.demo import DemoAccount
from tests.conftest import SleepRecorder
from tests.redis_server import redis_server, redis_url

__all__ = ["redis_server", "redis_url"]  # fixtures

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

F = TypeVar("F", bound=Callable[..., Any])


@attrs.frozen
class Block:
    section: str
    index: int
    language: str
    code: str
    line: int


def read_blocks(text: str) -> dict[tuple[str, int], Block]:
    """The fenced blocks, keyed by the heading above them and their rank under it."""
    blocks: dict[tuple[str, int], Block] = {}
    section = ""
    counts: dict[str, int] = {}
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        line = lines[number]
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        elif line.startswith("```"):
            language = line[3:].strip()
            end = lines.index("```", number + 1)
            index = counts.get(section, 0)
            counts[section] = index + 1
            code = "\n".join(lines[number + 1 : end]) + "\n"
            blocks[section, index] = Block(section, index, language, code, number + 2)
            number = end
        number += 1
    return blocks


BLOCKS = read_blocks(README.read_text(encoding="utf-8"))
COVERED: set[tuple[str, int]] = set()


def runs(*keys: str | tuple[str, int]) -> Callable[[F], F]:
    """Mark a test as the one that runs these README blocks (a section name means its first)."""
    for key in keys:
        COVERED.add((key, 0) if isinstance(key, str) else key)

    def decorate(test: F) -> F:
        return test

    return decorate


def block(section: str, index: int = 0) -> Block:
    assert (section, index) in COVERED, "declare the block with @runs on the test"
    return BLOCKS[section, index]


def test_every_block_is_run_by_a_test() -> None:
    assert set(BLOCKS) == COVERED
    assert all(b.language in {"python", "sh"} for b in BLOCKS.values())


# -- running blocks ---------------------------------------------------------------------------


def account_placeholders(sim: GizwitsSimulator) -> dict[str, str]:
    demo = demo_of(sim)
    return {
        '"your-app-id"': repr(sim.app_id),
        'region="eu"': f"base_url={sim.base_url!r}",
        '"you@example.com"': repr(demo.username),
        '"your-password"': repr(demo.password),
        '"your-app-secret"': repr(sim.app_secret),
    }


def compile_block(code_block: Block, substitutions: Mapping[str, str] | None = None) -> CodeType:
    source = code_block.code
    for old, new in (substitutions or {}).items():
        source = source.replace(old, new)
    # No placeholder may survive: the block would reach the real cloud.
    assert "your-" not in source, f"README line {code_block.line}: unknown placeholder"
    if "GizwitsClient(" in code_block.code and "base_url=" not in code_block.code:
        assert 'region="eu"' in code_block.code, f"README line {code_block.line}: no region"
    code: CodeType = compile(
        source,
        f"README.md line {code_block.line}",
        "exec",
        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
    )
    return code


async def execute(
    code_block: Block,
    namespace: dict[str, Any],
    substitutions: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    code = compile_block(code_block, substitutions)
    result = eval(code, namespace)  # noqa: S307 - the README's own code
    if inspect.iscoroutine(result):
        await result
    return namespace


def shell_commands(code_block: Block) -> list[list[str]]:
    commands = []
    for line in code_block.code.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(words)
    return commands


def demo_of(sim: GizwitsSimulator) -> DemoAccount:
    assert sim.demo is not None
    return sim.demo


class Output(io.StringIO):
    """Captured output that can be awaited for a line."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker = marker
        self.seen = asyncio.Event()

    def write(self, text: str) -> int:
        if self.marker in text:
            self.seen.set()
        return super().write(text)


async def run_cli(argv: list[str], stdin: str = "") -> tuple[int, str]:
    """``cli.main`` in a thread (it runs its own event loop) while the simulator serves."""
    out = io.StringIO()
    code = await asyncio.to_thread(gizwits_cli.main, argv, out, io.StringIO(stdin))
    return code, out.getvalue()


# -- install and quick start -----------------------------------------------------------------


@runs("Install")
def test_install_names_the_checkout_its_extras_and_the_tested_pythons() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    commands = shell_commands(block("Install"))
    # From a checkout until the package is published.
    assert [command[:3] for command in commands] == [
        ["pip", "install", "."],
        ["pip", "install", ".[fast,redis]"],
    ]
    known = set(project["optional-dependencies"])
    for command in commands:
        extras = command[2].partition("[")[2].rstrip("]")
        assert set(filter(None, extras.split(","))) <= known
    section = README.read_text(encoding="utf-8").split("## Install")[1].split("\n## ")[0]
    assert f"`pip install {project['name']}`" in section
    assert "tested on 3.11,\n3.12 and 3.13" in section
    tested = {c.rsplit(" ", 1)[1] for c in project["classifiers"] if c.count("::") == 2}
    assert {"3.11", "3.12", "3.13"} <= tested
    assert "`python-backoff>=2.3`" in section
    assert "python-backoff>=2.3" in project["dependencies"]
    assert "gizwits-async" in project["scripts"]


PENDING_EXTRAS = {"redis"}


def makefile_rules() -> dict[str, tuple[list[str], list[str]]]:
    """target -> (prerequisites, recipe lines)."""
    rules: dict[str, tuple[list[str], list[str]]] = {}
    current: str | None = None
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith("\t") and current is not None:
            rules[current][1].append(line.strip())
            continue
        match = re.match(r"^([^\s:=#][^:=]*):(?!=)\s*(.*)$", line)
        current = match[1] if match else None
        if match:
            rules[match[1]] = (match[2].replace("|", " ").split(), [])
    return rules


@runs("Quick start")
async def test_make_demo_and_make_test_do_what_the_quick_start_says() -> None:
    commands = shell_commands(block("Quick start"))
    assert commands == [["make", "demo"], ["make", "test"]]
    rules = makefile_rules()
    demo_prerequisites, demo_recipe = rules["demo"]
    assert demo_recipe == ["$(BIN)/gizwits-async demo"]
    # It sets itself up: a venv with the cli extra, then the tour.
    assert demo_prerequisites == ["$(STAMP_CLI)"]
    assert any(".[cli]" in line for line in rules["$(STAMP_CLI)"][1])
    assert "$(BIN)/python" in rules["$(STAMP_CLI)"][0]
    assert any("-m venv" in line for line in rules["$(BIN)/python"][1])
    # "ruff, mypy --strict and the test suite with coverage"
    assert rules["test"][0] == ["lint", "typecheck", "pytest"]
    assert any("ruff check" in line for line in rules["lint"][1])
    assert any("ruff format --check" in line for line in rules["lint"][1])
    assert rules["typecheck"][1] == ["$(BIN)/mypy"]
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["strict"]
    assert any("coverage run -m pytest" in line for line in rules["pytest"][1])
    assert any("coverage report" in line for line in rules["pytest"][1])
    # What the demo target runs, in-process: a tour against the embedded simulator.
    code, out = await run_cli(["demo"])
    assert code == 0
    assert "embedded simulator" in out


@runs(("Quick start", 1), ("Quick start", 2))
async def test_the_ten_line_example_runs_against_gizwits_async_serve(
    capsys: pytest.CaptureFixture[str],
) -> None:
    [serve_line] = shell_commands(block("Quick start", 2))
    args = gizwits_cli.build_parser().parse_args(serve_line[1:])
    assert (serve_line[0], args.command, args.port, args.devices) == (
        "gizwits-async",
        "serve",
        8765,
        10,
    )
    out = Output("Press Ctrl-C")
    stop = asyncio.Event()
    # Port 0 rather than 8765: the test must not depend on a port being free.
    server = asyncio.create_task(gizwits_cli.serve(0, args.devices, out, stop))
    try:
        async with asyncio.timeout(10):
            await out.seen.wait()
        printed = out.getvalue()
        base_url = re.search(r"listening on (\S+)", printed)
        app_id = re.search(r"app id:\s+(\S+)", printed)
        user = re.search(r"user:\s+(\S+) / (\S+)", printed)
        assert base_url
        assert app_id
        assert user
        # The README's own words for using the served simulator are what serve prints.
        readme = README.read_text(encoding="utf-8")
        told = re.search(
            r'GizwitsClient\("([^"]+)", base_url="([^"]+)",\s*username="([^"]+)", '
            r'password="([^"]+)"\)',
            readme,
        )
        assert told is not None
        assert told[1] == app_id[1]
        assert told[2] == f"http://127.0.0.1:{args.port}"
        assert (told[3], told[4]) == (user[1], user[2])
        code = compile_block(
            block("Quick start", 1),
            {
                '"your-app-id", region="eu"': f"{app_id[1]!r}, base_url={base_url[1]!r}",
                '"you@example.com"': repr(user[1]),
                '"your-password"': repr(user[2]),
            },
        )
        capsys.readouterr()
        await asyncio.to_thread(exec, code, {"__name__": "__readme__"})
        first = capsys.readouterr().out.splitlines()
        await asyncio.to_thread(exec, code, {"__name__": "__readme__"})
        second = capsys.readouterr().out.splitlines()
    finally:
        stop.set()
        await server
    assert len(first) == len(second) == args.devices
    assert all("'switch': False" in line for line in first)
    assert all("'switch': True" in line for line in second)  # the first run switched them on


# -- authentication, session, errors, retries, rate limits, timeouts --------------------------


@runs("Authentication and token persistence")
async def test_token_persistence_block_saves_the_token_0600(
    gizwits_simulator: GizwitsSimulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    namespace = await execute(
        block("Authentication and token persistence"),
        {},
        account_placeholders(gizwits_simulator),
    )
    client: GizwitsClient = namespace["client"]
    try:
        await client.devices.latest(demo_of(gizwits_simulator).dids[0])
    finally:
        await client.close()
    tokens = tmp_path / ".config" / "gizwits" / "tokens.json"
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    [saved] = json.loads(tokens.read_text()).values()
    assert saved["uid"] == demo_of(gizwits_simulator).uid
    assert capsys.readouterr().out.startswith("new token until ")


@runs("Your own session")
async def test_own_session_block_leaves_the_session_to_its_owner(
    gizwits_simulator: GizwitsSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    closes: list[aiohttp.ClientSession] = []
    real_close = aiohttp.ClientSession.close

    async def counting_close(self: aiohttp.ClientSession) -> None:
        closes.append(self)
        await real_close(self)

    monkeypatch.setattr(aiohttp.ClientSession, "close", counting_close)
    did = demo_of(gizwits_simulator).dids[0]
    namespace = await execute(
        block("Your own session"), {"did": did}, account_placeholders(gizwits_simulator)
    )
    assert namespace["status"].did == did
    assert namespace["client"].closed
    # Closed once, by its own `async with`: the client left it alone.
    assert closes == [namespace["session"]]


@runs("Errors")
@pytest.mark.parametrize(
    ("situation", "printed"),
    [
        ("offline", "the device is offline; try again when it is back"),
        ("unknown", "no such device"),
        ("not bound", "refused: 401 9017 device not bound!"),
    ],
)
async def test_errors_block_tells_the_cases_apart(
    gizwits_simulator: GizwitsSimulator,
    gizwits_client: GizwitsClient,
    capsys: pytest.CaptureFixture[str],
    situation: str,
    printed: str,
) -> None:
    did = demo_of(gizwits_simulator).dids[0]
    if situation == "offline":
        gizwits_simulator.state.set_online(did, online=False)
    elif situation == "unknown":
        did = "NoSuchDevice0000000000"
    else:
        gizwits_simulator.state.unbind(demo_of(gizwits_simulator).uid, did)
    await execute(block("Errors"), {"client": gizwits_client, "did": did})
    assert capsys.readouterr().out == printed + "\n"


@runs("Retries and idempotency")
async def test_an_idempotent_control_is_resent_after_a_5xx(
    gizwits_simulator: GizwitsSimulator, gizwits_client: GizwitsClient, sleeps: SleepRecorder
) -> None:
    did = demo_of(gizwits_simulator).dids[0]
    gizwits_simulator.faults.add(
        method="POST", path=f"/app/control/{did}", status=502, after_handler=True
    )
    await execute(block("Retries and idempotency"), {"client": gizwits_client, "did": did})
    assert gizwits_simulator.count("POST", f"/app/control/{did}") == 2
    assert len(sleeps.calls) == 1
    assert gizwits_simulator.device(did).attrs["LED_R"] == 120


@runs("Rate limits")
async def test_rate_limit_block_gets_the_wait_the_cloud_asked_for(
    gizwits_simulator: GizwitsSimulator, gizwits_client: GizwitsClient
) -> None:
    did = demo_of(gizwits_simulator).dids[0]
    gizwits_simulator.faults.add(
        method="GET", path=r"/app/devdata/.+/latest", error_code=9041, retry_after="300"
    )
    namespace = await execute(block("Rate limits"), {"client": gizwits_client, "did": did})
    assert namespace["next_poll_in"] == 300
    assert "status" not in namespace


@runs("Many processes, one account")
async def test_many_processes_block_shares_the_token_through_redis(
    gizwits_simulator: GizwitsSimulator, redis_url: str
) -> None:
    did = demo_of(gizwits_simulator).dids[0]
    substitutions = {
        **account_placeholders(gizwits_simulator),
        '"rediss://worker:your-redis-password@redis.example:6380/0"': repr(redis_url),
    }
    namespace = await execute(block("Many processes, one account"), {"did": did}, substitutions)
    assert namespace["status"].did == did
    assert namespace["client"].token is not None


@runs("Timeouts")
async def test_timeouts_block_sets_both_bounds(gizwits_simulator: GizwitsSimulator) -> None:
    namespace = await execute(
        # GizwitsClient: imported as in the blocks above.
        block("Timeouts"),
        {"GizwitsClient": GizwitsClient},
        account_placeholders(gizwits_simulator),
    )
    client: GizwitsClient = namespace["client"]
    try:
        assert client._transport.request_timeout == 5
        assert client._transport.total_timeout == 30
        await client.devices.latest(demo_of(gizwits_simulator).dids[0])
    finally:
        await client.close()


# -- pagination and fan-out --------------------------------------------------------------------


@runs("Pagination")
async def test_pagination_block_walks_every_device(
    gizwits_simulator: GizwitsSimulator, gizwits_client: GizwitsClient
) -> None:
    namespace = await execute(block("Pagination"), {"client": gizwits_client})
    dids = demo_of(gizwits_simulator).dids
    assert [device.did for device in namespace["devices"]] == dids
    assert [device.did for device in namespace["page"].items] == dids
    assert namespace["page"].next_skip is None
    assert gizwits_simulator.count("GET", "/app/bindings") == 3


@runs("Fan-out")
async def test_fan_out_block_reports_the_one_failure(
    gizwits_simulator: GizwitsSimulator,
    gizwits_client: GizwitsClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dids = demo_of(gizwits_simulator).dids
    for did in dids:
        gizwits_simulator.state.report(did, {"switch": True})
    gizwits_simulator.state.set_online(dids[1], online=False)
    await execute(block("Fan-out"), {"client": gizwits_client, "dids": dids})
    assert capsys.readouterr().out == f"{dids[1]} GizwitsDeviceOfflineError 9042\n"
    assert [gizwits_simulator.device(d).attrs["switch"] for d in dids] == [False, True, False]


# -- the area sections ------------------------------------------------------------------------


@runs("Users, verification codes and messages")
async def test_users_block_signs_up_by_phone(
    gizwits_simulator: GizwitsSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The block types the code it was texted; make the simulator text that one.
    monkeypatch.setattr(gizwits_async.simulator.ids, "randbelow", lambda _: 123456)
    # A share notice waiting for the new account, so that the block's loop has one to mark.
    state = gizwits_simulator.state
    add_user = state.add_user

    def add_user_with_a_notice(*args: Any, **kwargs: Any) -> Any:
        user = add_user(*args, **kwargs)
        state.add_message(user.uid, "bob shared a lamp with you")
        return user

    monkeypatch.setattr(state, "add_user", add_user_with_a_notice)
    namespace = await execute(
        block("Users, verification codes and messages"),
        {},
        account_placeholders(gizwits_simulator),
    )
    assert gizwits_simulator.sms_outbox[0]["phone"] == "13800138000"
    user = state.users[namespace["token"].uid]
    assert user.phone == "13800138000"
    assert user.profile == {"name": "Alice", "gender": "F", "birthday": "1990-05-17"}
    [notice] = [m for m in state.messages.values() if m.uid == user.uid]
    assert notice.status == 1  # marked read
    assert namespace["client"].closed


@runs("Sharing and groups")
async def test_sharing_block_shares_then_hands_the_device_over(
    gizwits_simulator: GizwitsSimulator,
    gizwits_client: GizwitsClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bob = gizwits_simulator.add_user("bob", "B0b-secret-pw")
    did = demo_of(gizwits_simulator).dids[0]
    async with GizwitsClient(
        gizwits_simulator.app_id,
        base_url=gizwits_simulator.base_url,
        username="bob",
        password="B0b-secret-pw",
    ) as guest:
        await execute(
            block("Sharing and groups"),
            {"owner": gizwits_client, "guest": guest, "did": did, "guest_uid": bob.uid},
        )
    assert capsys.readouterr().out.startswith("type=share&code=")
    state = gizwits_simulator.state
    assert state.binding(demo_of(gizwits_simulator).uid, did) is None
    binding = state.binding(bob.uid, did)
    assert binding is not None
    assert binding.role == "owner"


@runs(("Sharing and groups", 1))
async def test_groups_block_reports_the_device_it_could_not_add(
    gizwits_simulator: GizwitsSimulator,
    gizwits_client: GizwitsClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    demo = demo_of(gizwits_simulator)
    unknown = "NoSuchDevice0000000000"
    namespace = await execute(
        block("Sharing and groups", 1),
        {"client": gizwits_client, "pk": demo.product_key, "dids": [*demo.dids, unknown]},
    )
    assert capsys.readouterr().out == f"{unknown} 9014 device not found!\n"
    assert namespace["results"] == dict.fromkeys(demo.dids, True)
    assert namespace["bulk"].ok
    assert all(gizwits_simulator.device(did).attrs["switch"] is False for did in demo.dids)


@runs("Rules, scenes, schedules and aggregated data")
async def test_rule_block_links_two_lamps(
    gizwits_simulator: GizwitsSimulator, gizwits_client: GizwitsClient
) -> None:
    demo = demo_of(gizwits_simulator)
    a, b = demo.dids[:2]
    namespace = await execute(
        block("Rules, scenes, schedules and aggregated data"),
        {"client": gizwits_client, "a": a, "b": b, "pk": demo.product_key},
    )
    assert isinstance(namespace["rule_id"], int)
    gizwits_simulator.state.report(a, {"switch": True})
    assert gizwits_simulator.device(b).attrs["LED_R"] == 100


@runs(("Rules, scenes, schedules and aggregated data", 1))
async def test_scene_block_converts_labels_with_the_datapoints(
    gizwits_simulator: GizwitsSimulator, gizwits_client: GizwitsClient
) -> None:
    demo = demo_of(gizwits_simulator)
    a = demo.dids[0]
    group_id = await gizwits_client.groups.create("hall", product_key=demo.product_key)
    await gizwits_client.groups.add_devices(group_id, demo.dids[1:])
    namespace = await execute(
        block("Rules, scenes, schedules and aggregated data", 1),
        {"client": gizwits_client, "a": a, "pk": demo.product_key, "group_id": group_id},
    )
    [create] = gizwits_simulator.requests_to("POST", "/app/scene")
    assert create.body["tasks"][0]["attrs"] == {"mode": 1, "pattern": "AQIAAA=="}
    assert gizwits_simulator.device(a).attrs["mode"] == "eco"
    assert namespace["run"].status is SceneRunStatus.RUNNING
    gizwits_simulator.clock.advance(11)  # the delay task, then the group task
    assert all(gizwits_simulator.device(d).attrs["switch"] is True for d in demo.dids[1:])


@runs(("Rules, scenes, schedules and aggregated data", 2))
async def test_schedule_block_fires_the_scene_an_hour_later(
    gizwits_simulator: GizwitsSimulator, gizwits_client: GizwitsClient
) -> None:
    a = demo_of(gizwits_simulator).dids[0]
    scene_id = await gizwits_client.scenes.create(
        "evening", [SceneTask.device(a, attrs={"switch": True})]
    )
    namespace = await execute(
        block("Rules, scenes, schedules and aggregated data", 2),
        {"client": gizwits_client, "a": a, "scene_id": scene_id},
    )
    [weekly] = gizwits_simulator.requests_to("POST", f"/app/devices/{a}/scheduler")
    assert (weekly.body["time"], weekly.body["repeat"]) == ("23:30", "sun,tue")
    assert namespace["weekly"].attrs == {"switch": True}
    assert gizwits_simulator.device(a).attrs["switch"] is False
    gizwits_simulator.clock.advance(3601)
    assert gizwits_simulator.device(a).attrs["switch"] is True


@runs(("Rules, scenes, schedules and aggregated data", 3))
async def test_aggregate_block_averages_what_the_device_reported(
    gizwits_simulator: GizwitsSimulator, gizwits_client: GizwitsClient
) -> None:
    a = demo_of(gizwits_simulator).dids[0]
    gizwits_simulator.state.report(a, {"temperature": 20.5})
    gizwits_simulator.state.report(a, {"temperature": 30.5})
    now = datetime.fromtimestamp(gizwits_simulator.clock.now(), UTC)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    namespace = await execute(
        block("Rules, scenes, schedules and aggregated data", 3),
        # timedelta: imported by the schedules block above it.
        {"client": gizwits_client, "a": a, "day_start": day_start, "timedelta": timedelta},
    )
    series = namespace["result"].series("temperature")
    assert series[-1] == 25.5  # both reports fall in the current hour


# -- the simulator, the plugin ---------------------------------------------------------------


@runs("The simulator")
async def test_simulator_block_runs_as_written() -> None:
    namespace = await execute(block("The simulator"), {})
    sim: GizwitsSimulator = namespace["sim"]
    assert sim.device(namespace["did"]).attrs == {"switch": False}
    assert sim.faults.rules[0].status == 500
    assert sim.requests == []  # the client in the block sends nothing


@runs("The pytest plugin")
async def test_plugin_block_passes_with_the_plugins_fixtures(
    gizwits_client: GizwitsClient,
    gizwits_simulator: GizwitsSimulator,
    request: pytest.FixtureRequest,
) -> None:
    assert request.config.pluginmanager.has_plugin("gizwits_async")
    namespace = await execute(block("The pytest plugin"), {})
    test = namespace["test_switch_on"]
    assert list(inspect.signature(test).parameters) == ["gizwits_client", "gizwits_simulator"]
    await test(gizwits_client, gizwits_simulator)
    did = demo_of(gizwits_simulator).dids[0]
    assert gizwits_simulator.device(did).attrs["switch"] is True


# -- the command line ----------------------------------------------------------------------------


@runs("The command line")
async def test_cli_block_from_serve_to_watch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIZWITS_ASYNC_CONFIG", str(tmp_path))
    commands = shell_commands(block("The command line"))
    assert all(command[0] == "gizwits-async" for command in commands)
    by_name = {command[1]: command[1:] for command in commands}
    assert list(by_name) == ["serve", "demo", "login", "devices", "latest", "control", "watch"]
    serve = gizwits_cli.build_parser().parse_args(by_name["serve"])
    out = Output("Press Ctrl-C")
    stop = asyncio.Event()
    server = asyncio.create_task(gizwits_cli.serve(0, serve.devices, out, stop))
    try:
        async with asyncio.timeout(10):
            await out.seen.wait()
        url = re.search(r"listening on (\S+)", out.getvalue())
        password = re.search(r"user:\s+\S+ / (\S+)", out.getvalue())
        assert url
        assert password

        code, printed = await run_cli(by_name["demo"])
        assert (code, "embedded simulator" in printed) == (0, True)

        login = [
            url[1] if word == f"http://127.0.0.1:{serve.port}" else word
            for word in by_name["login"]
        ]
        code, printed = await run_cli(login, stdin=password[1] + "\n")
        assert (code, printed.startswith("logged in as demo")) == (0, True)

        code, printed = await run_cli(by_name["devices"])
        assert code == 0
        assert printed.splitlines()[-1] == f"{serve.devices} device(s)"
        dids = [line.split()[0] for line in printed.splitlines()[1:-1]]
        places = {"DID": dids[0], "DID1": dids[0], "DID2": dids[1]}

        def with_dids(words: list[str]) -> list[str]:
            return [places.get(word, word) for word in words]

        code, printed = await run_cli(with_dids(by_name["latest"]))
        assert (code, "  switch = false" in printed) == (0, True)
        code, printed = await run_cli(with_dids(by_name["control"]))
        assert (code, printed) == (0, f"{dids[0]}: sent switch=true LED_R=120\n")
        # One poll, so that the test ends: watch otherwise runs until Ctrl-C.
        code, printed = await run_cli([*with_dids(by_name["watch"]), "--count", "1"])
        assert code == 0
        lines = printed.splitlines()
        assert [line.split()[1] for line in lines] == dids[:2]
        assert "switch=true" in lines[0]
        assert "switch=false" in lines[1]
    finally:
        stop.set()
        await server


@runs(("The command line", 1))
async def test_cli_export_raw_block_writes_the_csv(
    gizwits_simulator: GizwitsSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIZWITS_ASYNC_CONFIG", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    demo = demo_of(gizwits_simulator)
    did = demo.dids[0]
    code, _ = await run_cli(
        [
            *("login", "--base-url", gizwits_simulator.base_url),
            *("--app-id", gizwits_simulator.app_id, "--username", demo.username),
        ],
        stdin=demo.password + "\n",
    )
    assert code == 0
    gizwits_simulator.state.control_device(did, attrs={"switch": True})
    [command] = shell_commands(block("The command line", 1))
    now = datetime.fromtimestamp(gizwits_simulator.clock.now(), UTC)
    # The README's dates are an example; the window must hold what the simulator just logged.
    window = {
        "2026-11-24T00:00:00Z": (now - timedelta(hours=1)).isoformat(),
        "2026-11-25T00:00:00Z": (now + timedelta(hours=1)).isoformat(),
        "DID": did,
    }
    code, _ = await run_cli([window.get(word, word) for word in command[1:]])
    assert code == 0
    with (tmp_path / "raw.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 2  # the command sent (app2dev) and the report it caused (dev2app)


# -- bindings, devices and raw data ----------------------------------------------------------


def product_placeholders(sim: GizwitsSimulator) -> dict[str, str]:
    demo = demo_of(sim)
    return {
        **account_placeholders(sim),
        '"your-product-key"': repr(demo.product_key),
        '"your-product-secret"': repr(demo.product_secret),
    }


@runs("Bindings, devices and raw data")
async def test_bindings_block_binds_updates_unbinds_and_manages_guests(
    gizwits_simulator: GizwitsSimulator,
) -> None:
    sim = gizwits_simulator
    demo = demo_of(sim)
    state = sim.state
    new_did = sim.add_device(demo.product_key, mac="accf2350d446")
    qr_did = sim.add_device(demo.product_key)
    shared = demo.dids[2]
    guest = sim.add_user("house-guest", "Gu3st-pass-123")
    state.enable_sharing(shared)
    state.bind(guest.uid, shared, role="guest")
    namespace = await execute(
        block("Bindings, devices and raw data"),
        {
            "GizwitsClient": GizwitsClient,
            "qr_text": state.bind_qr_content(qr_did),
            "did1": demo.dids[0],
            "did2": demo.dids[1],
            "did": shared,
        },
        product_placeholders(sim),
    )
    try:
        [bind] = sim.requests_to("POST", "/app/bind_mac")
        assert bind.body == {
            "product_key": demo.product_key,
            "mac": "accf2350d446",
            "dev_alias": "Hall",
            "set_owner": 0,
        }
        assert namespace["device"].did == new_did
        assert state.binding(demo.uid, qr_did) is not None
        assert state.binding(demo.uid, new_did).remark == "by the door"  # type: ignore[union-attr]
        assert namespace["result"].success == demo.dids[:2]
        assert [g.uid for g in namespace["guests"]] == [guest.uid]
        assert state.binding(guest.uid, shared) is None
    finally:
        await namespace["client"].close()


@runs(("Bindings, devices and raw data", 1))
async def test_devices_block_validates_with_the_definition_and_fans_out(
    gizwits_simulator: GizwitsSimulator, gizwits_client: GizwitsClient
) -> None:
    demo = demo_of(gizwits_simulator)
    did = demo.dids[0]
    gizwits_simulator.state.set_online(demo.dids[2], online=False)
    namespace = await execute(
        block("Bindings, devices and raw data", 1),
        {"client": gizwits_client, "did": did, "dids": demo.dids},
        product_placeholders(gizwits_simulator),
    )
    control = gizwits_simulator.requests_to("POST", f"/app/control/{did}")[0]
    assert control.body == {"attrs": {"mode": "boost", "pattern": "12345670"}}
    assert set(namespace["result"].succeeded) == set(demo.dids[:2])
    assert set(namespace["result"].failed) == {demo.dids[2]}
    assert set(namespace["statuses"].succeeded) == set(demo.dids)


@runs(("Bindings, devices and raw data", 2))
async def test_raw_data_block_walks_a_week_in_order(
    gizwits_simulator: GizwitsSimulator, gizwits_client: GizwitsClient
) -> None:
    did = demo_of(gizwits_simulator).dids[0]
    now = int(gizwits_simulator.clock.now())
    week_ago = now - 7 * 86400 + 60
    gizwits_simulator.state.add_raw_log(
        did, [{"type": "app2dev", "timestamp": week_ago + hour * 3600} for hour in range(160)]
    )
    namespace = await execute(
        block("Bindings, devices and raw data", 2),
        {"client": gizwits_client, "did": did, "week_ago": week_ago, "now": now},
    )
    # The loop ran to the last entry of the week.
    assert namespace["entry"].timestamp.timestamp() == week_ago + 159 * 3600
    requests = gizwits_simulator.requests_to("GET", f"/app/devices/{did}/raw_data")
    assert len(requests) >= 4  # a week is more than three 48-hour windows
    assert requests[0].query["sort"] == "asc"


# -- examples, logging, benchmarks -------------------------------------------------------------


@runs("Examples")
async def test_examples_block_runs_each_program(
    gizwits_simulator: GizwitsSimulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    commands = shell_commands(block("Examples"))
    assert [command[:3] for command in commands[:3]] == [
        ["python", "-m", "examples.ha_coordinator"],
        ["python", "-m", "examples.bulk_poller"],
        ["python", "-m", "examples.web_backend"],
    ]

    assert await asyncio.to_thread(ha_coordinator.main, commands[0][3:]) == 0
    assert "next poll in 120 s (the cloud's Retry-After)" in capsys.readouterr().out

    assert await asyncio.to_thread(bulk_poller.main, commands[1][3:]) == 0
    with (tmp_path / "devices.csv").open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 998

    # Any free port rather than 8080, which may be taken where the tests run.
    argv = ["0" if word == "8080" else word for word in commands[2][3:]]
    out = Output("serving on")
    stop = asyncio.Event()
    server = asyncio.create_task(web_backend.amain(argv, out=out, stop=stop))
    async with asyncio.timeout(10):
        await out.seen.wait()
    url = out.getvalue().split("serving on ")[1].split()[0]
    async with aiohttp.ClientSession() as session, session.get(f"{url}/devices") as response:
        assert (response.status, len(await response.json())) == (200, 3)
    stop.set()
    await server

    # The cloud line, pointed at the simulator: its account placeholders become the demo's.
    *assignments, python, _, module = commands[3][:6]
    assert (python, module) == ("python", "examples.bulk_poller")
    demo = demo_of(gizwits_simulator)
    values = {
        "your-app-id": gizwits_simulator.app_id,
        "you@example.com": demo.username,
        "your-password": demo.password,
    }
    for assignment in assignments:
        name, _, value = assignment.partition("=")
        monkeypatch.setenv(name, values[value])
    argv = commands[3][6:]
    region = argv.index("--region")
    argv[region : region + 2] = ["--base-url", gizwits_simulator.base_url]
    assert await asyncio.to_thread(bulk_poller.main, argv) == 0
    with (tmp_path / "devices.csv").open(newline="") as handle:
        assert [row["did"] for row in csv.DictReader(handle)] == demo.dids


@runs("Logging and redaction")
async def test_logging_block_shows_requests_but_no_secrets(
    gizwits_simulator: GizwitsSimulator,
    gizwits_client: GizwitsClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = logging.getLogger()
    handlers = root.handlers[:]
    library = logging.getLogger("gizwits_async")
    try:
        await execute(block("Logging and redaction"), {})
        assert library.level == logging.DEBUG
        did = demo_of(gizwits_simulator).dids[0]
        await gizwits_client.devices.latest(did)
    finally:
        library.setLevel(logging.NOTSET)
        root.handlers[:] = handlers
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert f"GET /app/devdata/{did}/latest -> 200 (attempt 1)" in messages
    assert "POST /app/login -> 200 (attempt 1)" in messages
    token = gizwits_client.token
    assert token is not None
    assert token.token not in caplog.text
    assert demo_of(gizwits_simulator).password not in caplog.text


@runs("Benchmarks")
def test_benchmarks_block_runs_the_overhead_benchmark(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    [command] = shell_commands(block("Benchmarks"))
    assert command[:2] == ["python", "-m"]
    module = __import__(command[2], fromlist=["main"])
    # A short run: the full one (60 rounds of 100 calls) is for measuring, not for testing.
    monkeypatch.setattr(sys, "argv", [command[2], "--calls", "20", "--rounds", "1"])
    module.main()
    assert "overhead: devices.latest, 1 paired rounds of 20 calls" in capsys.readouterr().out


def test_make_bench_replaces_the_top_table_and_keeps_the_dated_sections(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text(
        "# Benchmark results\n\n| old | table |\n\n## 2026-12-01 run\n\nfigures\n\n"
        "## 2026-11-25 run\n\nolder figures\n",
        encoding="utf-8",
    )
    row = Row("fresh", "baseline", "1.0 x", "<= 1 x", passed=True)
    monkeypatch.setattr(run_all, "BENCHMARKS", [("fresh", lambda: row)])
    monkeypatch.setattr(sys, "argv", ["run_all", "--output", str(results)])
    assert run_all.main() == 0
    text = results.read_text(encoding="utf-8")
    assert "| old | table |" not in text
    assert text.index(row.line()) < text.index("## 2026-12-01 run\n\nfigures")
    assert text.rstrip().endswith("## 2026-11-25 run\n\nolder figures")
    results.unlink()
    assert run_all.main() == 0
    assert "## " not in results.read_text(encoding="utf-8")


def test_errors_table_names_the_class_each_code_raises() -> None:
    section = README.read_text(encoding="utf-8").split("## Errors")[1].split("\n## ")[0]
    checked = 0
    for row in section.splitlines():
        named = re.search(r"`(Gizwits\w+Error)`", row)
        if named is None:
            continue
        when = row.split("|")[2]
        for code in re.findall(r"\b9\d{3}\b", when):
            assert error_class_for(400, int(code)).__name__ == named[1], row
            checked += 1
        if "HTTP 429" in when or "HTTP 404" in when or "HTTP 5xx" in when:
            status = 429 if "429" in when else 404 if "404" in when else 503
            assert error_class_for(status, None).__name__ == named[1], row
            checked += 1
    assert checked >= 12


@runs("Push")
async def test_push_block_reports_a_rest_control_by_push(
    gizwits_simulator: GizwitsSimulator,
    gizwits_client: GizwitsClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    did = demo_of(gizwits_simulator).dids[0]
    namespace = await execute(block("Push"), {"client": gizwits_client, "did": did})
    event = namespace["event"]
    assert event.state.attrs["switch"] is True
    assert event.state.source.value == "push"
    assert gizwits_simulator.count("POST", "/app/login") == 1
    assert "ConnectionEvent(" in capsys.readouterr().out
    assert not gizwits_client.push.connected


# -- client options; every account snippet against `gizwits-async serve` -----------------------


@runs("Client options and single reads")
async def test_client_options_block_reads_status_user_and_device(
    gizwits_simulator: GizwitsSimulator,
) -> None:
    did = demo_of(gizwits_simulator).dids[0]
    namespace = await execute(
        block("Client options and single reads"),
        {"GizwitsClient": GizwitsClient, "did": did},
        account_placeholders(gizwits_simulator),
    )
    assert namespace["status"].version
    assert namespace["me"].uid == demo_of(gizwits_simulator).uid
    assert namespace["device"].did == did
    assert namespace["device"].is_online is True
    assert namespace["latest"].has_data
    [login] = gizwits_simulator.requests_to("POST", "/app/login")
    assert login.body["lang"] == "en"
    assert namespace["client"].closed


class Served:
    """``gizwits-async serve`` in a subprocess: what it printed, read as it prints it."""

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
                read = (await self.process.stdout.readline()).decode()
                assert read, f"serve ended; it printed {self.lines}"
                self.lines.append(read.rstrip("\n"))
                if text in read:
                    return self.lines[-1]

    def value(self, label: str) -> str:
        [line] = [line for line in self.lines if line.strip().startswith(f"{label}:")]
        return line.split(":", 1)[1].strip()


SCRIPT = Path(sys.executable).with_name("gizwits-async")


@runs()
async def test_the_account_snippets_run_against_gizwits_async_serve(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What a reader does: start `serve`, copy what it prints into the README's snippets."""
    process = await asyncio.create_subprocess_exec(
        str(SCRIPT),
        *("serve", "--port", "0", "--devices", "3", "--seed", "16", "--log"),
        stdout=asyncio.subprocess.PIPE,
    )
    served = Served(process)
    try:
        await served.line_with("Press Ctrl-C")
        base_url = (await served.line_with("listening on")).split("listening on ")[1]
        username, password = served.value("user").split(" / ")
        product_key, _, secret = served.value("product key").partition(" (secret ")
        unbound = [line for line in served.lines if line.strip().startswith("unbound:")]
        qr_text = unbound[1].split("QR ")[1]
        account = {
            '"your-app-id"': repr(served.value("app id")),
            'region="eu"': f"base_url={base_url!r}",
            '"you@example.com"': repr(username),
            '"your-password"': repr(password),
            '"your-app-secret"': repr(served.value("app secret")),
            '"your-product-key"': repr(product_key),
            '"your-product-secret"': repr(secret.rstrip(")")),
        }

        # Quick start: switches on every bound device.
        await asyncio.to_thread(
            exec, compile_block(block("Quick start", 1), account), {"__name__": "__readme__"}
        )
        assert len(capsys.readouterr().out.splitlines()) == 3

        async def code_for(phone: str) -> str:
            line = await served.line_with(f"sent to {phone}")
            return line.split()[2]

        users = {**account, 'code="123456"': 'code=await code_for("13800138000")'}
        namespace = await execute(
            block("Users, verification codes and messages"), {"code_for": code_for}, users
        )
        assert namespace["token"].uid

        client = GizwitsClient(
            served.value("app id"),
            base_url=base_url,
            username=username,
            password=password,
            product_secrets={product_key: secret.rstrip(")")},
        )
        async with client:
            dids = [device.did for device in await client.bindings.list().collect()]
            # A guest on the third device, for the guests lines of the bindings snippet.
            await client.users.create(username="house-guest", password="Gu3st-pass-123")
            await client.sharing.create(did=dids[2], username="house-guest")
            async with GizwitsClient(
                served.value("app id"),
                base_url=base_url,
                username="house-guest",
                password="Gu3st-pass-123",
            ) as guest:
                [invite] = await guest.sharing.list(SharingDirection.RECEIVED).collect()
                await guest.sharing.accept(invite.id)
            namespace = await execute(
                block("Bindings, devices and raw data"),
                {"GizwitsClient": GizwitsClient, "qr_text": qr_text}
                | {"did1": dids[0], "did2": dids[1], "did": dids[2]},
                account,
            )
            assert namespace["device"].dev_alias == "Hall"
            await namespace["client"].close()
            await execute(
                block("Bindings, devices and raw data", 1),
                {"client": client, "did": dids[2], "dids": dids[2:]},
                account,
            )
            namespace = await execute(
                block("Client options and single reads"),
                {"GizwitsClient": GizwitsClient, "did": dids[2]},
                account,
            )
            assert namespace["me"].username == username
        # The log showed each request with its secrets hidden.
        await served.line_with("POST /app/bind_mac")
        log = "\n".join(served.lines[served.lines.index(await served.line_with("Press")) :])
        assert "POST /app/login -> 200" in log
        assert password not in log
        assert "Gu3st-pass-123" not in log
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 30) == 130
