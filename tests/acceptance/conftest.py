"""Acceptance fixtures: the engine tests' world (both sandboxes over HTTP, one portal on a real
PostgreSQL database), with a token key the daemon subprocesses are given too."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hhsync.db.crypto import TokenCipher
from hhsync.testing import free_port
from tests.integration.sync.conftest import (  # noqa: F401 - fixtures shared with the engine tests
    World,
    hh_sandbox_config,
    sandboxes,
    world,
)

KEY = TokenCipher.generate_key()


@pytest.fixture
def cipher() -> TokenCipher:
    """The key every daemon subprocess of the test is given too."""
    return TokenCipher(KEY)


def clean_environ() -> dict[str, str]:
    """The test process's environment without any HHSYNC_* setting."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HHSYNC_")}


def daemon_env(the_world: World, db_url: str, **extra: str) -> dict[str, str]:
    """Settings of a daemon subprocess pointed at the world's sandboxes and database."""
    return {
        **clean_environ(),
        "HHSYNC_DATABASE__URL": db_url,
        "HHSYNC_SECURITY__TOKEN_KEY": KEY,
        "HHSYNC_HH__API_URL": the_world.hh_url,
        "HHSYNC_HH__USER_AGENT_CONTACT": "tests@hhsync.invalid",
        "HHSYNC_BITRIX__CLIENT_ID": "hhsync-demo-b24",
        "HHSYNC_BITRIX__CLIENT_SECRET": "hhsync-demo-b24-secret",
        "HHSYNC_BITRIX__REQUESTS_PER_S": "100",
        "HHSYNC_HH__REQUESTS_PER_S": "100",
        "HHSYNC_SYNC__LEASE_TTL_S": "6",
        # A lease of 6 s fits requests of at most 2 s; the sandbox portal answers well within
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
    """Poll until ``condition()`` holds: a bound on a wait, not a timing assertion."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.2)
