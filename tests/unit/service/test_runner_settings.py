"""The runner's start-up checks and the scheduler's tick arithmetic (pure, no I/O)."""

from __future__ import annotations

import pytest

from hhsync.config import load_settings
from hhsync.db.crypto import TokenCipher
from hhsync.errors import ConfigError
from hhsync.service.runner import check_pool, pool_needed
from hhsync.service.scheduler import tick_interval_s


def test_a_pool_that_passes_could_exhaust_is_refused_with_the_fix() -> None:
    too_small = load_settings(
        environ={
            "HHSYNC_DATABASE__URL": "postgresql://u@127.0.0.1/db",
            "HHSYNC_SECURITY__TOKEN_KEY": TokenCipher.generate_key(),
            "HHSYNC_DATABASE__POOL_SIZE": "4",
            "HHSYNC_SYNC__MAX_CONCURRENT_PASSES": "4",
        }
    )
    with pytest.raises(ConfigError) as caught:
        check_pool(too_small)
    message = str(caught.value)
    assert "database.pool_size" in message
    assert "sync.max_concurrent_passes" in message
    assert f"HHSYNC_DATABASE__POOL_SIZE={pool_needed(4)}" in message
    # 2 enrichment connections, the hh.ru token refresh, the send and the lookup run ahead of it
    assert pool_needed(4) == 22  # 5 connections a pass at most, 2 for the daemon itself


def test_the_default_pool_fits_the_default_concurrency_and_sqlite_has_no_pool() -> None:
    check_pool(
        load_settings(
            environ={
                "HHSYNC_DATABASE__URL": "postgresql://u@127.0.0.1/db",
                "HHSYNC_SECURITY__TOKEN_KEY": TokenCipher.generate_key(),
            }
        )
    )
    check_pool(
        load_settings(environ={"HHSYNC_DATABASE__POOL_SIZE": "1", "HHSYNC_STATE_DIR": "/nowhere"})
    )


@pytest.mark.parametrize(
    ("poll_s", "tick_s"), [(1.0, 0.5), (10.0, 2.5), (60.0, 5.0), (86400.0, 5.0)]
)
def test_ticks_are_frequent_enough_for_the_poll_interval_and_never_busy(
    poll_s: float, tick_s: float
) -> None:
    assert tick_interval_s(poll_s) == tick_s
