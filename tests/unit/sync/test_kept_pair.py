"""When a parked account's kept pair is tried again: only after "token deactivated" (hhru/api#869,
#619: it may be spurious), after 5 min, 30 min and 2 h, then never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hhsync.hh.errors import PasswordChanged, RefreshTokenReused, TokenRevoked
from hhsync.sync.kept_pair import (
    RETRY_SPACING,
    first_retry_at,
    next_retry_at,
    retry_after_refusal,
)

NOW = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def test_only_a_deactivated_pair_is_tried_again() -> None:
    assert first_retry_at(PasswordChanged("token deactivated"), NOW) == NOW + timedelta(minutes=5)
    assert first_retry_at(RefreshTokenReused("already refreshed"), NOW) is None
    assert first_retry_at(TokenRevoked("token revoked"), NOW) is None


def test_the_tries_grow_apart_and_end() -> None:
    assert [next_retry_at(n, NOW) for n in range(1, 4)] == [
        NOW + timedelta(minutes=30),
        NOW + timedelta(hours=2),
        None,
    ]
    assert len(RETRY_SPACING) == 3
    assert list(RETRY_SPACING) == sorted(RETRY_SPACING)


def test_a_try_refused_for_another_reason_ends_the_tries() -> None:
    """A kept pair that, tried again, is spent or revoked is dead: no further try."""
    assert retry_after_refusal(PasswordChanged("token deactivated"), 1, NOW) == next_retry_at(
        1, NOW
    )
    assert retry_after_refusal(TokenRevoked("token revoked"), 1, NOW) is None
    assert retry_after_refusal(RefreshTokenReused("already refreshed"), 1, NOW) is None
