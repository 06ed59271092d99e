"""Watermark maths: inclusive boundaries, no advance past the pass start, promote on completion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hhsync.sync.cursor import SAFETY_MARGIN, CursorProgress, Watermark, page_reaches, promote

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
START = T + timedelta(hours=1)


def test_empty_watermark_covers_nothing() -> None:
    assert not Watermark().covers(T, "1")
    assert not page_reaches(Watermark(), [(T, "1")])


def test_boundary_is_inclusive_by_id() -> None:
    mark = Watermark(T, frozenset({"10"}))
    assert mark.covers(T - timedelta(seconds=1), "9")
    assert mark.covers(T, "10")
    assert not mark.covers(T, "11")  # same second, not yet seen: must be read
    assert not mark.covers(T + timedelta(seconds=1), "12")


def test_paging_stops_at_the_first_page_reaching_back() -> None:
    mark = Watermark(T, frozenset({"10"}))
    newer_page = [(T + timedelta(minutes=5), "20"), (T, "11")]
    reaching_page = [(T, "11"), (T, "10"), (T - timedelta(minutes=1), "9")]
    assert not page_reaches(mark, newer_page)
    assert page_reaches(mark, reaching_page)


def test_progress_never_passes_the_pass_start() -> None:
    progress = CursorProgress(pass_started_at=START)
    progress.see(START, "late")  # stamped after the cap: may have siblings still arriving
    progress.see(START - SAFETY_MARGIN, "a")
    progress.see(START - SAFETY_MARGIN, "b")
    progress.see(T, "old")
    mark = promote(Watermark(), progress, complete=True)
    assert mark == Watermark(START - SAFETY_MARGIN, frozenset({"a", "b"}))
    assert not mark.covers(START, "late")


def test_incomplete_pass_keeps_the_old_watermark() -> None:
    old = Watermark(T, frozenset({"1"}))
    progress = CursorProgress(pass_started_at=START)
    progress.see(T + timedelta(minutes=10), "2")
    assert promote(old, progress, complete=False) is old


def test_same_instant_merges_boundary_ids_and_older_never_moves_back() -> None:
    old = Watermark(T, frozenset({"1"}))
    same = CursorProgress(pass_started_at=START)
    same.see(T, "2")
    assert promote(old, same, complete=True) == Watermark(T, frozenset({"1", "2"}))
    older = CursorProgress(pass_started_at=START)
    older.see(T - timedelta(days=1), "0")
    assert promote(old, older, complete=True) == old
    assert promote(old, CursorProgress(pass_started_at=START), complete=True) == old
