"""vaillant-plus-cn-api 0.3.5 (PyPI) against the simulator: ``python -m
tests.peers.clients.run_vaillant '{json}'`` under the peers' venv.

Its login goes to Vaillant's own app server, not to Gizwits, so the test hands it a user token
the simulator issued; its Gizwits host is the module-level ``HOST_API``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import aiohttp
import vaillant_plus_cn_api.api
from vaillant_plus_cn_api import VaillantApiClient

from tests.peers.clients._harness import Steps, main


async def run(cfg: dict[str, Any], steps: Steps) -> None:
    """Bindings (the versions it reads) and the token error mapping."""
    vaillant_plus_cn_api.api.HOST_API = cfg["base_url"]
    async with aiohttp.ClientSession() as session:
        client = VaillantApiClient(application_id=cfg["app_id"], session=session)

        async def devices(token: str) -> list[dict[str, Any]]:
            return [dataclasses.asdict(d) for d in await client.get_device_list(token)]

        await steps.run("devices", lambda: devices(cfg["token"]))
        await steps.run("token_invalid", lambda: devices("f" * 32))


if __name__ == "__main__":
    main(run)
