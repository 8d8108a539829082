"""Third-party Gizwits clients from PyPI, unchanged, against the simulator (issue #15).

Each client runs in a subprocess under ``.venv-peers/bin/python`` (``make peers-venv`` builds
it; their dependency pins are not ours) and prints what each step returned or raised; the
test judges that and what the simulator received. Where a client has a bug of its own the
script works around it and says so: these tests measure the simulator, not the clients.

Two of them also run their own websocket code against ``/ws/app/v1``. heatzypy 2.6.1
(``Websocket``): a login_req with the Heatzy app's built-in id, refused; then login,
``async_subscribe`` of two devices and the notifications its callback gets. pyGizwits 0.0.3
(``WebSocketConnection``, to the URL it builds from the bindings entry): a login_req with a
token the simulator never issued, refused, then 1003 for what follows; then
``Subscribe_to_device_updates`` for two devices and its ``device_status_update`` events. The
test reports on the devices (``sim.report``) once the simulator holds a logged-in socket
subscribed to both, and judges the frames on both sides. heatzy 0.0.11 has no websocket;
vaillant-plus-cn-api 0.3.5's (``VaillantWebsocketClient``) is not run yet.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import attrs
import pytest

from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PASSWORD, USERNAME

ROOT = Path(__file__).resolve().parents[2]
PEERS_PYTHON = ROOT / ".venv-peers" / "bin" / "python"
# Product keys and names of two Heatzy products, as the recorded bindings list them.
PILOTE2 = ("51d16c22a5f74280bc3cfe9ebcdc6402", "Pilote2")
HEATZY = ("9420ae048da545c88fc6274d204dd25f", "Heatzy")
CONTROL = "/app/control/{}"
ECO = {"mode": "eco"}
RAW = [1, 1, 1]
# How long a peer waits for what the simulator pushes: a guard, not a measurement.
PEER_WAIT = 10.0


def _peers_python() -> Path:
    if PEERS_PYTHON.exists():
        return PEERS_PYTHON
    message = f"{PEERS_PYTHON} is missing: `make peers-venv` builds it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


async def run_peer(script: str, cfg: dict[str, Any]) -> dict[str, Any]:
    """Run ``tests/peers/clients/<script>.py`` under the peers' python; its step outcomes."""
    python = _peers_python()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    process = await asyncio.create_subprocess_exec(
        str(python),
        "-m",
        f"tests.peers.clients.{script}",
        json.dumps(cfg),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        # A guard against a hung client, not a measurement.
        async with asyncio.timeout(120):
            out, err = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    results: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    assert "crash" not in results, results["crash"]["text"]
    return results


async def run_peer_reporting(
    world: World, script: str, reports: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """``run_peer`` for a script that subscribes to the dids of ``reports`` and waits for
    their notifications: once a logged-in socket of the simulator is subscribed to all of them,
    each device reports its attrs (``sim.report``), which the simulator pushes to it."""
    sim = world.sim
    peer = asyncio.create_task(run_peer(script, world.cfg(reports=reports, wait=PEER_WAIT)))

    def subscribed() -> bool:
        return any(s.logged_in and reports.keys() <= s.subscribed for s in sim.push.sessions)

    try:
        # Longer than the peer's own wait, so that a peer that never subscribes says why.
        async with asyncio.timeout(2 * PEER_WAIT):
            while not (peer.done() or subscribed()):  # noqa: ASYNC110 - state in the simulator
                await asyncio.sleep(0.01)
    except BaseException:
        peer.cancel()
        raise
    if not peer.done():
        for did, attrs in reports.items():
            sim.report(did, attrs)
    return await peer


def ws_frames(sim: GizwitsSimulator, cmd: str) -> list[Any]:
    """The frames with ``cmd`` the simulator received on its websocket, in order."""
    return [r.body for r in sim.requests_to("WS", f"/ws/app/v1/{cmd}")]


def sent_frames(sim: GizwitsSimulator, cmd: str) -> list[Any]:
    """The frames with ``cmd`` the simulator sent on its websocket, in order."""
    return [frame for frame in sim.push.sent if frame["cmd"] == cmd]


def ok(results: dict[str, Any], step: str) -> Any:
    """The value a step returned; fails with what it raised instead."""
    outcome = results[step]
    assert "ok" in outcome, f"{step}: {outcome}"
    return outcome["ok"]


def raised(results: dict[str, Any], step: str) -> dict[str, Any]:
    """What a step raised; fails when it returned."""
    outcome: dict[str, Any] = results[step]
    assert "error" in outcome, f"{step} returned {outcome}"
    return outcome


@attrs.frozen
class World:
    """Alice's account: a Pilote2 heater (attrs), a first-generation Heatzy (raw), an offline
    Pilote2, a Pilote2 that never reported, and a Pilote2 nobody bound."""

    sim: GizwitsSimulator
    uid: str
    did: str
    raw_did: str
    offline_did: str
    quiet_did: str
    unbound_did: str

    def cfg(self, **more: Any) -> dict[str, Any]:
        """What every script is told."""
        port = int(self.sim.base_url.rsplit(":", 1)[1])
        return {
            "base_url": self.sim.base_url,
            "port": port,
            "app_id": self.sim.app_id,
            "username": USERNAME,
            "password": PASSWORD,
            "did": self.did,
            "raw_did": self.raw_did,
            "offline_did": self.offline_did,
            "unbound_did": self.unbound_did,
            "unknown_did": "NoSuchDevice0000000000",
            "attrs": ECO,
            "raw": RAW,
            **more,
        }

    @property
    def bound(self) -> set[str]:
        """The dids bound to alice."""
        return {self.did, self.raw_did, self.offline_did, self.quiet_did}


@pytest.fixture
def world(sim: GizwitsSimulator, alice_uid: str) -> World:
    for product_key, name in (PILOTE2, HEATZY):
        sim.add_product(product_key, name=name)
    did = sim.add_device(PILOTE2[0], owner=alice_uid, attrs={"mode": "cft", "lock_switch": 0})
    raw_did = sim.add_device(HEATZY[0], owner=alice_uid, attrs={"mode": "舒适"})
    offline = sim.add_device(PILOTE2[0], owner=alice_uid, attrs={"mode": "fro"}, online=False)
    quiet = sim.add_device(PILOTE2[0], owner=alice_uid)
    sim.device(did).mcu_soft_version = "03030049"
    sim.device(did).wifi_hard_version = "0ESP32C3"
    unbound = sim.add_device(PILOTE2[0], attrs={"mode": "eco"})
    return World(sim, alice_uid, did, raw_did, offline, quiet, unbound)


def _control_bodies(sim: GizwitsSimulator, did: str) -> list[Any]:
    return [r.body for r in sim.requests_to("POST", CONTROL.format(did))]


def _assert_commands_applied(world: World) -> None:
    sim = world.sim
    assert _control_bodies(sim, world.did) == [{"attrs": ECO}, {"raw": RAW}]
    assert sim.device(world.did).attrs["mode"] == "eco"
    sent = [e["payload_bin"] for e in sim.device(world.did).raw_log if e["type"] == "app2dev"]
    assert sent[-1] == bytes(RAW).hex()


# -- heatzypy 2.6.1 -------------------------------------------------------------------------


async def test_heatzypy(world: World) -> None:
    sim = world.sim
    results = await run_peer("run_heatzypy", world.cfg())

    bad = raised(results, "bad_password")
    assert (bad["error"], bad["text"]) == ("AuthenticationFailed", "Bad Request (400)")

    devices = ok(results, "bindings")["devices"]
    assert {d["did"] for d in devices} == world.bound
    [entry] = [d for d in devices if d["did"] == world.did]
    assert (entry["product_name"], entry["protoc"], entry["role"]) == ("Pilote2", 3, "special")
    assert (entry["mcu_soft_version"], entry["wifi_hard_version"]) == ("03030049", "0ESP32C3")

    merged = ok(results, "devices")
    assert set(merged) == world.bound
    assert merged[world.did]["attrs"] == {"mode": "cft", "lock_switch": 0}
    assert merged[world.quiet_did]["attrs"] == {}
    assert merged[world.quiet_did]["updated_at"] == 0

    device = ok(results, "device")
    assert (device["did"], device["product_key"]) == (world.did, PILOTE2[0])
    assert device["attrs"] == {"mode": "cft", "lock_switch": 0}
    assert "dev_alias" not in device
    assert device["proto_ver"] == "04"

    assert ok(results, "control_attrs") is None
    assert ok(results, "control_raw") is None
    _assert_commands_applied(world)

    unknown = raised(results, "unknown_device")
    assert unknown["error"] == "RetrieveFailed"
    assert unknown["text"] == "devices/NoSuchDevice0000000000 not retrieved (404)"
    unbound = raised(results, "control_unbound")
    assert unbound["error"] == "CommandFailed"
    assert "(401 Unauthorized)" in unbound["text"]
    offline = raised(results, "control_offline")
    assert offline["error"] == "CommandFailed"
    assert "(400 Bad Request)" in offline["text"]
    assert len(_control_bodies(sim, world.offline_did)) == 1

    assert sim.count("POST", "/app/login") == 2
    assert all(r.headers["X-Gizwits-Application-Id"] == sim.app_id for r in sim.requests)
    assert all("X-Gizwits-User-Token" in r.headers for r in sim.requests if r.path != "/app/login")


def _reports(world: World) -> dict[str, dict[str, Any]]:
    """What the two heaters report once a peer subscribed: a Pilote2's mode, and the
    first-generation Heatzy's in its own Chinese names (non-ASCII text on the socket)."""
    return {world.did: {"mode": "eco", "lock_switch": 1}, world.raw_did: {"mode": "经济"}}


def _assert_pushed(world: World, results: dict[str, Any], login: dict[str, Any]) -> None:
    """The peer's accepted login, its subscription and the notifications it got, seen from
    both sides; ``login`` is the data its login_req sent, bar the token."""
    sim = world.sim
    reports = _reports(world)
    *_, accepted = ws_frames(sim, "login_req")
    token = accepted["data"].pop("token")
    assert accepted["data"] == {"appid": sim.app_id, "uid": world.uid, **login}
    assert sim.state.tokens[token].uid == world.uid
    assert sent_frames(sim, "login_res")[-1]["data"] == {"success": True}
    assert ok(results, "logged_in") is True

    answers = [frame["data"] for frame in sent_frames(sim, "subscribe_res")]
    assert all(answer["failed"] == [] for answer in answers)
    assert {d["did"] for answer in answers for d in answer["success"]} == set(reports)
    assert sorted(ok(results, "subscribed")) == sorted(reports)

    pushed = [frame["data"] for frame in sent_frames(sim, "s2c_noti")]
    assert pushed == [{"did": did, "attrs": attrs} for did, attrs in reports.items()]
    assert ok(results, "notifications") == pushed


async def test_heatzypy_websocket(world: World) -> None:
    sim = world.sim
    results = await run_peer_reporting(world, "run_heatzypy_ws", _reports(world))

    # Its built-in URL, unchanged, for both sockets (the resolver sends the host here).
    handshakes = sim.requests_to("GET", "/ws/app/v1")
    assert [r.headers["Host"] for r in handshakes] == ["eusandbox.gizwits.com:8080"] * 2

    # The Heatzy app's own id is refused, and heatzypy's reader raises on the login_res.
    refused, _ = ws_frames(sim, "login_req")
    assert refused["data"]["appid"] == ok(results, "built_in_app_id") != sim.app_id
    assert sent_frames(sim, "login_res")[0]["data"] == {"success": False}
    wrong = raised(results, "wrong_app_id")
    assert (wrong["error"], wrong["text"]) == ("AuthenticationFailed", "{'success': False}")

    assert ok(results, "connect") is None
    assert ok(results, "subscribe") is None
    [subscribe] = ws_frames(sim, "subscribe_req")
    assert subscribe["data"] == [{"did": world.did}, {"did": world.raw_did}]
    login = {"p0_type": "attrs_v4", "heartbeat_interval": 30, "auto_subscribe": False}
    _assert_pushed(world, results, login)
    # Each connect lists the bindings and forces a REST login of its own (PUSH-NOTES: "a
    # forced REST login on every connect"): two per socket.
    assert sim.count("GET", "/app/bindings") == 2
    assert sim.count("POST", "/app/login") == 4


# -- pyGizwits 0.0.3 ------------------------------------------------------------------------


async def test_pygizwits(world: World) -> None:
    sim = world.sim
    results = await run_peer("run_pygizwits", world.cfg())

    assert ok(results, "import") == "pyGizwits"
    assert raised(results, "bad_password")["error"] == "GizwitsIncorrectPasswordException"
    assert raised(results, "unknown_user")["error"] == "GizwitsUserDoesNotExistException"
    assert ok(results, "login") is None
    token = ok(results, "token")
    assert token["uid"] == world.uid
    [issued] = [t for t in sim.state.tokens.values() if t.uid == world.uid]
    assert token["expires_at"] == int(issued.expire_at)

    bindings = ok(results, "bindings")
    assert set(bindings) == world.bound
    pilote = bindings[world.did]
    assert (pilote["product_name"], pilote["protocol_version"]) == ("Pilote2", 3)
    assert (pilote["mcu_soft_version"], pilote["mcu_hard_version"]) == ("03030049", "00000001")
    assert pilote["wifi_soft_version"] == sim.device(world.did).wifi_soft_version
    assert pilote["is_online"] is True
    assert bindings[world.offline_did]["is_online"] is False
    [listing] = sim.requests_to("GET", "/app/bindings")[:1]
    assert listing.query == {"show_disabled": "0", "limit": "20", "skip": "0"}

    reports = ok(results, "devices")
    assert set(reports) == world.bound
    status = reports[world.did]["status"]
    assert status["attributes"]["attr"] == {"mode": "cft", "lock_switch": 0}
    assert status["timestamp"] == status["attributes"]["updated_at"] > 0
    # updated_at 0 (no report in 24 h) is pyGizwits' "no status".
    assert reports[world.quiet_did]["status"] is None

    device = ok(results, "device")
    assert device["device"]["device_id"] == world.did
    assert device["status"]["attributes"]["did"] == world.did

    assert ok(results, "control_attrs") == {}
    assert ok(results, "control_raw") == {}
    _assert_commands_applied(world)
    assert raised(results, "control_offline")["error"] == "GizwitsOfflineException"
    assert raised(results, "token_invalid")["error"] == "GizwitsTokenInvalidException"
    assert sim.count("POST", "/app/login") == 3


async def test_pygizwits_websocket(world: World) -> None:
    sim = world.sim
    results = await run_peer_reporting(world, "run_pygizwits_ws", _reports(world))

    # Its URLs come from the bindings entries: the simulator's host and ws_port.
    port = world.cfg()["port"]
    assert ok(results, "urls") == [f"ws://127.0.0.1:{port}/ws/app/v1"] * 2
    assert sim.count("GET", "/ws/app/v1") == 2

    # A token the simulator never issued: login_res false, then 1003 for what follows.
    bad = ok(results, "bad_token")
    assert bad["logged_in"] is False
    assert bad["received"][:2] == [
        {"cmd": "login_res", "data": {"success": False}},
        {
            "cmd": "s2c_invalid_msg",
            "data": {"error_code": 1003, "msg": "Websocket client not login!"},
        },
    ]
    refused, _ = ws_frames(sim, "login_req")
    assert refused["data"]["token"] == "f" * 32
    assert sent_frames(sim, "login_res")[0]["data"] == {"success": False}

    assert ok(results, "subscribe") is None
    # One subscribe_req per device; the second names again the dids pyGizwits already saw
    # confirmed, so the first is among them only if its subscribe_res came in between.
    first_refused, first, second = (f["data"] for f in ws_frames(sim, "subscribe_req"))
    assert first_refused == first == [{"did": world.did}]
    assert second in ([{"did": world.raw_did}], [{"did": world.did}, {"did": world.raw_did}])
    login = {"p0_type": "attrs_v4", "heartbeat_interval": 180, "auto_subscribe": False}
    _assert_pushed(world, results, login)


# -- heatzy 0.0.11 (blocking, requests) -----------------------------------------------------


async def test_heatzy(world: World) -> None:
    sim = world.sim
    results = await run_peer("run_heatzy", world.cfg())

    bad = raised(results, "bad_password")
    assert bad["text"].startswith("Erreur de login : {'error_code': 9020")
    assert ok(results, "login") is not None

    # It lists only the products it knows and reads each one's latest status with the
    # application id alone; the quiet device (no status within 24 h) it drops itself.
    devices = {d["did"]: d for d in ok(results, "devices")}
    assert set(devices) == {world.did, world.raw_did, world.offline_did}
    assert devices[world.did]["mode"] == "CONFORT"
    assert devices[world.raw_did]["mode"] == "CONFORT"
    assert devices[world.offline_did]["mode"] == "HGEL"
    latest = sim.requests_to("GET", "/app/devdata/.+/latest")
    assert latest
    assert all("X-Gizwits-User-token" not in r.headers for r in latest)

    assert ok(results, "set_eco_Pilote2") is None
    assert ok(results, "status_Pilote2") == "ECO"
    assert _control_bodies(sim, world.did) == [{"attrs": ECO}]
    assert ok(results, "set_eco_Heatzy") is None
    assert _control_bodies(sim, world.raw_did) == [{"raw": RAW}]
    assert sim.device(world.raw_did).raw_log[-1]["payload_bin"] == bytes(RAW).hex()
    assert sim.count("POST", "/app/login") == 2


# -- vaillant-plus-cn-api 0.3.5 ---------------------------------------------------------------


async def test_vaillant_plus_cn_api(world: World) -> None:
    sim = world.sim
    token = sim.state.issue_token(sim.state.users[world.uid])["token"]
    results = await run_peer("run_vaillant", world.cfg(token=token))

    devices = {d["id"]: d for d in ok(results, "devices")}
    assert set(devices) == world.bound
    pilote = devices[world.did]
    device = sim.device(world.did)
    assert pilote["mac"] == device.mac
    assert (pilote["product_key"], pilote["product_name"]) == PILOTE2
    assert pilote["mcu_soft_version"] == "03030049"
    assert pilote["mcu_hard_version"] == device.mcu_hard_version
    assert pilote["wifi_soft_version"] == device.wifi_soft_version
    assert pilote["wifi_hard_version"] == "0ESP32C3"
    assert raised(results, "token_invalid")["error"] == "InvalidAuthError"
    [listing, _] = sim.requests_to("GET", "/app/bindings")
    assert listing.headers["X-Gizwits-User-token"] == token


@pytest.mark.parametrize("module", ["heatzypy", "pyGizwits", "heatzy", "vaillant_plus_cn_api"])
def test_the_peers_are_kept_out_of_the_package_venv(module: str) -> None:
    _peers_python()
    assert importlib.util.find_spec(module) is None
