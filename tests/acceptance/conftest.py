"""Acceptance fixtures: the engine tests' world with the token key the daemon subprocesses are
given too (:data:`hhsync.testing.daemon.TOKEN_KEY`)."""

from __future__ import annotations

import pytest

from hhsync.db.crypto import TokenCipher
from hhsync.testing.daemon import TOKEN_KEY


@pytest.fixture
def cipher() -> TokenCipher:
    """The key every daemon subprocess of the test is given too."""
    return TokenCipher(TOKEN_KEY)
