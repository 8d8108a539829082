"""heatzypy 2.6.1's websocket (``heatzypy.websocket.Websocket``) against the simulator's
``/ws/app/v1``: ``python -m tests.peers.clients.run_heatzypy_ws '{json}'`` under the peers'
venv.

heatzypy does not read ``host`` or ``ws_port`` from the bindings: with ``use_tls=False`` it
connects to its built-in ``ws://eusandbox.gizwits.com:8080/ws/app/v1``. The resolver sends that
host, like its REST host, to the simulator's port, so its own URL is used unchanged.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import heatzypy.auth
import heatzypy.websocket
from heatzypy import HeatzyClient

from tests.peers.clients._harness import LoopbackResolver, Notifications, Steps, main

HOSTS = {"euapi.gizwits.com", "eusandbox.gizwits.com"}


async def _login_refused(websocket: heatzypy.websocket.Websocket, wait: float) -> None:
    """Connect, then read until heatzypy's reader judges the ``login_res``."""
    await websocket.async_connect(auto_subscribe=False)
    try:
        async with asyncio.timeout(wait):
            await websocket.async_listen()
    finally:
        await websocket.async_disconnect()


async def run(cfg: dict[str, Any], steps: Steps) -> None:
    """A login with the wrong app id, then login, subscribe and the pushed reports."""
    heatzypy.auth.APPLICATION_ID = cfg["app_id"]
    resolver = LoopbackResolver(HOSTS, cfg["port"])
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver)) as session:
        # The websocket module keeps its own copy of the Heatzy app's id, which the simulator
        # does not know; left alone, it makes a login_req the simulator refuses.
        steps.record("built_in_app_id", heatzypy.websocket.APPLICATION_ID)
        refused = HeatzyClient(cfg["username"], cfg["password"], session=session, use_tls=False)
        await steps.run("wrong_app_id", lambda: _login_refused(refused.websocket, cfg["wait"]))

        heatzypy.websocket.APPLICATION_ID = cfg["app_id"]
        client = HeatzyClient(cfg["username"], cfg["password"], session=session, use_tls=False)
        websocket = client.websocket
        notifications = Notifications(cfg["reports"])
        # With all_devices=False (the default) the callback gets the one device notified: its
        # bindings entry, whose attrs heatzypy replaced with the notification's.
        websocket.register_callback(
            lambda device: notifications.add(device["did"], device["attrs"])
        )
        await steps.run("connect", lambda: websocket.async_connect(auto_subscribe=False))
        # heatzypy reads only when its user runs async_listen, as hass-heatzy does in a task.
        reader = asyncio.create_task(websocket.async_listen())
        await steps.run("subscribe", lambda: websocket.async_subscribe(list(cfg["reports"])))
        await steps.run("notifications", lambda: notifications.wait(cfg["wait"], reader=reader))
        steps.record("logged_in", websocket.is_logged)
        steps.record("subscribed", websocket.subscribed_devices)
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await websocket.async_disconnect()


if __name__ == "__main__":
    main(run)
