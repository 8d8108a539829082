"""What every example needs: a Gizwits account from flags or the environment, or an embedded
simulator holding the demo account.

Flags win over environment variables:

==================  =====================  ==========================================
flag                environment variable   meaning
==================  =====================  ==========================================
``--app-id``        ``GIZWITS_APP_ID``     your application's id (X-Gizwits-Application-Id)
``--username``      ``GIZWITS_USERNAME``   user name, e-mail or phone number
``--password``      ``GIZWITS_PASSWORD``   prompted for when missing on a terminal
``--region``        ``GIZWITS_REGION``     cn (default), us or eu
``--base-url``      ``GIZWITS_BASE_URL``   instead of a region: a private cloud, a proxy or
                                           ``gizwits-async serve``
==================  =====================  ==========================================
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import getpass
import os
import sys
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp

from gizwits_async import GizwitsClient
from gizwits_async.simulator import GizwitsSimulator
from gizwits_async.simulator.demo import load_demo

ENVIRONMENT = {
    "app_id": "GIZWITS_APP_ID",
    "username": "GIZWITS_USERNAME",
    "password": "GIZWITS_PASSWORD",
    "region": "GIZWITS_REGION",
    "base_url": "GIZWITS_BASE_URL",
}


@dataclasses.dataclass(frozen=True)
class Account:
    """Where to connect and as whom."""

    app_id: str
    username: str
    password: str = dataclasses.field(repr=False)
    region: str = "cn"
    base_url: str | None = None

    def client(
        self, *, session: aiohttp.ClientSession | None = None, **options: Any
    ) -> GizwitsClient:
        """A client for this account; ``options`` are more ``GizwitsClient`` keywords."""
        return GizwitsClient(
            self.app_id,
            region=self.region,
            base_url=self.base_url,
            session=session,
            username=self.username,
            password=self.password,
            **options,
        )


def add_account_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--simulator",
        action="store_true",
        help="run against an embedded simulator with the demo account (no Gizwits account)",
    )
    account = parser.add_argument_group("Gizwits account (flags or environment variables)")
    account.add_argument("--app-id", help="application id [GIZWITS_APP_ID]")
    account.add_argument("--username", help="user name, e-mail or phone [GIZWITS_USERNAME]")
    account.add_argument("--password", help="prompted for when missing [GIZWITS_PASSWORD]")
    account.add_argument(
        "--region", choices=["cn", "us", "eu"], help="cloud region, default cn [GIZWITS_REGION]"
    )
    account.add_argument("--base-url", help="API root instead of a region [GIZWITS_BASE_URL]")


def account_from_args(
    args: argparse.Namespace,
    parser: argparse.ArgumentParser,
    environ: Mapping[str, str] | None = None,
) -> Account:
    """The cloud account the flags and environment name; exits with a usage error when the
    app id or username is missing."""
    env = os.environ if environ is None else environ
    values = {
        name: getattr(args, name) or env.get(variable) or None
        for name, variable in ENVIRONMENT.items()
    }
    missing = [
        f"--{name.replace('_', '-')} (or {ENVIRONMENT[name]})"
        for name in ("app_id", "username")
        if not values[name]
    ]
    if missing:
        parser.error(f"missing {' and '.join(missing)}; or run with --simulator")
    password = values["password"]
    if not password and sys.stdin.isatty():
        password = getpass.getpass(f"Gizwits password for {values['username']}: ")
    if not password:
        parser.error(f"missing --password (or {ENVIRONMENT['password']})")
    region = values["region"] or "cn"
    if region not in {"cn", "us", "eu"}:
        parser.error(f"{ENVIRONMENT['region']} must be cn, us or eu, not {region!r}")
    return Account(
        app_id=str(values["app_id"]),
        username=str(values["username"]),
        password=str(password),
        region=region,
        base_url=values["base_url"],
    )


@contextlib.asynccontextmanager
async def simulated_account(devices: int) -> AsyncIterator[tuple[GizwitsSimulator, Account]]:
    """A simulator on 127.0.0.1 holding the demo user with ``devices`` bound devices
    (``sim.demo`` says which)."""
    async with GizwitsSimulator() as sim:
        demo = sim.demo = load_demo(sim, devices)
        yield (
            sim,
            Account(
                app_id=sim.app_id,
                username=demo.username,
                password=demo.password,
                base_url=sim.base_url,
            ),
        )
