"""``examples/ha_coordinator.py --simulator --push``: push-fed entities and their availability."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from examples import ha_coordinator


def test_the_push_tour_marks_offline_devices_unavailable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert ha_coordinator.main(["--simulator", "--push"]) == 0
    text = capsys.readouterr().out
    assert text.count("push connected") == 2
    assert "push disconnected" in text
    assert "offline: unavailable" in text
    assert "['temperature'] (push)" in text


async def test_push_feed_availability_follows_online_events_and_age() -> None:
    out = io.StringIO()
    feed = await ha_coordinator.simulate_push(out, stale_after=90.0)
    online = [did for did in feed.states if did not in feed.offline]
    assert len(online) == 2
    assert len(feed.offline) == 1
    (offline,) = feed.offline
    assert not feed.available(offline)
    did = online[0]
    state = feed.states[did]
    assert state.updated_at is not None
    assert feed.available(did, state.updated_at + timedelta(seconds=89))
    assert not feed.available(did, state.updated_at + timedelta(seconds=91))
    assert not feed.available("unknown-did")
