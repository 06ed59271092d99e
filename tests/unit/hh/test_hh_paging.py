"""hh.ru page walking: per_page cap, depth limit, end of list, loop detection."""

from __future__ import annotations

import pytest

from hhsync.hh.errors import PagingLoop
from hhsync.hh.paging import PageRequest, PageWalk


def _ids(page: int, count: int = 50) -> list[str]:
    return [f"{page}-{n}" for n in range(count)]


def test_per_page_is_capped_at_the_method_maximum() -> None:
    walk = PageWalk(500, max_per_page=50, max_depth_items=None)
    assert walk.first() == PageRequest(0, 50)


def test_walk_ends_on_the_last_page() -> None:
    walk = PageWalk(50, max_per_page=50, max_depth_items=None)
    assert walk.next_after(page=0, pages=3, item_ids=_ids(0)) == PageRequest(1, 50)
    assert walk.next_after(page=1, pages=3, item_ids=_ids(1)) == PageRequest(2, 50)
    assert walk.next_after(page=2, pages=3, item_ids=_ids(2)) is None
    assert not walk.truncated


def test_walk_ends_on_an_empty_page_whatever_pages_says() -> None:
    walk = PageWalk(50, max_per_page=50, max_depth_items=None)
    assert walk.next_after(page=0, pages=9, item_ids=[]) is None


@pytest.mark.parametrize(
    ("depth", "per_page", "last_page"), [(2000, 50, 39), (10_000, 50, 199), (100, 30, 2)]
)
def test_walk_stops_inside_the_depth_limit(depth: int, per_page: int, last_page: int) -> None:
    walk = PageWalk(per_page, max_per_page=50, max_depth_items=depth)
    request: PageRequest | None = walk.first()
    asked = []
    while request is not None:
        asked.append(request.page)
        request = walk.next_after(page=request.page, pages=10_000, item_ids=_ids(request.page))
    assert asked[-1] == last_page
    assert (last_page + 1) * per_page <= depth < (last_page + 2) * per_page
    assert walk.truncated


def test_a_refused_depth_marks_the_walk_truncated() -> None:
    walk = PageWalk(50, max_per_page=50, max_depth_items=None)
    walk.refused_as_too_deep()
    assert walk.truncated


def test_another_page_than_asked_is_a_loop() -> None:
    walk = PageWalk(50, max_per_page=50, max_depth_items=None)
    walk.next_after(page=0, pages=5, item_ids=_ids(0))
    with pytest.raises(PagingLoop, match=r"asked hh\.ru for page 1, got page 0"):
        walk.next_after(page=0, pages=5, item_ids=_ids(0))


def test_the_same_items_again_is_a_loop() -> None:
    walk = PageWalk(50, max_per_page=50, max_depth_items=None)
    walk.next_after(page=0, pages=5, item_ids=_ids(0))
    with pytest.raises(PagingLoop, match="same items"):
        walk.next_after(page=1, pages=5, item_ids=_ids(0))


def test_per_page_must_be_positive() -> None:
    with pytest.raises(ValueError, match="per_page"):
        PageWalk(0, max_per_page=50, max_depth_items=None)
