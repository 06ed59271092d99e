"""Storing a portal's refreshed Bitrix24 pair: the one ``persist`` every portal client gets.

Bitrix24 refresh tokens work once, so a refreshed pair must be stored before it is used and never
over a pair another process stored meanwhile. The pass's clients and the door's clients (install,
app page, settings tab, uninstall checks) all hand this to :class:`~hhsync.bitrix.auth.BitrixAuth`;
only what a lost race raises differs, since each caller reports it in its own terms.

The same store reads the pair back when it moved on: a client that lost the race to refresh
adopts the winner's stored pair instead of spending a dead refresh token (ARCHITECTURE.md
invariant 3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from pydantic import SecretStr

from hhsync.bitrix.auth import PortalTokens
from hhsync.clock import Clock
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import Portal
from hhsync.db.tokens import TokenPair, read_portal_tokens, swap_portal_tokens

ACCESS_LIFETIME: Final = timedelta(hours=1)
"""A Bitrix24 access token lives an hour (Bitrix24 REST docs, settings/oauth)."""


@dataclass
class PortalTokenStore:
    """One client's view of the portal's stored pair: the version it holds, swapped forward by
    :meth:`persist` and moved on by :meth:`reload`."""

    database: Database
    cipher: TokenCipher
    clock: Clock
    portal_id: int
    version: int
    """The ``token_version`` of the pair the client holds."""
    race_lost: Callable[[], Exception]
    reloads: int = field(default=0, init=False)

    async def persist(self, new: PortalTokens) -> None:
        """Swap ``new`` in if nobody else stored a pair since :attr:`version`.

        Raises ``race_lost()`` when another process stored a pair first.
        """
        pair = TokenPair(
            new.access_token.get_secret_value(),
            new.refresh_token.get_secret_value(),
            self.clock.now() + ACCESS_LIFETIME,
        )
        async with self.database.session() as session:
            swapped = await swap_portal_tokens(
                session,
                self.cipher,
                portal_id=self.portal_id,
                expected_version=self.version,
                new=pair,
                now=self.clock.now(),
            )
        if not swapped:
            raise self.race_lost()
        self.version += 1

    async def reload(self) -> PortalTokens | None:
        """The stored pair if it is newer than the client's (the client then holds it), else
        None: the same version, a wiped pair (uninstalled) or a deleted portal."""
        self.reloads += 1
        async with self.database.session() as session:
            portal = await session.get(Portal, self.portal_id)
        if portal is None or portal.token_version <= self.version:
            return None
        if not portal.access_token_enc or not portal.refresh_token_enc:
            return None
        stored = read_portal_tokens(portal, self.cipher)
        self.version = stored.version
        return PortalTokens(
            SecretStr(stored.access_token),
            SecretStr(stored.refresh_token),
            portal.client_endpoint,
            portal.member_id,
        )


def portal_token_store(
    database: Database,
    cipher: TokenCipher,
    clock: Clock,
    *,
    portal_id: int,
    version: int,
    race_lost: Callable[[], Exception],
) -> PortalTokenStore:
    """The store of a client holding the portal's pair of ``version``."""
    return PortalTokenStore(database, cipher, clock, portal_id, version, race_lost)
