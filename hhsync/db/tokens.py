"""Token rows of portals and hh.ru accounts: decrypted on read, compare-and-swap on refresh.

hh.ru refresh tokens work once: if two workers refreshed the same account at once, one pair would
be lost. Writers therefore name the ``token_version`` they read; a write against a newer version
fails (returns False) and the caller reloads instead of overwriting the winner's pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.crypto import TokenCipher
from hhsync.db.tables import AccountStatus, HhAccount, Portal, PortalStatus


@dataclass(frozen=True)
class TokenPair:
    """Plaintext tokens as the API clients need them; never logged, never stored as is."""

    access_token: str
    refresh_token: str
    access_expires_at: datetime
    version: int = 0

    def __repr__(self) -> str:
        expires = self.access_expires_at.isoformat()
        return f"TokenPair(access_expires_at={expires}, version={self.version})"


def read_portal_tokens(portal: Portal, cipher: TokenCipher) -> TokenPair:
    """The portal's Bitrix24 tokens in plaintext."""
    return TokenPair(
        cipher.decrypt(portal.access_token_enc),
        cipher.decrypt(portal.refresh_token_enc),
        portal.access_expires_at,
        portal.token_version,
    )


def read_account_tokens(account: HhAccount, cipher: TokenCipher) -> TokenPair:
    """The hh.ru account's tokens in plaintext."""
    return TokenPair(
        cipher.decrypt(account.access_token_enc),
        cipher.decrypt(account.refresh_token_enc),
        account.access_expires_at,
        account.token_version,
    )


async def newer_account_tokens(
    session: AsyncSession, cipher: TokenCipher, *, portal_id: int, account_id: int, version: int
) -> TokenPair | None:
    """The account's stored pair if another client stored one after ``version``, else None (the
    same version, a wiped pair or an account gone)."""
    account = await session.get(HhAccount, account_id)
    if account is None or account.portal_id != portal_id or account.token_version <= version:
        return None
    if not account.access_token_enc or not account.refresh_token_enc:
        return None
    return read_account_tokens(account, cipher)


def _rotated(
    cipher: TokenCipher, new: TokenPair, expected_version: int, now: datetime
) -> dict[str, object]:
    """The columns a compare-and-swap of a refreshed pair writes (encrypted, version bumped)."""
    return {
        "access_token_enc": cipher.encrypt(new.access_token),
        "refresh_token_enc": cipher.encrypt(new.refresh_token),
        "access_expires_at": new.access_expires_at,
        "token_version": expected_version + 1,
        "updated_at": now,
    }


async def swap_portal_tokens(
    session: AsyncSession,
    cipher: TokenCipher,
    *,
    portal_id: int,
    expected_version: int,
    new: TokenPair,
    now: datetime,
) -> bool:
    """Store a refreshed Bitrix24 pair if nobody else did since ``expected_version`` was read."""
    result = await session.exec(
        update(Portal)
        .where(col(Portal.id) == portal_id, col(Portal.token_version) == expected_version)
        .values(**_rotated(cipher, new, expected_version, now))
    )
    return bool(result.rowcount)


async def swap_account_tokens(
    session: AsyncSession,
    cipher: TokenCipher,
    *,
    portal_id: int,
    account_id: int,
    expected_version: int,
    new: TokenPair,
    now: datetime,
) -> bool:
    """Store a refreshed hh.ru pair if nobody else did since ``expected_version`` was read.

    Scoped by portal as well as account id, so a caller holding one tenant's context cannot write
    another tenant's tokens even with a wrong id.
    """
    result = await session.exec(
        update(HhAccount)
        .where(
            col(HhAccount.id) == account_id,
            col(HhAccount.portal_id) == portal_id,
            col(HhAccount.token_version) == expected_version,
        )
        .values(**_rotated(cipher, new, expected_version, now))
    )
    return bool(result.rowcount)


