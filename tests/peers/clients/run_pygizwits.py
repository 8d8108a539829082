"""pyGizwits 0.0.3 (PyPI) against the simulator: ``python -m tests.peers.clients.run_pygizwits
'{json}'`` under the peers' venv. Its client keeps its base URL in ``base_url``."""

from __future__ import annotations

import dataclasses
import importlib
import sys
from collections.abc import ItemsView
from typing import Any

import aiohttp

from tests.peers.clients._harness import Steps, main


def import_pygizwits() -> Any:
    """pyGizwits 0.0.3's own bug: ``GizwitsClient`` imports ``GizwitsDeviceNotBound`` from
    ``pyGizwits.pyGizwits``, which never defines it, so ``import pyGizwits`` fails. The modules
    that did load stay in ``sys.modules``; giving that one the name from ``Exceptions`` (where
    the class lives) lets the second import succeed, without changing any of its behaviour."""
    try:
        return importlib.import_module("pyGizwits")
    except ImportError:
        exceptions: Any = sys.modules["pyGizwits.Exceptions"]
        loaded: Any = sys.modules["pyGizwits.pyGizwits"]
        loaded.GizwitsDeviceNotBound = exceptions.GizwitsDeviceNotBound
        return importlib.import_module("pyGizwits")


class _Bindings(dict[str, Any]):
    """pyGizwits 0.0.3's own bug: ``fetch_device`` tests ``did in bindings.items()``, which no
    did ever is. These bindings answer that test by key; iterating them is unchanged."""

    def items(self) -> _KeyedItems:  # type: ignore[override]
        return _KeyedItems(self)


class _KeyedItems(ItemsView[str, Any]):
    def __init__(self, bindings: dict[str, Any]) -> None:
        super().__init__(bindings)
        self._bindings = bindings

    def __contains__(self, item: object) -> bool:
        return item in self._bindings


def _device(device: Any) -> dict[str, Any]:
    return dataclasses.asdict(device)


def _report(report: Any) -> dict[str, Any]:
    status = report.status
    return {
        "device": _device(report.device),
        "status": None
        if status is None
        else {"timestamp": status.timestamp, "attributes": status.attributes},
    }


async def run(cfg: dict[str, Any], steps: Steps) -> None:
    """Login, bad password, bindings, latest, control and error mapping."""
    pygizwits = import_pygizwits()
    steps.record("import", "pyGizwits")
    async with aiohttp.ClientSession() as session:
        client = pygizwits.GizwitsClient(session, cfg["app_id"], pygizwits.GizwitsClient.Region.EU)
        client.base_url = cfg["base_url"]
        await steps.run("bad_password", lambda: client.login(cfg["username"], "not-the-password"))
        await steps.run("unknown_user", lambda: client.login("nobody-here", cfg["password"]))
        await steps.run("login", lambda: client.login(cfg["username"], cfg["password"]))
        steps.record("token", {"uid": client.uid, "expires_at": client.expires_at})

        async def bindings() -> dict[str, Any]:
            await client.refresh_bindings()
            return {did: _device(device) for did, device in client.bindings.items()}

        await steps.run("bindings", bindings)

        async def devices() -> dict[str, Any]:
            reports = await client.fetch_devices()
            return {did: _report(report) for did, report in reports.items()}

        await steps.run("devices", devices)

        async def device() -> dict[str, Any]:
            client.bindings = _Bindings(client.bindings)
            return _report(await client.fetch_device(cfg["did"]))

        await steps.run("device", device)
        # pyGizwits has no control method of its own; its transport posts for it.
        control = f"/app/control/{cfg['did']}"
        offline = f"/app/control/{cfg['offline_did']}"
        post = client._post
        await steps.run("control_attrs", lambda: post(control, {"attrs": cfg["attrs"]}))
        await steps.run("control_raw", lambda: post(control, {"raw": cfg["raw"]}))
        await steps.run("control_offline", lambda: post(offline, {"attrs": cfg["attrs"]}))
        client.token = "f" * 32
        # refresh_bindings turns every error into a plain GizwitsException; fetch_devices
        # shows pyGizwits' own mapping of the answer.
        await steps.run("token_invalid", devices)


if __name__ == "__main__":
    main(run)
