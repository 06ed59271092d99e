"""``hhsync run`` as a real subprocess pointed at a :class:`~hhsync.testing.world.World`.

The subprocesses and the test process share one token key (:data:`TOKEN_KEY`), so what the test
stores the daemon can decrypt.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from hhsync.clock import SystemClock
from hhsync.db.crypto import TokenCipher
from hhsync.testing.server import free_port
from hhsync.testing.world import World

_CLOCK = SystemClock()  # waits are bounded by real time

TOKEN_KEY: Final = TokenCipher.generate_key()
"""The key every daemon subprocess of this process is given."""


def clean_environ() -> dict[str, str]:
    """This process's environment without any HHSYNC_* setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HHSYNC_")}


def daemon_env(the_world: World, db_url: str, **extra: str) -> dict[str, str]:
    """Settings of a daemon subprocess pointed at the world's sandboxes and database."""
    return {
        **clean_environ(),
        "HHSYNC_DATABASE__URL": db_url,
        "HHSYNC_SECURITY__TOKEN_KEY": TOKEN_KEY,
        "HHSYNC_HH__API_URL": the_world.hh_url,
        "HHSYNC_HH__USER_AGENT_CONTACT": "tests@hhsync.invalid",
        "HHSYNC_HH__CLIENT_ID": "hhsync-demo",
        "HHSYNC_HH__CLIENT_SECRET": "hhsync-demo-secret",
        "HHSYNC_BITRIX__CLIENT_ID": "hhsync-demo-b24",
        "HHSYNC_BITRIX__CLIENT_SECRET": "hhsync-demo-b24-secret",
        "HHSYNC_BITRIX__REQUESTS_PER_S": "100",
        "HHSYNC_HH__REQUESTS_PER_S": "100",
        "HHSYNC_SYNC__LEASE_TTL_S": "8",
        # A lease of 8 s fits requests of at most 2 s; the sandbox portal answers well within
        # them and never runs a request past 3 s, so a lost answer is looked up 12 s later.
        "HHSYNC_BITRIX__REQUEST_TIMEOUT_S": "2",
        "HHSYNC_BITRIX__REQUEST_CUTOFF_S": "3",
        "HHSYNC_SYNC__POLL_INTERVAL_S": "2",
        "HHSYNC_WEB__PORT": str(free_port()),
        "HHSYNC_LOG__FORMAT": "json",
        **extra,
    }


def start_daemon(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """`hhsync run` as a real process, its output in ``log_path``."""
    with log_path.open("wb") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "hhsync", "run"], env=env, stdout=log, stderr=subprocess.STDOUT
        )


def wait_for(condition: Callable[[], bool], what: str, limit_s: float = 60.0) -> None:
    """Poll until ``condition()`` holds: a bound on a wait, not a timing assertion.

    Raises:
        AssertionError: ``condition()`` still false after ``limit_s`` seconds.
    """
    deadline = _CLOCK.monotonic() + limit_s
    while not condition():
        if _CLOCK.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)
