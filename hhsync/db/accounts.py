"""hh.ru accounts linked to a portal. Every function takes the portal id and never crosses it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db import resume_copies
from hhsync.db.crypto import TokenCipher
from hhsync.db.tables import AccountStatus, HhAccount
from hhsync.db.tokens import TokenPair


@dataclass(frozen=True)
class AccountLink:
    """Who logged in on hh.ru (from ``/me``) and the tokens the login gave."""

    hh_employer_id: str
    hh_manager_id: str
    employer_name: str
    manager_name: str
    is_admin: bool
    tokens: TokenPair


async def link_account(
    session: AsyncSession, cipher: TokenCipher, portal_id: int, link: AccountLink, now: datetime
) -> HhAccount:
    """Link an hh.ru manager to the portal, or renew the link (a re-login after revocation)."""
    result = await session.exec(
        select(HhAccount).where(
            col(HhAccount.portal_id) == portal_id,
            col(HhAccount.hh_manager_id) == link.hh_manager_id,
        )
    )
    account = result.first()
    if account is None:
        account = HhAccount(
            portal_id=portal_id,
            hh_employer_id=link.hh_employer_id,
            hh_manager_id=link.hh_manager_id,
            access_token_enc="",
            refresh_token_enc="",
            access_expires_at=link.tokens.access_expires_at,
            created_at=now,
            updated_at=now,
        )
    account.hh_employer_id = link.hh_employer_id
    account.employer_name = link.employer_name
    account.manager_name = link.manager_name
    account.is_admin = link.is_admin
    account.access_token_enc = cipher.encrypt(link.tokens.access_token)
    account.refresh_token_enc = cipher.encrypt(link.tokens.refresh_token)
    account.access_expires_at = link.tokens.access_expires_at
    account.token_version += 1
    account.status = AccountStatus.ACTIVE
    account.status_reason = None
    account.reauth_retries = 0
    account.reauth_retry_at = None
    account.updated_at = now
    session.add(account)
    await session.flush()
    return account


async def list_accounts(
    session: AsyncSession,
    portal_id: int,
    status: AccountStatus | None = None,
    *,
    logged_in: bool = False,
) -> list[HhAccount]:
    """The portal's hh.ru accounts (optionally only those in one status, or only those not
    logged out)."""
    query = (
        select(HhAccount).where(col(HhAccount.portal_id) == portal_id).order_by(col(HhAccount.id))
    )
    if status is not None:
        query = query.where(col(HhAccount.status) == status)
    if logged_in:
        query = query.where(col(HhAccount.status) != AccountStatus.LOGGED_OUT)
    return list((await session.exec(query)).all())


async def get_account(session: AsyncSession, portal_id: int, account_id: int) -> HhAccount | None:
    """One account of this portal; None when it does not exist *or belongs to another portal*."""
    result = await session.exec(
        select(HhAccount).where(
            col(HhAccount.id) == account_id, col(HhAccount.portal_id) == portal_id
        )
    )
    return result.first()


async def log_out_account(
    session: AsyncSession, portal_id: int, account_id: int, expected_version: int, now: datetime
) -> bool:
    """«Выйти»: the account stops being polled and its tokens are wiped; its vacancies and
    negotiations stay, so a later login of the same manager resumes without importing anything
    twice. Only the pair of ``expected_version`` (the one just killed on hh.ru) is wiped: if a
    pass refreshed it meanwhile, nothing changes and False says so. The version moves on, so a
    refresh still running cannot store a pair afterwards. The resume copies its creates kept go
    (personal data no create of it reads any more)."""
    result = await session.exec(
        update(HhAccount)
        .where(
            col(HhAccount.id) == account_id,
            col(HhAccount.portal_id) == portal_id,
            col(HhAccount.status) != AccountStatus.LOGGED_OUT,
            col(HhAccount.token_version) == expected_version,
        )
        .values(
            status=AccountStatus.LOGGED_OUT,
            status_reason=None,
            reauth_retry_at=None,
            access_token_enc="",
            refresh_token_enc="",
            token_version=col(HhAccount.token_version) + 1,
            updated_at=now,
        )
    )
    if not result.rowcount:
        return False
    await resume_copies.forget_account(session, portal_id, account_id)
    return True


async def note_active_account(
    session: AsyncSession, portal_id: int, account_id: int, note: str | None, now: datetime
) -> bool:
    """Set (or clear, with None) why a still-active account's reads pause, e.g. a captcha hh.ru
    wants solved; True when the note changed (so the caller says it once). Nothing else of the
    account — its tokens above all — is touched."""
    account = await get_account(session, portal_id, account_id)
    if account is None or account.status != AccountStatus.ACTIVE:
        return False
    if account.status_reason == note:
        return False
    account.status_reason = note
    account.updated_at = now
    session.add(account)
    await session.flush()
    return True


async def pause_contacts(
    session: AsyncSession, portal_id: int, account_id: int, until: datetime, by: str
) -> None:
    """hh.ru refused more resume opens for this manager today: no resume is opened before
    ``until`` (the responses wait, pending); ``by`` says which refusal (shown as the reason)."""
    await session.exec(
        update(HhAccount)
        .where(col(HhAccount.portal_id) == portal_id, col(HhAccount.id) == account_id)
        .values(contacts_paused_until=until, contacts_paused_by=by)
    )
