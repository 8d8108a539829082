"""The simulator's M2M websocket, ``/ws/app/v1``: login, subscribe, reports, heartbeat.

It speaks the frames of API-NOTES §5 and enforces what the cloud is seen to enforce: nothing
but ``login_req`` before a login (1003), a ping within ``heartbeat_interval`` on the
simulator's clock (1011, then close), a valid user token (``login_res`` false). Device
reports (``sim.report``, REST control, ``c2s_write``), online changes and binding changes reach
every socket subscribed to the device. ``sim.faults.websocket`` breaks it on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web
from multidict import CIMultiDict

from gizwits_async.simulator.errors import SimError
from gizwits_async.simulator.faults import WebsocketFaults
from gizwits_async.simulator.state import DeviceEvent

if TYPE_CHECKING:
    from gizwits_async.simulator.server import GizwitsSimulator

_LOGGER = logging.getLogger(__name__)

PUSH_PATH = "/ws/app/v1"
MAX_HEARTBEAT = 180


class PushSession:
    """One client socket as the simulated cloud sees it."""

    def __init__(
        self, endpoint: PushEndpoint, ws: web.WebSocketResponse, request: web.Request
    ) -> None:
        self.endpoint = endpoint
        self.ws = ws
        self.request = request
        self.uid: str | None = None
        self.logged_in = False
        self.heartbeat_interval = MAX_HEARTBEAT
        self.last_ping = 0.0
        self.subscribed: set[str] = set()
        self._outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self._check_pending = False

    def __repr__(self) -> str:
        return f"PushSession(uid={self.uid!r}, subscribed={len(self.subscribed)})"

    def send(self, frame: dict[str, Any]) -> None:
        """Queue a frame; the session's writer sends it (after the fault delay, if any)."""
        self.endpoint.sent.append(frame)
        self._outbox.put_nowait(json.dumps(frame, ensure_ascii=False))

    def send_text(self, text: str) -> None:
        """Queue any text, valid frame or not (for tests of a client's parser)."""
        self._outbox.put_nowait(text)

    def close_after_sending(self) -> None:
        self._outbox.put_nowait(None)

    async def writer(self) -> None:
        faults = self.endpoint.faults
        while True:
            text = await self._outbox.get()
            if text is None:
                await self.ws.close()
                return
            if faults.frame_delay:
                await asyncio.sleep(faults.frame_delay)
            if faults.silent:
                continue
            await self.ws.send_str(text)

    def abort(self) -> None:
        """Drop the connection without a close frame."""
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    # -- heartbeat on the simulator's clock --------------------------------------------------

    def _schedule_check(self) -> None:
        if self._check_pending:
            return
        self._check_pending = True
        clock = self.endpoint.sim.clock
        clock.call_at(self.last_ping + self.heartbeat_interval, self._check_heartbeat)

    def _check_heartbeat(self) -> None:
        self._check_pending = False
        if self.ws.closed or not self.logged_in:
            return
        if self.endpoint.sim.clock.now() - self.last_ping < self.heartbeat_interval:
            self._schedule_check()
            return
        self.logged_in = False
        self.send({"cmd": "s2c_invalid_msg", "data": {"error_code": 1011, "msg": "No heartbeat!"}})
        self.close_after_sending()

    # -- frames from the client ----------------------------------------------------------

    def handle(self, frame: dict[str, Any]) -> None:
        cmd = frame.get("cmd")
        data = frame.get("data")
        if cmd == "login_req":
            self._login(data)
            return
        if not self.logged_in:
            self.send(
                {
                    "cmd": "s2c_invalid_msg",
                    "data": {"error_code": 1003, "msg": "Websocket client not login!"},
                }
            )
            return
        handler = {
            "ping": self._ping,
            "subscribe_req": self._subscribe,
            "c2s_read": self._read,
            "c2s_write": self._write,
            "c2s_ack": self._ack,
        }.get(str(cmd))
        if handler is None:
            _LOGGER.info("push: unknown cmd %r from a client", cmd)
            return
        handler(data)

    def _login(self, data: Any) -> None:
        sim = self.endpoint.sim
        ok = False
        if isinstance(data, dict) and data.get("appid") == sim.app_id:
            try:
                user = sim.state.user_for_token(data.get("token"))
            except SimError:
                user = None
            if user is not None and user.uid == data.get("uid"):
                interval = data.get("heartbeat_interval", MAX_HEARTBEAT)
                if type(interval) is int and 0 < interval <= MAX_HEARTBEAT:
                    ok = True
                    self.uid = user.uid
                    self.heartbeat_interval = interval
        self.logged_in = ok
        self.send({"cmd": "login_res", "data": {"success": ok}})
        if ok:
            self.last_ping = sim.clock.now()
            self._schedule_check()
            if isinstance(data, dict) and data.get("auto_subscribe", True):
                self._subscribe([{"did": b.did} for b in sim.state.bindings_of(self.uid or "")])

    def _ping(self, _: Any) -> None:
        self.last_ping = self.endpoint.sim.clock.now()
        self.send({"cmd": "pong"})

    def _subscribe(self, data: Any) -> None:
        state = self.endpoint.sim.state
        success: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for item in data if isinstance(data, list) else []:
            did = item.get("did") if isinstance(item, dict) else None
            if isinstance(did, str) and state.binding(self.uid or "", did) is not None:
                self.subscribed.add(did)
                success.append({"did": did, "error_code": 0, "msg": "ok"})
            else:
                failed.append({"did": did, "error_code": 9017, "msg": "device not bound!"})
        self.send({"cmd": "subscribe_res", "data": {"success": success, "failed": failed}})

    def _read(self, data: Any) -> None:
        did = data.get("did") if isinstance(data, dict) else None
        if did not in self.subscribed:
            return
        device = self.endpoint.sim.state.devices.get(did)
        if device is None:
            return
        names = data.get("names")
        attrs = dict(device.attrs)
        if isinstance(names, list):
            attrs = {k: v for k, v in attrs.items() if k in names}
        self.send(
            {"cmd": "s2c_noti", "data": {"did": did, "attrs": self.endpoint.wire(did, attrs)}}
        )

    def _write(self, data: Any) -> None:
        did = data.get("did") if isinstance(data, dict) else None
        attrs = data.get("attrs") if isinstance(data, dict) else None
        if did not in self.subscribed or not isinstance(attrs, dict) or not attrs:
            return
        state = self.endpoint.sim.state
        try:
            state.control_device(
                did,
                attrs=self.endpoint.from_wire(did, attrs),
                uid=self.uid,
                appid=self.endpoint.sim.app_id,
                source="websocket",
            )
        except SimError as err:
            _LOGGER.info("push: c2s_write to %s refused (%s)", did, err.code)

    def _ack(self, data: Any) -> None:
        if isinstance(data, dict):
            self.endpoint.acks.append(data)


