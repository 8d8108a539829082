"""examples/shared_account.py: worker processes behind one account, against the simulator."""

from __future__ import annotations

import pytest

from examples import shared_account
from tests.redis_server import redis_server, redis_url

__all__ = ["redis_server", "redis_url"]  # fixtures


async def test_four_workers_share_one_login_and_read_every_device(
    redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await shared_account.main(
        ["--simulator", "--devices", "8", "--redis", redis_url, "--workers", "4", "--rate", "50"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert [line for line in out.splitlines() if line.startswith("worker")] == [
        f"worker {index}: 2/2 devices read" for index in range(4)
    ]
    assert "logins at the simulator: 1" in out
