"""One applicant's responses on one portal, read when someone asks (the «Другие отклики» view).

"The same applicant" is the same hh.ru resume, as everywhere in hhsync: hh.ru gives every
negotiation the resume it was made with, and one resume is one person. A negotiation whose resume
is gone (``resume: null``) cannot be tied to any other. Every query is bound to one portal, so a
negotiation id of another portal finds nothing (ARCHITECTURE.md invariant 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.tables import EntityType, Negotiation, NegotiationKind, SyncStatus, Vacancy


@dataclass(frozen=True)
class ApplicantResponse:
    """One stored response or invitation, with its vacancy and the CRM entity it became."""

    negotiation_id: int
    """hhsync's own row id (``negotiation.id``), as the journal names a row."""
    hh_negotiation_id: str
    vacancy_name: str
    kind: NegotiationKind
    employer_state: str
    hh_created_at: datetime
    sync_status: SyncStatus
    entity_type: EntityType | None
    entity_id: int | None


@dataclass(frozen=True)
class ApplicantResponses:
    """The response a view was opened from, and the applicant's others, newest first."""

    current: ApplicantResponse
    others: list[ApplicantResponse]
    resume_gone: bool = False
    """The current response has no resume (deleted): nothing ties it to any other."""


async def applicant_responses(
    session: AsyncSession, portal_id: int, hh_negotiation_id: str
) -> ApplicantResponses | None:
    """Every response of the applicant behind ``hh_negotiation_id`` on this portal.

    None when the portal has no such negotiation. All of them, however many: the list is read
    here, never stored in the CRM, so it is as long and as fresh as the database.
    """
    current = await _one(session, portal_id, hh_negotiation_id)
    if current is None:
        return None
    row, _ = current
    if row.hh_resume_id is None:
        return ApplicantResponses(_response(*current), [], resume_gone=True)
    query = (
        select(Negotiation, Vacancy.name)
        .join(Vacancy, col(Vacancy.id) == col(Negotiation.vacancy_id))
        .where(
            col(Negotiation.portal_id) == portal_id,
            col(Negotiation.hh_resume_id) == row.hh_resume_id,
            col(Negotiation.hh_negotiation_id) != hh_negotiation_id,
        )
        .order_by(col(Negotiation.hh_created_at).desc(), col(Negotiation.id).desc())
    )
    others = [_response(other, name) for other, name in (await session.exec(query)).all()]
    return ApplicantResponses(_response(*current), others)


async def _one(
    session: AsyncSession, portal_id: int, hh_negotiation_id: str
) -> tuple[Negotiation, str] | None:
    query = (
        select(Negotiation, Vacancy.name)
        .join(Vacancy, col(Vacancy.id) == col(Negotiation.vacancy_id))
        .where(
            col(Negotiation.portal_id) == portal_id,
            col(Negotiation.hh_negotiation_id) == hh_negotiation_id,
        )
    )
    found = (await session.exec(query)).first()
    return None if found is None else (found[0], found[1])


def _response(row: Negotiation, vacancy_name: str) -> ApplicantResponse:
    if row.id is None:
        raise ValueError("a stored negotiation has an id")
    linked = row.crm_entity_id is not None and row.crm_entity_type is not None
    return ApplicantResponse(
        negotiation_id=row.id,
        hh_negotiation_id=row.hh_negotiation_id,
        vacancy_name=vacancy_name,
        kind=NegotiationKind(row.kind),
        employer_state=row.employer_state,
        hh_created_at=row.hh_created_at,
        sync_status=SyncStatus(row.sync_status),
        entity_type=EntityType(row.crm_entity_type) if linked and row.crm_entity_type else None,
        entity_id=row.crm_entity_id if linked else None,
    )
