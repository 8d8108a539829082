"""Walking a device's raw log over any time range within the endpoint's caps.

``GET /app/devices/{did}/raw_data`` answers one window of under 48 hours at a time, and within
it at most 5000 rows (``skip + limit <= 5000``, ``limit <= 1000``). The walk cuts the range into
consecutive windows on whole seconds, pages through each, and narrows a window whose first page
reports more than 5000 rows before reading it. Every page carries the exact next request as its
``next_path``, so a walk keeps no state between pages beyond the one page being yielded, and
two walks of one paginator do not interfere.

Boundaries: a window ``[s, e]`` keeps the entries with ``s <= t < e``; the entry stamped
exactly ``e`` is read again by the next window and kept there. Only the window that ends the
range keeps ``t <= end``. So no entry is yielded twice whether the server's ``end_time`` is
inclusive or not; the walk relies on ``start_time`` being inclusive, as its name says.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async._transport import Transport
from gizwits_async.errors import GizwitsResponseError
from gizwits_async.models._envelopes import RawDataPage, RawDataWindow
from gizwits_async.models.raw_data import RawDataEntry
from gizwits_async.pagination import Page, PageRequest

MAX_WINDOW: Final = 48 * 3600 - 1  # end_time - start_time must be under 48 hours
MAX_ROWS: Final = 5000  # skip + limit <= 5000
MAX_LIMIT: Final = 1000
# A window over the cap is narrowed to hold about this many rows (if rows were spread evenly),
# and to at most half its span, so an uneven window still converges quickly.
NARROW_TO_ROWS: Final = 4000
# A window this sparse lets the next one grow again (after narrowing for a dense stretch).
GROW_BELOW_ROWS: Final = MAX_ROWS // 4
RAW_DATA_TYPES: Final = ("cmd", "online")
# How far back the cloud keeps raw logs; older parts of a range are not asked for.
DEFAULT_RETENTION: Final = timedelta(days=7)
MAX_RETENTION: Final = timedelta(days=3660)
SORT_ORDERS: Final = ("asc", "desc")


@attrs.frozen(repr=False, eq=False)
class Window(Frozen):
    """One request: a window on whole seconds and a slice of its rows."""

    start_time: int
    end_time: int
    skip: int
    limit: int

    @property
    def span(self) -> int:
        return self.end_time - self.start_time


@attrs.frozen(repr=False, eq=False)
class RawDataWalk(Frozen):
    """The range, order and page size of one ``raw_data`` call; ``fetch`` serves its pages."""

    transport: Transport
    path: str
    type: str
    sort: str
    start: float
    end: float
    page_size: int

    @classmethod
    def checked(
        cls,
        transport: Transport,
        path: str,
        *,
        type: str,
        sort: str,
        start: float,
        end: float,
        page_size: int,
        retention: timedelta | float,
    ) -> RawDataWalk:
        """A walk of ``raw_data`` arguments checked before anything is sent, its start
        clipped to what the cloud keeps."""
        if type not in RAW_DATA_TYPES:
            raise ValueError(f"type must be one of {RAW_DATA_TYPES}, got {type!r}")
        if sort not in SORT_ORDERS:
            raise ValueError(f"sort must be one of {SORT_ORDERS}, got {sort!r}")
        if end <= start:
            raise ValueError("end must be after start")
        if isinstance(retention, timedelta):
            retention = retention.total_seconds()
        if isinstance(retention, bool) or not isinstance(retention, int | float):
            raise TypeError("retention must be a timedelta or seconds")
        if not 0 < retention <= MAX_RETENTION.total_seconds():
            raise ValueError(f"retention must be positive and at most {MAX_RETENTION.days} days")
        oldest = time.time() - retention
        if end <= oldest:
            raise ValueError(
                f"the range ends before the oldest log the cloud keeps ({retention:.0f} s ago); "
                "pass a longer retention= if yours keeps more"
            )
        return cls(transport, path, type, sort, max(start, oldest), end, page_size)

    @property
    def ascending(self) -> bool:
        return self.sort == "asc"

    @property
    def first_second(self) -> int:
        return math.floor(self.start)

    @property
    def last_second(self) -> int:
        return math.ceil(self.end)

    async def fetch(self, request: PageRequest) -> Page[RawDataEntry]:
        """The next non-empty page (windows holding nothing in range are passed over); its
        entries are built as they are read (``RawDataRows``)."""
        if request.next_path is None:
            anchor = self.first_second if self.ascending else self.last_second
            window = self.window_from(anchor, MAX_WINDOW, limit=request.limit)
        else:
            window = self.parse(request.next_path)
            # A paginator near its ``limit`` asks for fewer rows than the link says.
            window = attrs.evolve(window, limit=min(window.limit, request.limit))
        while True:
            page = await self.read(window)
            if page.total > MAX_ROWS:
                window = self.narrowed(window, page.total)
                continue
            following = self.following(window, page.count, page.total)
            if page.rows or following is None:
                next_path = None if following is None else self.unparse(following)
                return Page(items=page.rows, next_path=next_path)
            window = following

    # -- windows -------------------------------------------------------------------------

    def window_from(self, anchor: int, span: int, *, limit: int) -> Window:
        """The window that starts (ascending) or ends (descending) at ``anchor``."""
        if self.ascending:
            return Window(anchor, min(anchor + span, self.last_second), 0, limit)
        return Window(max(anchor - span, self.first_second), anchor, 0, limit)

    def narrowed(self, window: Window, total: int) -> Window:
        if window.skip:
            # Rows were added to a window already partly read: narrowing now would repeat or
            # skip rows, so say so rather than yield a log with a hole in it.
            raise GizwitsResponseError(
                f"raw_data window {window.start_time}-{window.end_time} grew past "
                f"{MAX_ROWS} rows while it was being read"
            )
        if window.span <= 1:
            raise GizwitsResponseError(
                f"more than {MAX_ROWS} raw_data entries within one second "
                f"({window.start_time}); the API cannot page past them"
            )
        span = max(1, math.floor(window.span * min(0.5, NARROW_TO_ROWS / total)))
        anchor = window.start_time if self.ascending else window.end_time
        return self.window_from(anchor, span, limit=window.limit)

    def following(self, window: Window, count: int, total: int) -> Window | None:
        """The request after ``window`` read ``count`` rows of ``total``; None at the end."""
        read = window.skip + count
        if count and read < min(total, MAX_ROWS):
            return attrs.evolve(window, skip=read, limit=min(self.page_size, MAX_ROWS - read))
        if self.ascending:
            if window.end_time >= self.last_second:
                return None
            anchor = window.end_time
        else:
            if window.start_time <= self.first_second:
                return None
            anchor = window.start_time
        span = window.span
        if total <= GROW_BELOW_ROWS:
            span = min(MAX_WINDOW, span * 2)
        return self.window_from(anchor, span, limit=self.page_size)

    # -- requests ------------------------------------------------------------------------

    def params(self, window: Window) -> dict[str, str | int]:
        return {
            "type": self.type,
            "start_time": window.start_time,
            "end_time": window.end_time,
            "skip": window.skip,
            "limit": window.limit,
            "sort": self.sort,
        }

    def unparse(self, window: Window) -> str:
        return f"{self.path}?{urlencode(self.params(window))}"

    def parse(self, next_path: str) -> Window:
        # Only ever a link this walk made itself (see ``unparse``).
        fields = dict(parse_qsl(urlsplit(next_path).query))
        return Window(
            int(fields["start_time"]),
            int(fields["end_time"]),
            int(fields["skip"]),
            int(fields["limit"]),
        )

    async def read(self, window: Window) -> RawDataPage:
        page: RawDataPage = await self.transport.request(
            "GET", self.path, params=self.params(window), into=self.bounds(window)
        )
        return page

    def bounds(self, window: Window) -> RawDataWindow:
        """The window's own entries: ``lower <= t < upper`` (``t <= end`` for the last)."""
        lower = max(float(window.start_time), self.start)
        if window.end_time >= self.last_second:
            return RawDataWindow(lower, math.nextafter(self.end, math.inf))
        return RawDataWindow(lower, float(window.end_time))
