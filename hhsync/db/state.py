"""Stored sync state of a portal (vacancies, negotiations) and its audit trail, scoped by portal.

What a pass reads and remembers; the outcomes of its writes are recorded through
:class:`hhsync.db.portal_store.PortalStore`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.tables import (
    AuditEvent,
    EntityType,
    Negotiation,
    NegotiationKind,
    Portal,
    SyncRun,
    SyncStatus,
    Vacancy,
)
from hhsync.model.import_progress import ImportProgress
from hhsync.model.snapshot import RemoteNegotiation, StoredNegotiation, StoredState

FINISHED: Final = (SyncStatus.SYNCED.value, SyncStatus.CRM_DELETED.value)
"""Statuses with nothing left to do: in the CRM as hh.ru last said, or deleted there by a person."""


async def get_vacancy(session: AsyncSession, portal_id: int, hh_vacancy_id: str) -> Vacancy | None:
    """The stored vacancy of this portal with hh.ru id ``hh_vacancy_id``."""
    result = await session.exec(
        select(Vacancy).where(
            col(Vacancy.portal_id) == portal_id, col(Vacancy.hh_vacancy_id) == hh_vacancy_id
        )
    )
    return result.first()


async def list_vacancies(session: AsyncSession, portal_id: int) -> list[Vacancy]:
    """Every stored vacancy of the portal."""
    query = select(Vacancy).where(col(Vacancy.portal_id) == portal_id).order_by(col(Vacancy.id))
    return list((await session.exec(query)).all())


async def get_negotiation(
    session: AsyncSession, portal_id: int, hh_negotiation_id: str
) -> Negotiation | None:
    """The stored negotiation of this portal with hh.ru id ``hh_negotiation_id``."""
    result = await session.exec(
        select(Negotiation).where(
            col(Negotiation.portal_id) == portal_id,
            col(Negotiation.hh_negotiation_id) == hh_negotiation_id,
        )
    )
    return result.first()


async def stored_kinds(
    session: AsyncSession, portal_id: int, hh_negotiation_ids: Collection[str]
) -> dict[str, NegotiationKind]:
    """The kinds stored for those of ``hh_negotiation_ids`` the portal already has.

    A kind is what the negotiation was when first seen; it never changes afterwards.
    """
    if not hh_negotiation_ids:
        return {}
    query = select(Negotiation.hh_negotiation_id, Negotiation.kind).where(
        col(Negotiation.portal_id) == portal_id,
        col(Negotiation.hh_negotiation_id).in_(list(hh_negotiation_ids)),
    )
    return {hh_id: NegotiationKind(kind) for hh_id, kind in (await session.exec(query)).all()}


async def list_negotiations(
    session: AsyncSession, portal_id: int, status: SyncStatus | None = None
) -> list[Negotiation]:
    """The portal's negotiations, optionally only one sync status, oldest first."""
    query = select(Negotiation).where(col(Negotiation.portal_id) == portal_id)
    if status is not None:
        query = query.where(col(Negotiation.sync_status) == status)
    return list((await session.exec(query.order_by(col(Negotiation.id)))).all())


async def count_by_status(session: AsyncSession, portal_id: int) -> dict[str, int]:
    """How many of the portal's negotiations are pending, in flight, synced or failed."""
    query = (
        select(Negotiation.sync_status, func.count())
        .where(col(Negotiation.portal_id) == portal_id)
        .group_by(col(Negotiation.sync_status))
    )
    counts = {status.value: 0 for status in SyncStatus}
    for status, count in (await session.exec(query)).all():
        counts[status] = count
    return counts


async def add_audit(
    session: AsyncSession,
    *,
    portal_id: int,
    event: str,
    now: datetime,
    negotiation_id: int | None = None,
    sync_run_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record what happened, in the caller's transaction (so it commits with the change)."""
    entry = AuditEvent(
        portal_id=portal_id,
        negotiation_id=negotiation_id,
        sync_run_id=sync_run_id,
        at=now,
        event=event,
        detail=detail or {},
    )
    session.add(entry)
    await session.flush()
    return entry


async def audit_trail(
    session: AsyncSession, portal_id: int, negotiation_id: int | None = None, limit: int = 100
) -> list[AuditEvent]:
    """The newest audit events of a portal (or one of its negotiations), newest first."""
    query = select(AuditEvent).where(col(AuditEvent.portal_id) == portal_id)
    if negotiation_id is not None:
        query = query.where(col(AuditEvent.negotiation_id) == negotiation_id)
    query = query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)
    return list((await session.exec(query)).all())


