"""A held portal's wait: the refusal's hold, doubled per failed pass, capped, never below the
poll interval."""

from __future__ import annotations

from hhsync.sync.holds import HOLD_MAX_S, hold_delay_s


def test_the_wait_doubles_while_the_refusal_lasts_and_stops_growing_at_the_cap() -> None:
    waits = [hold_delay_s(600, passes, 60) for passes in range(1, 8)]
    assert waits[:4] == [600, 1200, 2400, 4800]
    assert waits == sorted(waits)
    assert max(waits) == HOLD_MAX_S
    assert hold_delay_s(600, 10_000, 60) == HOLD_MAX_S  # no overflow on a long block


def test_a_hold_never_makes_a_portal_poll_more_often_than_its_interval() -> None:
    assert hold_delay_s(300, 1, 900) == 900
    assert hold_delay_s(300, 0, 60) == 300  # no streak recorded yet: the hold itself
