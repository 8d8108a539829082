"""pyGizwits 0.0.3's websocket (``WebSocketConnection``) against the simulator's
``/ws/app/v1``: ``python -m tests.peers.clients.run_pygizwits_ws '{json}'`` under the peers'
venv.

pyGizwits builds a socket's URL from the device's bindings entry (``host`` and ``wss_port``, or
``ws_port``), so the simulator's own entries are what point it at the simulator.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from tests.peers.clients._harness import Notifications, Steps, main
from tests.peers.clients.run_pygizwits import import_pygizwits


class _Received:
    """The frames a pyGizwits socket handed its ``handle_message``, in order; its handler
    still runs, first and unchanged. pyGizwits keeps no trace of a refused ``login_res`` (no
    flag, no event), so this is how the script sees one arrive."""

    def __init__(self, socket: Any) -> None:
        self.frames: list[Any] = []
        self._arrived = asyncio.Condition()
        handle = socket.handle_message

        async def observed(message: str) -> None:
            await handle(message)
            try:
                self.frames.append(json.loads(message))
            except ValueError:
                self.frames.append(message)
            async with self._arrived:
                self._arrived.notify_all()

        socket.handle_message = observed

    def _has(self, cmd: str) -> bool:
        return any(isinstance(f, dict) and f.get("cmd") == cmd for f in self.frames)

    async def until(self, cmd: str, timeout: float) -> list[Any]:
        """The frames received so far, once one of them is a ``cmd``."""
        try:
            async with asyncio.timeout(timeout), self._arrived:
                await self._arrived.wait_for(lambda: self._has(cmd))
        except TimeoutError:
            raise TimeoutError(f"no {cmd} in {timeout} s, only {self.frames}") from None
        return list(self.frames)


async def _refused(
    pygizwits: Any, session: aiohttp.ClientSession, client: Any, device: Any, wait: float
) -> dict[str, Any]:
    """What ``Subscribe_to_device_updates`` does (connect, login, subscribe), step by step on a
    socket whose frames the script sees, for a user token the simulator never issued."""
    stranger = pygizwits.GizwitsClient(session, client.app_id, client.region)
    stranger.uid = client.uid
    stranger.token = "f" * 32
    info, _ = device.get_websocketConnInfo()
    socket = pygizwits.WebSocketConnection(session, stranger, info)
    received = _Received(socket)
    await socket.connect()
    try:
        await socket.login()
        await socket.add_device_sub(device.device_id)
        # After a refused login every frame is answered with 1003, after the login_res.
        frames = await received.until("s2c_invalid_msg", wait)
    finally:
        await socket.close()
    return {"logged_in": socket.logged_in, "received": frames}


async def run(cfg: dict[str, Any], steps: Steps) -> None:
    """A refused token, then login, subscribe and the pushed reports."""
    pygizwits = import_pygizwits()
    async with aiohttp.ClientSession() as session:
        client = pygizwits.GizwitsClient(session, cfg["app_id"], pygizwits.GizwitsClient.Region.EU)
        client.base_url = cfg["base_url"]
        await steps.run("login", lambda: client.login(cfg["username"], cfg["password"]))
        await steps.run("bindings", client.refresh_bindings)
        devices = [client.bindings[did] for did in cfg["reports"]]
        for device in devices:
            # The simulator serves ws:// only. pyGizwits' own switch, any _socketType but
            # "ssl_socket", builds ws://{host}:{ws_port} instead of wss://{host}:{wss_port}.
            device._socketType = "socket"
        steps.record("urls", [device.get_websocketConnInfo()[1] for device in devices])
        await steps.run(
            "bad_token", lambda: _refused(pygizwits, session, client, devices[0], cfg["wait"])
        )

        notifications = Notifications(cfg["reports"])
        client.on(
            "device_status_update",
            lambda report: notifications.add(report.device.device_id, report.status.attributes),
        )

        async def subscribe() -> None:
            for device in devices:
                await client.Subscribe_to_device_updates(device)

        await steps.run("subscribe", subscribe)
        # Both devices name the same URL, so pyGizwits keeps one socket for them.
        [socket] = client.sockets.values()
        await steps.run(
            "notifications",
            lambda: notifications.wait(cfg["wait"], reader=socket.receive_messages_task),
        )
        steps.record("logged_in", socket.logged_in)
        steps.record("subscribed", socket.subscribed_devices)
        await socket.close()


if __name__ == "__main__":
    main(run)
