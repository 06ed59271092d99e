"""Storing a portal's refreshed Bitrix24 pair: the one ``persist`` every portal client gets.

Bitrix24 refresh tokens work once, so a refreshed pair must be stored before it is used and never
over a pair another process stored meanwhile. The pass's clients and the door's clients (install,
app page, uninstall checks) both hand this to :class:`~hhsync.bitrix.auth.BitrixAuth`; only what
a lost race raises differs, since each caller reports it in its own terms.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Final

from hhsync.bitrix.auth import PersistTokens, PortalTokens
from hhsync.clock import Clock
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tokens import TokenPair, swap_portal_tokens

ACCESS_LIFETIME: Final = timedelta(hours=1)
"""A Bitrix24 access token lives an hour (Bitrix24 REST docs, settings/oauth)."""


def portal_token_store(
    database: Database,
    cipher: TokenCipher,
    clock: Clock,
    *,
    portal_id: int,
    version: int,
    race_lost: Callable[[], Exception],
) -> PersistTokens:
    """A ``persist`` that swaps the portal's pair in if nobody else did since ``version``.

    Raises (from the returned function) ``race_lost()`` when another process stored a pair first.
    """
    expected = [version]

    async def persist(new: PortalTokens) -> None:
        pair = TokenPair(
            new.access_token.get_secret_value(),
            new.refresh_token.get_secret_value(),
            clock.now() + ACCESS_LIFETIME,
        )
        async with database.session() as session:
            swapped = await swap_portal_tokens(
                session,
                cipher,
                portal_id=portal_id,
                expected_version=expected[0],
                new=pair,
                now=clock.now(),
            )
        if not swapped:
            raise race_lost()
        expected[0] += 1

    return persist
