"""Single-use nonces of hh.ru logins started from the app page (the ``oauth_state`` table).

The signed ``state`` says which portal and Bitrix24 user started a login and until when; the row
here makes it count once. :func:`consume_state` is one ``UPDATE ... WHERE used_at IS NULL``, so
two callbacks racing with the same ``state`` cannot both win. Every function takes the portal id.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.tables import OAuthState

SWEEP_AFTER = timedelta(days=1)
"""Rows expired this long ago are deleted when a new login starts (nothing reads them)."""


async def live_states(session: AsyncSession, portal_id: int, user_id: int, now: datetime) -> int:
    """How many unused, unexpired logins this user of this portal has started."""
    result = await session.exec(
        select(func.count())
        .select_from(OAuthState)
        .where(
            col(OAuthState.portal_id) == portal_id,
            col(OAuthState.user_id) == user_id,
            col(OAuthState.used_at).is_(None),
            col(OAuthState.expires_at) > now,
        )
    )
    return int(result.one())


async def issue_state(
    session: AsyncSession,
    *,
    portal_id: int,
    user_id: int,
    nonce: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Remember a new login's nonce (and sweep rows long expired)."""
    await session.exec(delete(OAuthState).where(col(OAuthState.expires_at) < now - SWEEP_AFTER))
    session.add(
        OAuthState(
            nonce=nonce, portal_id=portal_id, user_id=user_id, created_at=now, expires_at=expires_at
        )
    )
    await session.flush()


async def consume_state(
    session: AsyncSession, *, portal_id: int, user_id: int, nonce: str, now: datetime
) -> bool:
    """Use the nonce up; False when it is unknown, another portal's or user's, expired or used."""
    result = await session.exec(
        update(OAuthState)
        .where(
            col(OAuthState.nonce) == nonce,
            col(OAuthState.portal_id) == portal_id,
            col(OAuthState.user_id) == user_id,
            col(OAuthState.used_at).is_(None),
            col(OAuthState.expires_at) > now,
        )
        .values(used_at=now)
        .returning(col(OAuthState.id))
    )
    return result.first() is not None
