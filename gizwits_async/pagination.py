"""Lazy paginators over the Open API's three paging styles (API-NOTES §2.6).

* ``meta``/``objects`` with ``total`` and a ``next`` link (messages, sharing);
* ``meta`` without links (raw device logs), paged by ``skip``/``limit``;
* bare lists or ``{"devices": [...]}``-style objects paged by ``skip``/``limit`` with no meta
  (bindings, rules, schedulers), where a page shorter than asked ends the walk.

Each style is defined once here (``skip_limit`` and ``linked``), so a list endpoint is one
declarative call naming its path, parameters and the shape of one page; a resource with its
own walk (the raw log) gives the paginator a ``fetch`` coroutine that turns a ``PageRequest``
into a ``Page``. Nothing is sent until iteration starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlsplit

import attrs

from gizwits_async._attrs import Frozen
from gizwits_async.errors import GizwitsResponseError
from gizwits_async.models._envelopes import Listing, Objects, Shape

if TYPE_CHECKING:
    from gizwits_async._transport import Transport

T = TypeVar("T")


@attrs.frozen(repr=False, eq=False)
class PageRequest(Frozen):
    """What to fetch next: an offset and size, or a ``next`` link given by the server."""

    skip: int
    limit: int
    next_path: str | None = None


@attrs.frozen(repr=False, eq=False)
class Page(Frozen, Generic[T]):
    """One page of results.

    ``items`` is a list on every page a paginator hands out (``pages()``, ``first_page()``);
    a ``fetch`` may serve a sequence that builds its items as they are read (the raw log's
    ``RawDataRows``), which iterating item by item never turns into a list.

    ``next_skip`` is the offset of the following page, or None on the last page; ``total`` is
    the server's count when it sends one.
    """

    items: Sequence[T]
    total: int | None = None
    next_skip: int | None = None
    next_path: str | None = attrs.field(default=None, repr=False)

    @property
    def has_next(self) -> bool:
        """Whether the server says another page follows this non-empty one."""
        return bool(self.items) and (self.next_skip is not None or self.next_path is not None)


PageFetcher = Callable[[PageRequest], Awaitable[Page[T]]]


def validate_paging(limit: int | None, page_size: int, *, max_page_size: int = 1000) -> None:
    """Reject bad ``limit``/``page_size`` before anything is sent."""
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise TypeError("page_size must be an int")
    if not 1 <= page_size <= max_page_size:
        raise ValueError(f"page_size must be between 1 and {max_page_size}")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise TypeError("limit must be an int or None")
        if limit < 0:
            raise ValueError("limit must not be negative")


class AsyncPaginator(Generic[T]):
    """Every item of a list endpoint, fetched page by page as you iterate.

    ``async for item in paginator`` walks all items; ``pages()`` walks whole pages;
    ``first_page()`` and ``collect()`` fetch one page or everything.
    """

    def __init__(
        self,
        fetch: PageFetcher[T],
        *,
        limit: int | None = None,
        page_size: int = 20,
        max_page_size: int = 1000,
    ) -> None:
        validate_paging(limit, page_size, max_page_size=max_page_size)
        self._fetch = fetch
        self._limit = limit
        self._page_size = page_size

    def __repr__(self) -> str:
        return f"AsyncPaginator(limit={self._limit}, page_size={self._page_size})"

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Yield pages until the server says there are no more, or ``limit`` items were seen."""
        async for page in self._walk():
            yield (
                page if page.items.__class__ is list else attrs.evolve(page, items=list(page.items))
            )

    async def _walk(self) -> AsyncIterator[Page[T]]:
        """The pages as ``fetch`` serves them."""
        remaining = self._limit
        request = PageRequest(skip=0, limit=self._page_size)
        seen_paths: set[str] = set()
        while remaining is None or remaining > 0:
            if remaining is not None and request.next_path is None:
                request = attrs.evolve(request, limit=min(request.limit, remaining))
            page = await self._fetch(request)
            if not page.items:
                return
            if remaining is not None and len(page.items) > remaining:
                page = attrs.evolve(page, items=page.items[:remaining], next_skip=None)
            if remaining is not None:
                remaining -= len(page.items)
            yield page
            if page.next_path is not None:
                if page.next_path in seen_paths:
                    raise GizwitsResponseError("the server's next link loops back")
                seen_paths.add(page.next_path)
                request = PageRequest(
                    skip=request.skip + len(page.items),
                    limit=self._page_size,
                    next_path=page.next_path,
                )
            elif page.next_skip is not None:
                if page.next_skip <= request.skip:
                    raise GizwitsResponseError("the server's paging does not advance")
                request = PageRequest(skip=page.next_skip, limit=self._page_size)
            else:
                return

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self._walk():
            # A lazily built page makes each item as it is yielded; by the time the next one
            # is made, the consumer has usually dropped it.
            for item in page.items:
                yield item

    async def first_page(self) -> Page[T]:
        """The first page only (one request)."""
        async for page in self.pages():
            return page
        return Page(items=[], total=0)

    async def collect(self) -> list[T]:
        """Every item, as a list."""
        return [item async for item in self]

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self.first_page().__await__()


