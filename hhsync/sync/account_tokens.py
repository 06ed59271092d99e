"""Storing an hh.ru account's refreshed pair: the one ``persist`` and ``reload`` every client gets.

hh.ru refresh tokens work once, so a refreshed pair must be stored before it is used and never
over a pair another process stored meanwhile. The pass's clients and the web side's (the logout
that revokes a pair on hh.ru) hand this store to :class:`~hhsync.hh.auth.HhAuth`; only what a lost
race raises differs, since each caller reports it in its own terms. A client that lost the race
adopts the winner's stored pair through :meth:`AccountTokenStore.reload` instead of spending a
dead refresh token (ARCHITECTURE.md invariant 3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from hhsync.clock import Clock
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tokens import TokenPair as StoredPair
from hhsync.db.tokens import newer_account_tokens, swap_account_tokens
from hhsync.hh.auth import TokenPair

ASSUMED_LIFETIME: Final = timedelta(days=14)
"""How long a pair lives when hh.ru's answer does not say (its documented access lifetime)."""


@dataclass
class AccountTokenStore:
    """One client's view of the account's stored pair: the version it holds, swapped forward by
    :meth:`persist` and moved on by :meth:`reload`."""

    database: Database
    cipher: TokenCipher
    clock: Clock
    portal_id: int
    account_id: int
    version: int
    """The ``token_version`` of the pair the client holds."""
    race_lost: Callable[[], Exception]

    async def persist(self, new: TokenPair) -> None:
        """Swap ``new`` in if nobody else stored a pair since :attr:`version`; raises
        ``race_lost()`` when another process stored one first."""
        expires = new.expires_at or self.clock.now() + ASSUMED_LIFETIME
        async with self.database.session() as session:
            swapped = await swap_account_tokens(
                session,
                self.cipher,
                portal_id=self.portal_id,
                account_id=self.account_id,
                expected_version=self.version,
                new=StoredPair(new.access_token, new.refresh_token, expires),
                now=self.clock.now(),
            )
        if not swapped:
            raise self.race_lost()
        self.version += 1

    async def reload(self) -> TokenPair | None:
        """The stored pair if it is newer than the client's (the client then holds it), else
        None."""
        async with self.database.session() as session:
            newer = await newer_account_tokens(
                session,
                self.cipher,
                portal_id=self.portal_id,
                account_id=self.account_id,
                version=self.version,
            )
        if newer is None:
            return None
        self.version = newer.version
        return TokenPair(newer.access_token, newer.refresh_token, newer.access_expires_at)