class PushEndpoint:
    """Every push socket of one simulator, fed by its device and binding events."""

    def __init__(self, sim: GizwitsSimulator) -> None:
        self.sim = sim
        self.sessions: set[PushSession] = set()
        self.sent: list[dict[str, Any]] = []
        self.acks: list[dict[str, Any]] = []
        self.connections = 0
        self._req_sn = itertools.count(1)
        self.ack_reports = False
        sim.state.device_listeners.append(self._on_device_event)
        sim.state.binding_listeners.append(self._on_binding)
        sim.faults.websocket.attach(self)

    @property
    def faults(self) -> WebsocketFaults:
        return self.sim.faults.websocket

    def __repr__(self) -> str:
        return f"PushEndpoint(sessions={len(self.sessions)})"

    # -- value encoding: binary is hex over REST, a byte array here ---------------------

    def _binary_names(self, did: str) -> set[str]:
        device = self.sim.state.devices.get(did)
        if device is None:
            return set()
        specs = self.sim.state.products[device.product_key].attr_specs()
        return {name for name, spec in specs.items() if spec.get("data_type") == "binary"}

    def wire(self, did: str, attrs: dict[str, Any]) -> dict[str, Any]:
        """Attrs as the websocket sends them."""
        binary = self._binary_names(did)
        out = dict(attrs)
        for name in binary & out.keys():
            value = out[name]
            if isinstance(value, str):
                with contextlib.suppress(ValueError):
                    out[name] = list(bytes.fromhex(value))
        return out

    def from_wire(self, did: str, attrs: dict[str, Any]) -> dict[str, Any]:
        """Attrs of a ``c2s_write`` as REST control takes them."""
        binary = self._binary_names(did)
        out = dict(attrs)
        for name in binary & out.keys():
            value = out[name]
            if isinstance(value, list) and all(type(b) is int and 0 <= b <= 0xFF for b in value):
                out[name] = bytes(value).hex()
        return out

    # -- the route -----------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """``GET /ws/app/v1``: one push socket, for as long as the client keeps it."""
        if self.faults.refusing(self.sim.clock.now()):
            return web.Response(status=503, text="refused by sim.faults.websocket")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections += 1
        session = PushSession(self, ws, request)
        self.sessions.add(session)
        writer = asyncio.get_running_loop().create_task(session.writer())
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                self._record(request, message.data)
                try:
                    frame = json.loads(message.data)
                except ValueError:
                    _LOGGER.info("push: a frame that is not JSON")
                    continue
                if isinstance(frame, dict):
                    session.handle(frame)
        finally:
            self.sessions.discard(session)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await writer
        return ws

    def _record(self, request: web.Request, text: str) -> None:
        sim = self.sim
        if not sim.record_requests:
            return
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        cmd = body.get("cmd") if isinstance(body, dict) else None
        from gizwits_async.simulator.server import RecordedRequest  # noqa: PLC0415 - a cycle

        sim.requests.append(
            RecordedRequest(
                method="WS",
                path=f"{PUSH_PATH}/{cmd}" if isinstance(cmd, str) else PUSH_PATH,
                query={},
                headers=CIMultiDict(request.headers),
                body=body,
                raw_body=text.encode(),
                time=sim.clock.now(),
            )
        )

    # -- events ---------------------------------------------------------------------------

    def _subscribers(self, did: str) -> list[PushSession]:
        return [s for s in self.sessions if s.logged_in and did in s.subscribed]

    def _on_device_event(self, event: DeviceEvent) -> None:
        sessions = self._subscribers(event.did)
        if not sessions:
            return
        if event.kind == "data":
            attrs = self.wire(event.did, event.reported or {})
            frame: dict[str, Any] = {"cmd": "s2c_noti", "data": {"did": event.did, "attrs": attrs}}
            if self.ack_reports:
                frame["req_sn"] = next(self._req_sn)
        else:
            device = self.sim.state.devices[event.did]
            frame = {
                "cmd": "s2c_online_status",
                "data": {
                    "did": event.did,
                    "passcode": device.passcode,
                    "mac": device.mac,
                    "online": event.kind == "online",
                },
            }
        for session in sessions:
            session.send(frame)

    def _on_binding(self, uid: str, did: str, bound: bool) -> None:
        for session in list(self.sessions):
            if session.logged_in and session.uid == uid:
                if not bound:
                    session.subscribed.discard(did)
                session.send({"cmd": "s2c_binding_changed", "data": {"did": did, "bind": bound}})

    # -- controls for tests (through sim.faults.websocket) ------------------------------

    def send_invalid(self, code: int, message: str) -> None:
        for session in list(self.sessions):
            session.send({"cmd": "s2c_invalid_msg", "data": {"error_code": code, "msg": message}})
            if code == 1009:
                session.logged_in = False

    def drop_all(self) -> None:
        for session in list(self.sessions):
            session.abort()

    def send_text(self, text: str) -> None:
        for session in list(self.sessions):
            session.send_text(text)

    def now(self) -> float:
        return self.sim.clock.now()

    async def close(self) -> None:
        """Close every socket (the simulator is stopping)."""
        for session in list(self.sessions):
            with contextlib.suppress(Exception):
                await session.ws.close()