async def mark_account_needs_reauth(
    session: AsyncSession,
    *,
    portal_id: int,
    account_id: int,
    reason: str,
    now: datetime,
    retry_at: datetime | None = None,
) -> bool:
    """Stop polling an account whose tokens hh.ru revoked; the settings page asks to log in.

    ``retry_at``: when a pass tries the kept pair again (hh.ru's "token deactivated" may be
    spurious, :mod:`hhsync.sync.kept_pair`); None: only a new login helps. An account the HR team
    logged out of stays logged out: a pass that was still running with its revoked tokens must
    not bring it back as one waiting for a new login.
    """
    result = await session.exec(
        update(HhAccount)
        .where(
            col(HhAccount.id) == account_id,
            col(HhAccount.portal_id) == portal_id,
            col(HhAccount.status) != AccountStatus.LOGGED_OUT,
        )
        .values(
            status=AccountStatus.NEEDS_REAUTH,
            status_reason=reason,
            reauth_retries=0,
            reauth_retry_at=retry_at,
            updated_at=now,
        )
    )
    return bool(result.rowcount)


async def kept_pairs_due(session: AsyncSession, portal_id: int, now: datetime) -> list[HhAccount]:
    """The portal's ``needs_reauth`` accounts whose kept pair is due to be tried again."""
    result = await session.exec(
        select(HhAccount)
        .where(
            col(HhAccount.portal_id) == portal_id,
            col(HhAccount.status) == AccountStatus.NEEDS_REAUTH,
            col(HhAccount.reauth_retry_at).is_not(None),
            col(HhAccount.reauth_retry_at) <= now,
        )
        .order_by(col(HhAccount.id))
    )
    return list(result.all())


async def note_kept_pair_refused(
    session: AsyncSession,
    *,
    portal_id: int,
    account_id: int,
    retries: int,
    retry_at: datetime | None,
    now: datetime,
    reason: str | None = None,
) -> bool:
    """hh.ru refused the kept pair again: count the try, when to try next (None: never), and
    hh.ru's latest words when given (the account's reason shows why it waits for a login)."""
    result = await session.exec(
        update(HhAccount)
        .where(
            col(HhAccount.id) == account_id,
            col(HhAccount.portal_id) == portal_id,
            col(HhAccount.status) == AccountStatus.NEEDS_REAUTH,
        )
        .values(
            reauth_retries=retries,
            reauth_retry_at=retry_at,
            updated_at=now,
            **({} if reason is None else {"status_reason": reason}),
        )
    )
    return bool(result.rowcount)


async def resume_account(
    session: AsyncSession,
    *,
    portal_id: int,
    account_id: int,
    now: datetime,
) -> bool:
    """The kept pair worked again: the ``needs_reauth`` account is polled again, reason cleared.

    Only while it still waits for a login: a new login or a logout meanwhile already decided, and
    nothing changes (False).
    """
    result = await session.exec(
        update(HhAccount)
        .where(
            col(HhAccount.id) == account_id,
            col(HhAccount.portal_id) == portal_id,
            col(HhAccount.status) == AccountStatus.NEEDS_REAUTH,
        )
        .values(
            status=AccountStatus.ACTIVE,
            status_reason=None,
            reauth_retries=0,
            reauth_retry_at=None,
            updated_at=now,
        )
    )
    return bool(result.rowcount)


async def park_portal(
    session: AsyncSession, *, portal_id: int, status: PortalStatus, reason: str, now: datetime
) -> bool:
    """Stop polling an active portal: its tokens are dead, the app is gone, or it is unpaid.

    Only an active portal is parked: a pass that ends after an uninstall event (or an operator's
    pause) must not turn that status back into ``needs_reauth``.
    """
    result = await session.exec(
        update(Portal)
        .where(col(Portal.id) == portal_id, col(Portal.status) == PortalStatus.ACTIVE)
        .values(status=status, status_reason=reason, updated_at=now)
    )
    return bool(result.rowcount)


async def mark_portal_needs_reauth(
    session: AsyncSession, *, portal_id: int, reason: str, now: datetime
) -> bool:
    """Stop polling an active portal whose Bitrix24 tokens cannot be refreshed."""
    return await park_portal(
        session, portal_id=portal_id, status=PortalStatus.NEEDS_REAUTH, reason=reason, now=now
    )
