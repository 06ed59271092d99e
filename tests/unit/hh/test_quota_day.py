"""hh.ru's resume-view day ends at midnight Moscow time (UTC+3, no daylight saving since 2014)."""

from __future__ import annotations

from datetime import UTC, datetime

from hhsync.hh.quota_day import next_reset


def test_the_next_reset_is_the_coming_moscow_midnight_in_utc() -> None:
    assert next_reset(datetime(2026, 12, 1, 17, 0, tzinfo=UTC)) == datetime(
        2026, 12, 1, 21, 0, tzinfo=UTC
    )
    # 21:30 UTC is already 00:30 in Moscow: the day that just began ends the next evening.
    assert next_reset(datetime(2026, 12, 1, 21, 30, tzinfo=UTC)) == datetime(
        2026, 12, 2, 21, 0, tzinfo=UTC
    )
    # At midnight exactly the new day has begun.
    assert next_reset(datetime(2026, 12, 1, 21, 0, tzinfo=UTC)) == datetime(
        2026, 12, 2, 21, 0, tzinfo=UTC
    )
