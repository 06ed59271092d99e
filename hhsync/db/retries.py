"""Failures made due now because someone asked: one row («Повторить»), or all of a portal's.

The one way to do it, whoever asks (the log's buttons, a settings save, ``hhsync retry-failed``):
the row is due at ``now``, its ``outcome_at`` moves to ``now`` (the request is the row's latest
news, so the log lists it first), and each row gets a ``sync.retry_requested`` audit line naming
who asked, in the caller's transaction. Every function takes the portal's id; a negotiation id from
a request is looked up within that portal only (ARCHITECTURE.md invariant 4).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.tables import AuditEvent, Negotiation, SyncStatus

RETRY_REQUESTED: Final = "sync.retry_requested"
"""The audit event of a retry request (one per negotiation made due)."""


class AskedBy(StrEnum):
    """Who asked for the retry, as its audit line records it."""

    JOURNAL = "journal"
    """«Повторить» or «Повторить все» in the app page's log."""
    SETTINGS = "settings"
    """A settings save (a relaxed required field should not wait out the backoff)."""
    OPERATOR = "operator"
    """``hhsync retry-failed``."""


class RetryOutcome(StrEnum):
    """What a retry of one row did."""

    DUE = "due"
    """The failure is due now: the next pass tries it."""
    NOT_FOUND = "not_found"
    """No such negotiation on this portal."""
    NOT_FAILED = "not_failed"
    """It is not failed (synced meanwhile, or waiting for its first try): nothing to retry."""


async def retry_failed(
    session: AsyncSession,
    portal_id: int,
    negotiation_id: int,
    now: datetime,
    *,
    asked_by: AskedBy,
    user_id: int | None = None,
) -> RetryOutcome:
    """Make one failed negotiation of the portal due at ``now``."""
    marked = await _make_due(session, portal_id, now, asked_by, user_id, negotiation_id)
    if marked:
        return RetryOutcome.DUE
    exists_here = await session.scalar(
        select(func.count()).where(
            col(Negotiation.portal_id) == portal_id, col(Negotiation.id) == negotiation_id
        )
    )
    return RetryOutcome.NOT_FAILED if exists_here else RetryOutcome.NOT_FOUND


async def retry_all_failed(
    session: AsyncSession,
    portal_id: int,
    now: datetime,
    *,
    asked_by: AskedBy,
    user_id: int | None = None,
) -> int:
    """Make every failed negotiation of the portal due at ``now``; returns how many."""
    return await _make_due(session, portal_id, now, asked_by, user_id)


async def _make_due(
    session: AsyncSession,
    portal_id: int,
    now: datetime,
    asked_by: AskedBy,
    user_id: int | None,
    negotiation_id: int | None = None,
) -> int:
    """Mark the portal's failures (or the one with ``negotiation_id``) due, one audit line each."""
    query = update(Negotiation).where(
        col(Negotiation.portal_id) == portal_id,
        col(Negotiation.sync_status) == SyncStatus.FAILED,
    )
    if negotiation_id is not None:
        query = query.where(col(Negotiation.id) == negotiation_id)
    marked = await session.exec(
        query.values(next_retry_at=now, outcome_at=now, updated_at=now).returning(
            col(Negotiation.id)
        )
    )
    ids = list(marked.scalars().all())
    if ids:
        detail: dict[str, Any] = {"asked_by": asked_by.value}
        if user_id is not None:
            detail["user_id"] = user_id
        await session.exec(
            insert(AuditEvent).values(
                [
                    {
                        "portal_id": portal_id,
                        "negotiation_id": marked_id,
                        "at": now,
                        "event": RETRY_REQUESTED,
                        "detail": detail,
                    }
                    for marked_id in ids
                ]
            )
        )
    return len(ids)
