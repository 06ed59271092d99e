"""Settings of an engine or daemon pointed at the sandboxes and one test database.

The sandboxes' own credentials and generous request rates, so a test waits on nothing but the
work it checks; a fresh token key each time.
"""

from __future__ import annotations

from hhsync.config import Settings, load_settings
from hhsync.db.crypto import TokenCipher


def engine_settings(hh_url: str, db_url: str) -> Settings:
    """What the engine tests run with: the hh.ru sandbox at ``hh_url``, the database ``db_url``."""
    return load_settings(
        environ={
            "HHSYNC_DATABASE__URL": db_url,
            "HHSYNC_SECURITY__TOKEN_KEY": TokenCipher.generate_key(),
            "HHSYNC_HH__API_URL": hh_url,
            "HHSYNC_HH__USER_AGENT_CONTACT": "tests@hhsync.invalid",
            "HHSYNC_BITRIX__CLIENT_ID": "hhsync-demo-b24",
            "HHSYNC_BITRIX__CLIENT_SECRET": "hhsync-demo-b24-secret",
            "HHSYNC_BITRIX__REQUESTS_PER_S": "100",
            "HHSYNC_HH__REQUESTS_PER_S": "100",
        }
    )


def runner_settings(hh_url: str, db_url: str) -> Settings:
    """The engine's settings with a daemon's short poll and lease, two passes at once."""
    base = engine_settings(hh_url, db_url)
    return base.model_copy(
        update={
            "sync": base.sync.model_copy(
                update={"poll_interval_s": 1.0, "lease_ttl_s": 8.0, "max_concurrent_passes": 2}
            ),
            # two passes of 5 connections and the daemon's 2 (hhsync.service.runner.check_pool)
            "database": base.database.model_copy(update={"pool_size": 12}),
            # An 8 s lease covers Bitrix24 requests of at most 2 s (hhsync.model.deadlines).
            "bitrix": base.bitrix.model_copy(
                update={"request_timeout_s": 2.0, "request_cutoff_s": 3.0}
            ),
        }
    )