def next_link_request(link: str, expected_path: str) -> tuple[str, dict[str, str]]:
    """Split a server's ``meta.next`` link into a path and its query parameters.

    The doc gives links relative to the API root. Whatever the server sends, the request stays
    on the configured host (scheme and host are dropped) and on the endpoint being walked (a
    link to another path is refused), so the user token never goes anywhere else.
    """
    parts = urlsplit(link)
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    if path.rstrip("/") != expected_path.rstrip("/"):
        raise GizwitsResponseError(
            f"GET {expected_path}: the next link leaves the endpoint", body=link[:200]
        )
    return expected_path, dict(parse_qsl(parts.query))


def page_from_list(items: list[T], request: PageRequest, *, total: int | None = None) -> Page[T]:
    """A page of a skip/limit endpoint without links: a full page means ask for more."""
    more = len(items) >= request.limit
    if total is not None and request.skip + len(items) >= total:
        more = False
    return Page(items=items, total=total, next_skip=request.skip + len(items) if more else None)


def page_from_meta(items: list[T], meta: Any, request: PageRequest) -> Page[T]:
    """A page of a ``meta``/``objects`` endpoint: follow ``meta.next`` when the server gives one.

    A ``next`` that is present but null is the server saying "last page": the walk ends there,
    whatever skip arithmetic would guess (after following links, ``request.skip`` is only an
    estimate). Only a meta without any ``next`` key falls back to "a full page means more".
    """
    total: int | None = None
    if isinstance(meta, dict):
        raw_total = meta.get("total")
        if isinstance(raw_total, int) and not isinstance(raw_total, bool):
            total = raw_total
        if "next" in meta:
            link = meta["next"]
            if isinstance(link, str) and link:
                following = request.skip + len(items)
                return Page(items=items, total=total, next_skip=following, next_path=link)
            return Page(items=items, total=total)
    return page_from_list(items, request, total=total)


Params = Mapping[str, str | int]


def skip_limit(
    transport: Transport,
    path: str,
    into: Shape[list[T]],
    *,
    params: Params | None = None,
    limit: int | None = None,
    page_size: int = 20,
    max_page_size: int = 1000,
) -> AsyncPaginator[T]:
    """A list endpoint paged by ``skip``/``limit`` with no meta: each page is ``into`` (a
    bare ``ListOf(Model)`` or ``Key("devices", ListOf(Model))``); a full page means more."""
    fixed = dict(params or {})

    async def fetch(request: PageRequest) -> Page[T]:
        query = {**fixed, "limit": request.limit, "skip": request.skip}
        items = await transport.request("GET", path, params=query, into=into)
        return page_from_list(items, request)

    return AsyncPaginator(fetch, limit=limit, page_size=page_size, max_page_size=max_page_size)


def linked(
    transport: Transport,
    path: str,
    item: type[T],
    *,
    params: Params | None = None,
    limit: int | None = None,
    page_size: int = 20,
    max_page_size: int = 1000,
) -> AsyncPaginator[T]:
    """A list endpoint answering ``{"objects": [...], "meta": {...}}``: the first page by
    ``skip``/``limit``, the next ones by the server's ``meta.next`` link (kept on ``path``)."""
    fixed = dict(params or {})
    shape: Objects[T] = Objects(item)

    async def fetch(request: PageRequest) -> Page[T]:
        if request.next_path is not None:
            link_path, link_query = next_link_request(request.next_path, path)
            listing: Listing[T] = await transport.request(
                "GET", link_path, params=link_query, into=shape
            )
        else:
            query = {**fixed, "limit": request.limit, "skip": request.skip}
            listing = await transport.request("GET", path, params=query, into=shape)
        return page_from_meta(listing.items, listing.meta, request)

    return AsyncPaginator(fetch, limit=limit, page_size=page_size, max_page_size=max_page_size)