async def audited_details(session: AsyncSession, portal_id: int, event: str, key: str) -> set[str]:
    """The values of ``detail[key]`` over a portal's audit events named ``event`` (what the
    portal was already told once, e.g. each ``state.unmapped`` state)."""
    query = select(AuditEvent.detail).where(
        col(AuditEvent.portal_id) == portal_id, col(AuditEvent.event) == event
    )
    return {str(detail[key]) for detail in (await session.exec(query)).all() if key in detail}


# --- what the sync engine reads and writes -------------------------------------------------------


def _insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT with ON CONFLICT support (PostgreSQL in production, SQLite embedded)."""
    if session.bind.dialect.name == "postgresql":
        return pg_insert
    return sqlite_insert


async def upsert_vacancy(
    session: AsyncSession,
    *,
    portal_id: int,
    hh_account_id: int,
    remote: VacancyRow,
    now: datetime,
) -> Vacancy:
    """Remember a vacancy as hh.ru lists it now (name, archive flag); counters move separately."""
    vacancy = await get_vacancy(session, portal_id, remote.hh_vacancy_id)
    if vacancy is None:
        vacancy = Vacancy(
            portal_id=portal_id,
            hh_account_id=hh_account_id,
            hh_vacancy_id=remote.hh_vacancy_id,
            created_at=now,
            updated_at=now,
        )
    vacancy.name = remote.name
    vacancy.area_name = remote.area_name
    vacancy.archived = remote.archived
    vacancy.internship = remote.internship
    if remote.manager_id is not None:  # archived items carry no manager: keep the active one's
        vacancy.hh_manager_id = remote.manager_id
    vacancy.unlisted_at = None
    vacancy.updated_at = now
    session.add(vacancy)
    await session.flush()
    return vacancy


@dataclass(frozen=True)
class VacancyRow:
    """A vacancy's listing fields, as the engine takes them from hh.ru."""

    hh_vacancy_id: str
    name: str
    area_name: str = ""
    archived: bool = False
    internship: bool = False
    manager_id: str | None = None
    """The manager the active list shows (None from the archived list, which shows none)."""


