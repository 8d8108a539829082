"""A consumer's queue: bounded, and when full it merges a device's reports instead of growing."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable, Collection
from typing import Any

from gizwits_async.models.events import AttrsEvent, PushEvent, RawEvent


class _Slot:
    __slots__ = ("event",)

    def __init__(self, event: PushEvent) -> None:
        self.event = event


class CoalescingQueue:
    """Events in arrival order. Once ``maxsize`` are waiting, a device's new report is merged
    into the one of it already waiting (the consumer sees the latest state, once), so the
    queue holds at most ``maxsize`` plus one entry per device. Online, binding and connection
    events are never merged nor dropped. ``coalesced`` counts the merged reports."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.coalesced = 0
        self._slots: collections.deque[_Slot] = collections.deque()
        self._latest: dict[tuple[type, str], _Slot] = {}
        self._waiter: asyncio.Future[None] | None = None
        self.closed = False

    def __len__(self) -> int:
        return len(self._slots)

    def put(self, event: PushEvent) -> None:
        """Queue an event; never blocks."""
        if self.closed:
            return
        key: tuple[type, str] | None = None
        if isinstance(event, AttrsEvent | RawEvent):
            key = (type(event), event.did)
            if len(self._slots) >= self.maxsize:
                waiting = self._latest.get(key)
                if waiting is not None:
                    waiting.event = _merge(waiting.event, event)
                    self.coalesced += 1
                    return
        slot = _Slot(event)
        self._slots.append(slot)
        if key is not None:
            self._latest[key] = slot
        self._wake()

    def close(self) -> None:
        """No more events; a waiting ``get`` ends once the queue is drained."""
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def get_nowait(self) -> PushEvent | None:
        """The next event, or None if none is waiting."""
        if not self._slots:
            return None
        slot = self._slots.popleft()
        event = slot.event
        if isinstance(event, AttrsEvent | RawEvent):
            key = (type(event), event.did)
            if self._latest.get(key) is slot:
                del self._latest[key]
        return event

    async def get(self) -> PushEvent | None:
        """The next event; None once closed and drained."""
        while True:
            event = self.get_nowait()
            if event is not None:
                return event
            if self.closed:
                return None
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None


def _merge(old: PushEvent, new: PushEvent) -> PushEvent:
    if isinstance(old, AttrsEvent) and isinstance(new, AttrsEvent):
        return AttrsEvent(did=new.did, attrs={**old.attrs, **new.attrs}, state=new.state)
    return new


class EventFilter:
    """Which events a consumer wants: by did and by event class."""

    __slots__ = ("dids", "kinds")

    def __init__(self, dids: Collection[str] | None, kinds: Collection[type] | None) -> None:
        if isinstance(dids, str):
            raise TypeError("dids must be a collection of dids, not one string")
        self.dids = frozenset(dids) if dids is not None else None
        self.kinds = tuple(kinds) if kinds is not None else None

    def wants(self, event: PushEvent) -> bool:
        """Whether this consumer gets ``event``."""
        if self.kinds is not None and not isinstance(event, self.kinds):
            return False
        if self.dids is None:
            return True
        did: Any = getattr(event, "did", None)
        # Connection events concern every device on the socket.
        return did is None or did in self.dids


Unsubscribe = Callable[[], None]
