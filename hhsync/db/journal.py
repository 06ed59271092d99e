"""What the app page's «Журнал» tab reads, for one portal.

The latest synced and failed responses (and those whose entity a person deleted in the CRM),
newest outcome first, a page at a time: a keyset cursor
on ``outcome_at`` (set only when an outcome is recorded or a retry asked for, never by a read of
hh.ru) and the row id, read along the ``(portal_id, outcome_at, id)`` index. A page therefore
never repeats or skips a row while passes re-read what is shown; a row whose outcome is recorded
after the first page was read moves to the top, ahead of the cursor. «Повторить» is
:mod:`hhsync.db.retries`. Every function takes the portal's id (ARCHITECTURE.md invariant 4).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import and_, literal, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.tables import Negotiation, SyncStatus, UTCDateTime, Vacancy

SHOWN: Final = (SyncStatus.SYNCED, SyncStatus.FAILED, SyncStatus.CRM_DELETED)
"""The statuses the log lists (pending and in-flight ones are the inbox's); one whose entity a
person deleted in the CRM is listed as such."""


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
    """When its latest outcome was recorded, or a retry asked for (``outcome_at``)."""
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
    outcome_at = col(Negotiation.outcome_at)
    query = (
        select(Negotiation, Vacancy.name)
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
            # every synced or failed row has one (migration 0007 gave the older rows theirs)
            outcome_at.is_not(None),
        )
    )
    if before is not None:
        # a row comparison, which PostgreSQL reads as a range of the index
        query = query.where(
            tuple_(outcome_at, col(Negotiation.id))
            < tuple_(literal(before.at, UTCDateTime()), literal(before.negotiation_id))
        )
    query = query.order_by(outcome_at.desc(), col(Negotiation.id).desc()).limit(limit + 1)
    found = (await session.exec(query)).all()
    rows = [_row(negotiation, vacancy_name) for negotiation, vacancy_name in found[:limit]]
    more = len(found) > limit
    next_cursor = Cursor(rows[-1].at, rows[-1].id) if more and rows else None
    return JournalPage(rows, next_cursor)


def _row(negotiation: Negotiation, vacancy_name: str) -> JournalRow:
    if negotiation.id is None or negotiation.outcome_at is None:
        raise ValueError("a listed negotiation has an id and an outcome instant")
    return JournalRow(
        id=negotiation.id,
        hh_negotiation_id=negotiation.hh_negotiation_id,
        status=negotiation.sync_status,
        kind=negotiation.kind,
        vacancy_name=vacancy_name,
        applicant_name=negotiation.applicant_name,
        at=negotiation.outcome_at,
        entity_type=negotiation.crm_entity_type,
        entity_id=negotiation.crm_entity_id,
        last_error=negotiation.last_error,
        attempts=negotiation.attempts,
        next_retry_at=negotiation.next_retry_at,
    )
