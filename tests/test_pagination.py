"""The paginator: lazy, capped by limit, stops on short or empty pages, follows next links."""

from __future__ import annotations

import pytest

from gizwits_async import AsyncPaginator, GizwitsResponseError, Page
from gizwits_async.pagination import (
    PageRequest,
    next_link_request,
    page_from_list,
    page_from_meta,
)


class FakeEndpoint:
    """A skip/limit endpoint over ``total`` numbers; records every request."""

    def __init__(self, total: int, *, lie_total: int | None = None) -> None:
        self.total = total
        self.lie_total = lie_total
        self.requests: list[PageRequest] = []

    async def bare(self, request: PageRequest) -> Page[int]:
        self.requests.append(request)
        items = list(range(request.skip, min(self.total, request.skip + request.limit)))
        return page_from_list(items, request)

    async def meta(self, request: PageRequest) -> Page[int]:
        self.requests.append(request)
        skip, limit = request.skip, request.limit
        if request.next_path is not None:
            query = dict(part.split("=") for part in request.next_path.split("?")[1].split("&"))
            skip, limit = int(query["skip"]), int(query["limit"])
        items = list(range(skip, min(self.total, skip + limit)))
        more = skip + limit < self.total
        meta = {
            "total": self.lie_total if self.lie_total is not None else self.total,
            "limit": limit,
            "skip": skip,
            "next": f"/app/messages?skip={skip + limit}&limit={limit}" if more else None,
        }
        return page_from_meta(items, meta, request)


async def test_nothing_is_sent_until_iteration_starts() -> None:
    endpoint = FakeEndpoint(10)
    paginator = AsyncPaginator(endpoint.bare, page_size=3)
    assert endpoint.requests == []
    assert await paginator.collect() == list(range(10))
    assert [r.skip for r in endpoint.requests] == [0, 3, 6, 9]


async def test_full_last_page_costs_one_more_empty_request() -> None:
    endpoint = FakeEndpoint(6)
    assert await AsyncPaginator(endpoint.bare, page_size=3).collect() == list(range(6))
    assert len(endpoint.requests) == 3


async def test_limit_caps_items_and_shrinks_the_last_request() -> None:
    endpoint = FakeEndpoint(100)
    items = [i async for i in AsyncPaginator(endpoint.bare, page_size=20, limit=30)]
    assert items == list(range(30))
    assert [(r.skip, r.limit) for r in endpoint.requests] == [(0, 20), (20, 10)]


async def test_limit_zero_sends_nothing() -> None:
    endpoint = FakeEndpoint(100)
    assert await AsyncPaginator(endpoint.bare, limit=0).collect() == []
    assert endpoint.requests == []


async def test_meta_style_follows_next_links() -> None:
    endpoint = FakeEndpoint(95)
    pages = [page async for page in AsyncPaginator(endpoint.meta, page_size=20).pages()]
    assert [len(p.items) for p in pages] == [20, 20, 20, 20, 15]
    assert pages[0].total == 95
    assert endpoint.requests[1].next_path == "/app/messages?skip=20&limit=20"


async def test_empty_page_ends_the_walk_even_if_total_says_more() -> None:
    endpoint = FakeEndpoint(5, lie_total=50)
    assert await AsyncPaginator(endpoint.meta, page_size=5).collect() == list(range(5))
    assert len(endpoint.requests) <= 2


async def test_first_page_and_await_fetch_one_page() -> None:
    endpoint = FakeEndpoint(50)
    paginator = AsyncPaginator(endpoint.bare, page_size=10)
    page = await paginator.first_page()
    assert page.items == list(range(10))
    assert page.next_skip == 10
    assert page.has_next
    assert (await paginator).items == page.items
    assert len(endpoint.requests) == 2


async def test_first_page_of_an_empty_list() -> None:
    page = await AsyncPaginator(FakeEndpoint(0).bare).first_page()
    assert page.items == []
    assert not page.has_next


async def test_a_next_link_that_loops_is_refused() -> None:
    async def looping(request: PageRequest) -> Page[int]:
        return Page(items=[1], next_path="/same")

    with pytest.raises(GizwitsResponseError):
        await AsyncPaginator(looping).collect()


async def test_paging_that_does_not_advance_is_refused() -> None:
    async def stuck(request: PageRequest) -> Page[int]:
        return Page(items=[1], next_skip=0)

    with pytest.raises(GizwitsResponseError):
        await AsyncPaginator(stuck).collect()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"page_size": 0}, ValueError),
        ({"page_size": 1001}, ValueError),
        ({"page_size": "20"}, TypeError),
        ({"limit": -1}, ValueError),
        ({"limit": 2.5}, TypeError),
    ],
)
def test_bad_paging_arguments_are_refused(kwargs: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        AsyncPaginator(FakeEndpoint(1).bare, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            "/app/messages?skip=20&type=1&limit=20",
            ("/app/messages", {"skip": "20", "type": "1", "limit": "20"}),
        ),
        ("app/messages?skip=1", ("/app/messages", {"skip": "1"})),
        ("https://elsewhere.invalid/app/messages?skip=2", ("/app/messages", {"skip": "2"})),
        ("/app/messages/", ("/app/messages", {})),
    ],
)
def test_next_links_stay_on_the_host_and_the_endpoint(
    link: str, expected: tuple[str, dict[str, str]]
) -> None:
    assert next_link_request(link, "/app/messages") == expected


@pytest.mark.parametrize(
    "link", ["/app/users?skip=1", "//evil.example/x", "/app/messages/../users"]
)
def test_next_links_to_another_endpoint_are_refused(link: str) -> None:
    with pytest.raises(GizwitsResponseError, match="leaves the endpoint"):
        next_link_request(link, "/app/messages")
