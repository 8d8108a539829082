"""Tokens and passwords never reach logs, reprs or exception messages."""

from __future__ import annotations

import logging

import pytest

from gizwits_async import ErrorCode, GizwitsClient, GizwitsError
from gizwits_async.simulator import GizwitsSimulator
from tests.conftest import PASSWORD, PRODUCT_KEY, USERNAME


async def test_token_and_password_stay_out_of_debug_logs_reprs_and_errors(
    sim: GizwitsSimulator, alice_uid: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    did = sim.add_device(PRODUCT_KEY, owner=alice_uid)
    errors: list[GizwitsError] = []
    async with GizwitsClient(
        sim.app_id,
        base_url=sim.base_url,
        username=USERNAME,
        password=PASSWORD,
        app_secret=sim.app_secret,
    ) as client:
        await client.devices.latest(did)
        app_token = await client.users.request_app_token()
        sim.faults.add(method="GET", path=".*/latest", error_code=ErrorCode.TOKEN_INVALID, times=2)
        try:
            await client.devices.latest(did)
        except GizwitsError as err:
            errors.append(err)
        await client.devices.control(did, attrs={"switch": True})
        token = client.token
        assert token is not None
        reprs = [repr(client), repr(token), repr(app_token), repr(client._auth), str(client)]
    secrets = [PASSWORD, token.token, app_token.token, sim.app_secret]
    secrets += list(sim.state.tokens)
    texts = [caplog.text, *reprs, *(str(e) for e in errors), *(repr(e) for e in errors)]
    assert errors, "the doubled token error should have raised"
    assert caplog.records, "DEBUG logging produced nothing to check"
    for secret in secrets:
        for text in texts:
            assert secret not in text
