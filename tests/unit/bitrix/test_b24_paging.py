"""List paginators: start/next with loop detection, and the >ID keyset trick."""

from __future__ import annotations

import pytest

from hhsync.bitrix.paging import PAGE_SIZE, IdCursorPager, PagingError, StartPager


def test_start_pager_follows_next_and_stops_without_it() -> None:
    pager = StartPager()
    params = {"filter": {"CATEGORY_ID": 1}}
    assert pager.first_params(params) == {"filter": {"CATEGORY_ID": 1}, "start": 0}
    assert pager.next_params(params, 50) == {"filter": {"CATEGORY_ID": 1}, "start": 50}
    assert pager.next_params(params, None) is None


def test_start_pager_detects_a_loop() -> None:
    pager = StartPager()
    pager.next_params({}, 50)
    with pytest.raises(PagingError, match="loops"):
        pager.next_params({}, 50)
    with pytest.raises(PagingError):
        StartPager().next_params({}, 0)


def test_id_cursor_pages_by_last_id_without_counting() -> None:
    pager = IdCursorPager()
    first = pager.first_params({"filter": {"ORIGINATOR_ID": "hhsync"}, "select": ["ID"]})
    assert first == {
        "filter": {"ORIGINATOR_ID": "hhsync", ">ID": 0},
        "select": ["ID"],
        "order": {"ID": "ASC"},
        "start": -1,
    }
    full_page = [{"ID": str(i)} for i in range(1, PAGE_SIZE + 1)]
    second = pager.next_params(first, full_page)
    assert second is not None
    assert second["filter"][">ID"] == PAGE_SIZE
    assert pager.next_params(second, full_page[:10]) is None


def test_id_cursor_detects_a_stall() -> None:
    pager = IdCursorPager(after_id=100)
    with pytest.raises(PagingError, match="stalled"):
        pager.next_params({}, [{"ID": "7"}] * PAGE_SIZE)