async def remember_negotiations(
    session: AsyncSession,
    *,
    portal_id: int,
    hh_account_id: int,
    vacancy_id: int,
    seen: Iterable[RemoteNegotiation],
    now: datetime,
) -> int:
    """Store every negotiation seen on hh.ru *before* acting on it, so none can be lost.

    New ones are inserted as pending; known ones get the latest hh.ru state. Returns how many rows
    were new. Rows of other portals are never touched: the conflict target includes portal_id.
    """
    rows = [
        {
            "portal_id": portal_id,
            "hh_account_id": hh_account_id,
            "vacancy_id": vacancy_id,
            "hh_negotiation_id": n.hh_id,
            "hh_resume_id": n.resume_id,
            "applicant_name": n.applicant_name,
            "resume_deleted": n.resume_id is None,
            "kind": n.kind.value,
            "employer_state": n.employer_state,
            "hh_listing": n.hh_listing,
            "hh_created_at": n.created_at,
            "hh_updated_at": n.updated_at,
            "sync_status": SyncStatus.PENDING.value,
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for n in seen
    ]
    if not rows:
        return 0
    before = await session.exec(select(func.count()).where(col(Negotiation.portal_id) == portal_id))
    count_before = before.one()
    insert = _insert_for(session)
    for chunk_start in range(0, len(rows), 500):
        statement = insert(Negotiation).values(rows[chunk_start : chunk_start + 500])
        statement = statement.on_conflict_do_update(
            index_elements=["portal_id", "hh_negotiation_id"],
            set_={
                "employer_state": statement.excluded.employer_state,
                "hh_updated_at": statement.excluded.hh_updated_at,
                # a read that does not say where it found the negotiation keeps the listing
                "hh_listing": func.coalesce(
                    statement.excluded.hh_listing, col(Negotiation.hh_listing)
                ),
                # a later read without the name (an older payload) keeps the one stored
                "applicant_name": func.coalesce(
                    statement.excluded.applicant_name, col(Negotiation.applicant_name)
                ),
                "updated_at": statement.excluded.updated_at,
            },
        )
        await session.exec(statement)
    after = await session.exec(select(func.count()).where(col(Negotiation.portal_id) == portal_id))
    return int(after.one() - count_before)


async def load_stored_state(
    session: AsyncSession,
    portal_id: int,
    hh_vacancy_ids: Collection[str] | None = None,
    hh_account_id: int | None = None,
) -> StoredState:
    """What the planner needs: the negotiations of these vacancies (all when None) plus every
    unfinished one (pending, in flight or failed) and every entity whose status field may not show
    what hh.ru last said (not one deleted in the CRM), optionally of one hh.ru account only; and
    since when the portal's rows record every entity of ours in its CRM (``unrecorded_before``)."""
    query = (
        select(Negotiation, Vacancy.hh_vacancy_id)
        .join(Vacancy, col(Vacancy.id) == col(Negotiation.vacancy_id))
        .where(col(Negotiation.portal_id) == portal_id)
    )
    if hh_account_id is not None:
        query = query.where(col(Negotiation.hh_account_id) == hh_account_id)
    if hh_vacancy_ids is not None:
        query = query.where(
            or_(
                col(Vacancy.hh_vacancy_id).in_(list(hh_vacancy_ids)),
                col(Negotiation.sync_status).not_in(FINISHED),
                # an entity whose status field may not show what hh.ru last said (a write that
                # was lost, an adopted entity never checked) or that still lacks its timeline
                # activity: followed on every pass, whether its vacancy is read or not (one a
                # person deleted in the CRM is followed no more)
                and_(
                    col(Negotiation.sync_status) != SyncStatus.CRM_DELETED,
                    col(Negotiation.crm_entity_id).is_not(None),
                    or_(
                        col(Negotiation.hh_status_set).is_(None),
                        col(Negotiation.hh_status_set) != col(Negotiation.employer_state),
                        col(Negotiation.crm_activity_id).is_(None),
                    ),
                ),
            )
        )
    stored: dict[str, StoredNegotiation] = {}
    for row, hh_vacancy_id in (await session.exec(query)).all():
        stored[row.hh_negotiation_id] = StoredNegotiation(
            hh_id=row.hh_negotiation_id,
            vacancy_hh_id=hh_vacancy_id,
            kind=NegotiationKind(row.kind),
            employer_state=row.employer_state,
            hh_updated_at=row.hh_updated_at,
            resume_id=row.hh_resume_id,
            sync_status=SyncStatus(row.sync_status),
            crm_entity_type=EntityType(row.crm_entity_type) if row.crm_entity_type else None,
            crm_entity_id=row.crm_entity_id,
            crm_stage_set=row.crm_stage_set,
            hh_status_set=row.hh_status_set,
            attempts=row.attempts,
            next_retry_at=row.next_retry_at,
            has_activity=row.crm_activity_id is not None or row.crm_entity_id is None,
            in_flight_until=row.in_flight_until,
            hh_created_at=row.hh_created_at,
        )
    portal = await session.get(Portal, portal_id)
    return StoredState(stored, portal.unrecorded_before if portal is not None else None)


async def record_vacancy_read(
    session: AsyncSession,
    *,
    portal_id: int,
    hh_vacancy_id: str,
    counters: dict[str, Any],
    complete: bool,
    now: datetime,
    read_again: bool = False,
    missing: int | None = None,
    listing_totals: Mapping[str, int] | None = None,
    watched: bool = False,
    watch_again: bool = False,
) -> None:
    """Store the counters a pass acted on; a complete read also restarts the reconcile clock.

    ``read_again``: some listed negotiations could not be stored yet, so the next pass must list
    the vacancy whatever its counters say (no full read is on record). ``missing``: how many
    negotiations hh.ru counts that the deepest read it allows could not list (the deep vacancy
    gap, shown by ``hhsync status`` and the app page; None keeps the stored one: only a full read
    measures it). ``listing_totals``: each
    leaf listing's total as settled by this read (None keeps the stored ones); ``watched``: the
    totals were read now (the state watch's period restarts); ``watch_again``: the next pass
    watches it whatever its period says.
    """
    vacancy = await get_vacancy(session, portal_id, hh_vacancy_id)
    if vacancy is None:
        raise LookupError(f"vacancy {hh_vacancy_id} is not stored for portal {portal_id}")
    vacancy.counters = counters
    if missing is not None:
        vacancy.missing_negotiations = max(0, missing)
    if read_again:
        vacancy.last_full_read_at = None
    elif complete:
        vacancy.last_full_read_at = now
    if listing_totals is not None:
        vacancy.listing_totals = dict(listing_totals)
    if watch_again:
        vacancy.watched_at = None
    elif watched:
        vacancy.watched_at = now
    vacancy.updated_at = now
    session.add(vacancy)
    await session.flush()


async def listing_counts(session: AsyncSession, vacancy_id: int) -> dict[str | None, int]:
    """How many of a stored vacancy's negotiations are listed in each listing (key None: stored
    before listings were recorded), for the state watch to compare with hh.ru's totals."""
    query = (
        select(Negotiation.hh_listing, func.count())
        .where(col(Negotiation.vacancy_id) == vacancy_id)
        .group_by(col(Negotiation.hh_listing))
    )
    return {listing: int(count) for listing, count in (await session.exec(query)).all()}


@dataclass(frozen=True)
class Listed:
    """Where a stored negotiation was last listed, and its ``updated_at`` then."""

    hh_listing: str | None
    hh_updated_at: datetime


async def listed_as(
    session: AsyncSession, portal_id: int, hh_negotiation_ids: Collection[str]
) -> dict[str, Listed]:
    """Where each of ``hh_negotiation_ids`` the portal stores was last listed."""
    if not hh_negotiation_ids:
        return {}
    query = select(
        Negotiation.hh_negotiation_id, Negotiation.hh_listing, Negotiation.hh_updated_at
    ).where(
        col(Negotiation.portal_id) == portal_id,
        col(Negotiation.hh_negotiation_id).in_(list(hh_negotiation_ids)),
    )
    return {
        hh_id: Listed(listing, updated_at)
        for hh_id, listing, updated_at in (await session.exec(query)).all()
    }


async def listed_in(session: AsyncSession, vacancy_id: int, hh_listing: str) -> set[str]:
    """The hh.ru ids of a stored vacancy's negotiations last listed in ``hh_listing``."""
    query = select(Negotiation.hh_negotiation_id).where(
        col(Negotiation.vacancy_id) == vacancy_id, col(Negotiation.hh_listing) == hh_listing
    )
    return set((await session.exec(query)).all())


async def relist(
    session: AsyncSession,
    *,
    portal_id: int,
    vacancy_id: int,
    hh_listing: str,
    hh_negotiation_ids: Collection[str] | None = None,
) -> None:
    """Record ``hh_listing`` for some of a vacancy's negotiations (all when None): a complete
    read that no longer found them marks them listed nowhere before storing what it found."""
    statement = update(Negotiation).where(
        col(Negotiation.portal_id) == portal_id, col(Negotiation.vacancy_id) == vacancy_id
    )
    if hh_negotiation_ids is not None:
        if not hh_negotiation_ids:
            return
        statement = statement.where(
            col(Negotiation.hh_negotiation_id).in_(list(hh_negotiation_ids))
        )
    await session.exec(statement.values(hh_listing=hh_listing))


async def import_progress(session: AsyncSession, portal_id: int) -> ImportProgress:
    """How far the portal's import has come, counted from the stored negotiations."""
    imported_query = select(func.count()).where(
        col(Negotiation.portal_id) == portal_id, col(Negotiation.crm_entity_id).is_not(None)
    )
    imported = int((await session.exec(imported_query)).one())
    counts = await count_by_status(session, portal_id)
    return ImportProgress(
        loaded=sum(counts.values()),
        imported=imported,
        failed=counts[SyncStatus.FAILED],
        pending=counts[SyncStatus.PENDING] + counts[SyncStatus.IN_FLIGHT],
    )


async def unfinished_by_portal(session: AsyncSession) -> dict[int, int]:
    """Negotiations not yet in the CRM (pending, in flight or failed) per portal, for metrics."""
    query = (
        select(Negotiation.portal_id, func.count())
        .where(col(Negotiation.sync_status).not_in(FINISHED))
        .group_by(col(Negotiation.portal_id))
    )
    return {portal_id: int(count) for portal_id, count in (await session.exec(query)).all()}


async def latest_run(session: AsyncSession, portal_id: int) -> SyncRun | None:
    """The portal's most recent pass (running or finished), for the app page's status."""
    result = await session.exec(
        select(SyncRun)
        .where(col(SyncRun.portal_id) == portal_id)
        .order_by(col(SyncRun.started_at).desc(), col(SyncRun.id).desc())
        .limit(1)
    )
    return result.first()


async def failure_reasons(
    session: AsyncSession, portal_id: int, limit: int = 5
) -> list[tuple[str, int]]:
    """The portal's most common reasons of failed negotiations, with how many each."""
    query = (
        select(Negotiation.last_error, func.count())
        .where(
            col(Negotiation.portal_id) == portal_id,
            col(Negotiation.sync_status) == SyncStatus.FAILED,
            col(Negotiation.last_error).is_not(None),
        )
        .group_by(col(Negotiation.last_error))
        .order_by(func.count().desc(), col(Negotiation.last_error))
        .limit(limit)
    )
    return [(str(reason), int(count)) for reason, count in (await session.exec(query)).all()]
