"""A downstream project's tests: they use nothing but the plugin's fixtures."""

from __future__ import annotations

from gizwits_async import DeviceRole, GizwitsClient
from gizwits_async.simulator import GizwitsSimulator


async def test_switch_on_through_the_plugin(
    gizwits_client: GizwitsClient, gizwits_simulator: GizwitsSimulator
) -> None:
    assert gizwits_simulator.demo is not None
    did = gizwits_simulator.demo.dids[0]
    await gizwits_client.devices.control(did, attrs={"switch": True})
    assert gizwits_simulator.device(did).attrs["switch"] is True
    assert (await gizwits_client.devices.latest(did)).attrs["switch"] is True


async def test_the_demo_account_owns_three_devices(gizwits_client: GizwitsClient) -> None:
    devices = await gizwits_client.bindings.list().collect()
    assert len(devices) == 3
    assert {device.role for device in devices} == {DeviceRole.SPECIAL}
