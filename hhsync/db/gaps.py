"""Deep vacancies with a gap: hh.ru counts negotiations that the deepest read it allows could not
list (``vacancy.missing_negotiations``, set by each full read). ``hhsync status`` and the app
page's «Новые отклики» name them; scoped by portal like every other query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db.tables import Vacancy


@dataclass(frozen=True)
class VacancyGap:
    """One vacancy hh.ru will not list completely, and by how much."""

    hh_vacancy_id: str
    name: str
    missing: int
    archived: bool


async def vacancy_gaps(session: AsyncSession, portal_id: int) -> list[VacancyGap]:
    """The portal's vacancies with a gap, the biggest first."""
    query = (
        select(Vacancy)
        .where(col(Vacancy.portal_id) == portal_id, col(Vacancy.missing_negotiations) > 0)
        .order_by(col(Vacancy.missing_negotiations).desc(), col(Vacancy.hh_vacancy_id))
    )
    return [
        VacancyGap(v.hh_vacancy_id, v.name, v.missing_negotiations, v.archived)
        for v in (await session.exec(query)).all()
    ]
