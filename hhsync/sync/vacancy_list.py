"""The first step of an account's pass: hh.ru's vacancy lists, and what changed sides.

Every pass asks for the active list (50 a page, with counters) and the archived list (one request
for up to 1000 archived vacancies: ``per_page`` 1000 is hh.ru's default and maximum there). A
vacancy followed while active that shows archived now is stored as archived with no full read on
record, so the pass reads it in full once, whatever came in before the archival included; after
that its archived counters and the reconcile period decide, as for any vacancy. One that comes
back to the active list is read as usual: its active counters differ from the archived ones stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from hhsync.db import followed_vacancies
from hhsync.db.session import Database
from hhsync.db.tables import HhAccount
from hhsync.hh.client import HhClient
from hhsync.hh.errors import NotFound
from hhsync.hh.models import Vacancy as HhVacancy
from hhsync.log import get_logger
from hhsync.sync.vacancy_follow import Followed, follow

ARCHIVED_PER_PAGE: Final = 1000
"""hh.ru's default and maximum ``per_page`` of the archived list (hh.ru OpenAPI
``get-archived-vacancies``): one request a pass up to 1000 archived vacancies."""

EVENT_ARCHIVED: Final = "sync.vacancy_archived"
EVENT_RETURNED: Final = "sync.vacancy_returned"
EVENT_ARCHIVED_REFUSED: Final = "sync.archived_list_refused"

log = get_logger(__name__)


@dataclass(frozen=True)
class VacancyList:
    """The vacancies an account's pass follows, active first, in hh.ru's order."""

    vacancies: list[HhVacancy]
    followed: Followed


async def list_vacancies(
    database: Database,
    hh: HhClient,
    account: HhAccount,
    *,
    include_archived: bool,
    now: datetime,
    store: bool = True,
) -> VacancyList:
    """List both lists, choose what to follow, and mark the vacancies archived since last pass.

    ``store=False`` (a dry run) changes nothing in the database. hh.ru answers 404 to a manager
    with no right to view archived vacancies (hh.ru OpenAPI spec): the pass then follows the
    active list alone, and says so in the log.
    """
    if account.id is None:
        raise ValueError("account must be stored")
    active = await hh.active_vacancies(account.hh_employer_id, all_accessible=True)
    try:
        archived = await hh.archived_vacancies(account.hh_employer_id, per_page=ARCHIVED_PER_PAGE)
    except NotFound as exc:
        log.warning(EVENT_ARCHIVED_REFUSED, account=account.id, reason=str(exc))
        archived = []
    by_id = {v.id: v for v in active} | {v.id: v for v in archived}
    async with database.session() as session:
        stored = await followed_vacancies.archive_flags(session, account.portal_id, list(by_id))
        chosen = follow(
            [v.id for v in active],
            [v.id for v in archived],
            stored,
            include_archived=include_archived,
        )
        if store:
            await followed_vacancies.mark_archived(
                session, account.portal_id, chosen.just_archived, now
            )
    for vacancy_id in sorted(chosen.just_archived):
        log.info(EVENT_ARCHIVED, vacancy=vacancy_id, account=account.id)
    for vacancy_id in sorted(chosen.returned):
        log.info(EVENT_RETURNED, vacancy=vacancy_id, account=account.id)
    listed = [by_id[v] for v in chosen.active + chosen.archived]
    return VacancyList(listed, chosen)
