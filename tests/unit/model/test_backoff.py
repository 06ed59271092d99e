"""Retry timing: grows exponentially, stays within the cap, spreads keys apart."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from hhsync.model.backoff import next_retry_at, retry_delay_s


def test_delays_grow_and_are_capped() -> None:
    delays = [retry_delay_s(n, 60, 3600, "1843757424") for n in range(1, 12)]
    assert delays[0] == pytest.approx(60, rel=0.21)
    assert delays[1] == pytest.approx(120, rel=0.21)
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert max(delays) <= 3600
    assert delays[-1] > 3600 * 0.79


def test_no_delay_before_the_first_failure_and_spread_between_keys() -> None:
    assert retry_delay_s(0, 60, 3600, "x") == 0
    spread = {round(retry_delay_s(3, 60, 3600, str(k)), 3) for k in range(50)}
    assert len(spread) > 40  # different responses come due at different times
    assert retry_delay_s(3, 60, 3600, "7") == retry_delay_s(3, 60, 3600, "7")  # pure


def test_next_retry_at_adds_the_delay() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    due = next_retry_at(1, now, 60, 3600, "k")
    assert 48 <= (due - now).total_seconds() <= 72
