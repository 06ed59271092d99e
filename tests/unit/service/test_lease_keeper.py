"""The lease keeper's tolerance for an unanswered heartbeat, as plain arithmetic.

A lease renewed every third of its TTL is kept without an answer only while it outlives the next
beat; tests/integration/service/test_lease_keeper.py runs the same rule against PostgreSQL.
"""

from __future__ import annotations

from hhsync.service.lease_keeper import outlives_next_beat

TTL_S = 60.0
BEAT_S = TTL_S / 3


def test_a_lease_is_kept_without_an_answer_only_while_it_outlives_the_next_beat() -> None:
    assert outlives_next_beat(0.0, BEAT_S, TTL_S, BEAT_S)
    assert outlives_next_beat(0.0, 2 * BEAT_S - 0.001, TTL_S, BEAT_S)
    assert not outlives_next_beat(0.0, 2 * BEAT_S, TTL_S, BEAT_S)  # it would expire at 3 beats
    assert not outlives_next_beat(0.0, TTL_S, TTL_S, BEAT_S)
    assert outlives_next_beat(100.0, 100.0 + BEAT_S, TTL_S, BEAT_S)  # counted from the renewal
