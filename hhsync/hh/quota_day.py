"""When hh.ru's daily resume-view limits start again: at midnight Moscow time.

hh.ru's terms count resume opens "в течение суток" (hhru/api #855) without naming the hour; hh.ru
keeps its days in Moscow time, so hhsync waits for the next Moscow midnight. Pure.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

MOSCOW = timezone(timedelta(hours=3))  # no daylight saving since 2014


def next_reset(now: datetime) -> datetime:
    """The first Moscow midnight after ``now``, in UTC."""
    local = now.astimezone(MOSCOW)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC)
