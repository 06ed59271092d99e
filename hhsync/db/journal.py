"""What the app page's «Журнал» tab reads and retries, for one portal.

The latest synced and failed responses, newest outcome first, a page at a time (a keyset cursor
on the outcome's instant and the row id, so a page never repeats or skips a row while passes add
more), and «Повторить»: a failure made due now. Every function takes the portal's id, and a
negotiation id from a request is looked up within that portal only (ARCHITECTURE.md invariant 4).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import and_, case, func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db import state
from hhsync.db.tables import Negotiation, SyncStatus, Vacancy

RETRY_REQUESTED: Final = "sync.retry_requested"
"""The audit event of a «Повторить» (one per negotiation made due)."""

SHOWN: Final = (SyncStatus.SYNCED, SyncStatus.FAILED)
"""The statuses the log lists (pending and in-flight ones are the inbox's)."""


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: rows strictly older than this outcome (instant, then id) come next."""

    at: datetime
    negotiation_id: int


@dataclass(frozen=True)
class JournalRow:
    """One response as the log shows it."""

    id: int
    hh_negotiation_id: str
    status: str
    kind: str
    vacancy_name: str
    applicant_name: str | None
    at: datetime
    """When its latest outcome was recorded (synced: ``synced_at``; failed: the last change)."""
    entity_type: str | None
    entity_id: int | None
    last_error: str | None
    attempts: int
    next_retry_at: datetime | None


@dataclass(frozen=True)
class JournalPage:
    """One page of the log and the cursor of the next (None: this was the last)."""

    rows: list[JournalRow]
    next_cursor: Cursor | None


def _outcome_at() -> Any:
    """The instant a row's latest outcome was recorded, for ordering the log."""
    return case(
        (
            col(Negotiation.sync_status) == SyncStatus.SYNCED,
            func.coalesce(col(Negotiation.synced_at), col(Negotiation.updated_at)),
        ),
        else_=col(Negotiation.updated_at),
    )


async def journal_page(
    session: AsyncSession,
    portal_id: int,
    *,
    statuses: Collection[SyncStatus] = SHOWN,
    before: Cursor | None = None,
    limit: int,
) -> JournalPage:
    """The portal's newest synced and failed responses (``statuses`` of them), older than
    ``before``, at most ``limit``."""
    if limit <= 0:
        raise ValueError("a page holds at least one row")
    outcome_at = _outcome_at().label("outcome_at")
    query = (
        select(Negotiation, Vacancy.name, outcome_at)
        .join(
            Vacancy,
            and_(
                col(Vacancy.id) == col(Negotiation.vacancy_id),
                col(Vacancy.portal_id) == portal_id,
            ),
        )
        .where(
            col(Negotiation.portal_id) == portal_id,
            col(Negotiation.sync_status).in_([SyncStatus(s).value for s in statuses]),
        )
    )
    if before is not None:
        query = query.where(
            or_(
                _outcome_at() < before.at,
                and_(_outcome_at() == before.at, col(Negotiation.id) < before.negotiation_id),
            )
        )
    query = query.order_by(_outcome_at().desc(), col(Negotiation.id).desc()).limit(limit + 1)
    found = (await session.exec(query)).all()
    rows = [_row(negotiation, vacancy_name, at) for negotiation, vacancy_name, at in found[:limit]]
    more = len(found) > limit
    next_cursor = Cursor(rows[-1].at, rows[-1].id) if more and rows else None
    return JournalPage(rows, next_cursor)


def _row(negotiation: Negotiation, vacancy_name: str, at: datetime) -> JournalRow:
    if negotiation.id is None:
        raise ValueError("a stored negotiation has an id")
    return JournalRow(
        id=negotiation.id,
        hh_negotiation_id=negotiation.hh_negotiation_id,
        status=negotiation.sync_status,
        kind=negotiation.kind,
        vacancy_name=vacancy_name,
        applicant_name=negotiation.applicant_name,
        at=at,
        entity_type=negotiation.crm_entity_type,
        entity_id=negotiation.crm_entity_id,
        last_error=negotiation.last_error,
        attempts=negotiation.attempts,
        next_retry_at=negotiation.next_retry_at,
    )


class RetryOutcome(StrEnum):
    """What «Повторить» on one row did."""

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
    user_id: int | None = None,
) -> RetryOutcome:
    """Make one failed negotiation of the portal due at ``now``."""
    marked = await session.exec(
        update(Negotiation)
        .where(
            col(Negotiation.portal_id) == portal_id,
            col(Negotiation.id) == negotiation_id,
            col(Negotiation.sync_status) == SyncStatus.FAILED,
        )
        .values(next_retry_at=now, updated_at=now)
    )
    if marked.rowcount:
        await _audit(session, portal_id, negotiation_id, now, user_id)
        return RetryOutcome.DUE
    exists_here = await session.scalar(
        select(func.count()).where(
            col(Negotiation.portal_id) == portal_id, col(Negotiation.id) == negotiation_id
        )
    )
    return RetryOutcome.NOT_FAILED if exists_here else RetryOutcome.NOT_FOUND


async def retry_all_failed(
    session: AsyncSession, portal_id: int, now: datetime, *, user_id: int | None = None
) -> int:
    """Make every failed negotiation of the portal due at ``now``; returns how many."""
    marked = await session.exec(
        update(Negotiation)
        .where(
            col(Negotiation.portal_id) == portal_id,
            col(Negotiation.sync_status) == SyncStatus.FAILED,
        )
        .values(next_retry_at=now, updated_at=now)
        .returning(col(Negotiation.id))
    )
    ids = list(marked.scalars().all())
    for negotiation_id in ids:
        await _audit(session, portal_id, negotiation_id, now, user_id)
    return len(ids)


async def _audit(
    session: AsyncSession, portal_id: int, negotiation_id: int, now: datetime, user_id: int | None
) -> None:
    await state.add_audit(
        session,
        portal_id=portal_id,
        negotiation_id=negotiation_id,
        event=RETRY_REQUESTED,
        now=now,
        detail={"user_id": user_id} if user_id is not None else {},
    )
