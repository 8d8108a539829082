"""The simulator's clock: real time plus an offset that tests move with ``advance``.

Timed behaviour (token and share expiry, schedules, scene delays) reads ``now()``; work due
at a time is registered with ``call_at`` and runs, in time order, when the clock reaches it:
at once inside ``advance``, or from the server's ticker as real time passes.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable


class SimClock:
    def __init__(self, start: float | None = None, *, frozen: bool = False) -> None:
        self._base = time.time() if start is None else float(start)
        self._mono0 = time.monotonic()
        self._frozen = frozen
        self._offset = 0.0
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._running_due = False

    def now(self) -> float:
        elapsed = 0.0 if self._frozen else time.monotonic() - self._mono0
        return self._base + elapsed + self._offset

    def advance(self, seconds: float) -> None:
        """Move time forward, running every callback that falls due on the way, in order."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        target = self.now() + seconds
        while self._queue and self._queue[0][0] <= target:
            when = self._queue[0][0]
            self._offset += max(0.0, when - self.now())
            self.run_due()
        self._offset += max(0.0, target - self.now())
        self.run_due()

    def call_at(self, when: float, callback: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (when, next(self._seq), callback))

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        self.call_at(self.now() + delay, callback)

    def run_due(self) -> int:
        """Run callbacks whose time has come; returns how many ran."""
        if self._running_due:
            return 0
        self._running_due = True
        ran = 0
        try:
            while self._queue and self._queue[0][0] <= self.now():
                _, _, callback = heapq.heappop(self._queue)
                callback()
                ran += 1
        finally:
            self._running_due = False
        return ran

    @property
    def pending(self) -> int:
        return len(self._queue)
