"""heatzy 0.0.11 (PyPI, blocking, requests) against the simulator: ``python -m
tests.peers.clients.run_heatzy '{json}'`` under the peers' venv. Its base URL and app id are
class attributes of ``HeatzyHandler``."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from heatzy.heatzy import HeatzyHandler

from tests.peers.clients._harness import Steps, main


def _devices(handler: Any) -> list[dict[str, Any]]:
    return [
        {"name": d.name, "did": d.did, "version": d.version, "mode": d.mode}
        for d in handler.devices()
    ]


def _blocking(cfg: dict[str, Any], steps: Steps) -> None:
    HeatzyHandler.API_BASE_URL = f"{cfg['base_url']}/app"
    HeatzyHandler.APPID = cfg["app_id"]
    steps.run_sync("bad_password", lambda: HeatzyHandler(cfg["username"], "not-the-password"))
    handler = steps.run_sync("login", lambda: HeatzyHandler(cfg["username"], cfg["password"]))
    if handler is None:
        return
    # heatzy 0.0.11's own bug: get_token keeps its token only once it expired a day ago, so it
    # logs in before every call. Keeping the token it got measures the simulator's answers
    # instead of that.
    token = handler.token
    handler.get_token = lambda: token
    steps.record("token", {"expires": handler.token_expires})
    devices = steps.run_sync("devices", lambda: _devices(handler))
    if not devices:
        return
    by_did = {device.did: device for device in handler.devices_list}
    for did in (cfg["did"], cfg["raw_did"]):
        version = by_did[did].version
        steps.run_sync(f"set_eco_{version}", by_did[did].eco)
        steps.run_sync(f"status_{version}", functools.partial(_status, by_did[did]))


def _status(device: Any) -> str:
    device.update()
    return str(device.mode)


async def run(cfg: dict[str, Any], steps: Steps) -> None:
    """Login, bad password, bindings, latest without a user token, control (attrs and raw)."""
    await asyncio.to_thread(_blocking, cfg, steps)


if __name__ == "__main__":
    main(run)
