"""The first step of an account's pass: hh.ru's vacancy lists, and what changed sides.

Every pass asks for the active list (50 a page, with counters) and the archived list (one request
for up to 1000 archived vacancies: ``per_page`` 1000 is hh.ru's default and maximum there). A
vacancy followed while active that shows archived now is stored as archived with no full read on
record, so the pass reads it in full once, whatever came in before the archival included; after
that its archived counters and the reconcile period decide, as for any vacancy. One that comes
back to the active list is read as usual: its active counters differ from the archived ones stored.

The archived list shows the caller's own vacancies only, unless ``manager_id`` names another,
while the active list is read with ``all_accessible``: a colleague's vacancy followed while active
is in neither list once archived. Each such vacancy is looked for in the archive of the manager the
active list last showed for it, one request per manager (not per vacancy). One found nowhere
(deleted or hidden on hh.ru, or that archive refused with 403/404) is kept as it is, not read,
logged once, and looked for again once a reconcile period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from hhsync.db import followed_vacancies
from hhsync.db.session import Database
from hhsync.db.tables import HhAccount
from hhsync.hh.client import HhClient
from hhsync.hh.errors import CaptchaRequired, Forbidden, NotFound
from hhsync.hh.models import Vacancy as HhVacancy
from hhsync.log import get_logger
from hhsync.sync.vacancy_follow import Followed, Unlisted, archives_to_ask, follow

ARCHIVED_PER_PAGE: Final = 1000
"""hh.ru's default and maximum ``per_page`` of the archived list (hh.ru OpenAPI
``get-archived-vacancies``): one request a pass up to 1000 archived vacancies."""

EVENT_ARCHIVED: Final = "sync.vacancy_archived"
EVENT_RETURNED: Final = "sync.vacancy_returned"
EVENT_ARCHIVED_REFUSED: Final = "sync.archived_list_refused"
EVENT_MANAGER_ARCHIVE_REFUSED: Final = "sync.manager_archive_refused"
EVENT_UNLISTED: Final = "sync.vacancy_unlisted"

UNLISTED_RECHECK_S: Final = 6 * 3600.0
"""How soon a followed vacancy found in no list is looked for again, unless the caller gives its
reconcile period."""

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
    recheck_s: float = UNLISTED_RECHECK_S,
) -> VacancyList:
    """List both lists, choose what to follow, and mark the vacancies archived since last pass.

    ``store=False`` (a dry run) changes nothing in the database. hh.ru answers 404 to a manager
    with no right to view archived vacancies (hh.ru OpenAPI spec): the pass then follows the
    active list alone, and says so in the log. ``recheck_s``: how soon a followed vacancy found
    in no list is looked for again (the reconcile period).
    """
    if account.id is None:
        raise ValueError("account must be stored")
    active = await hh.active_vacancies(account.hh_employer_id, all_accessible=True)
    try:
        archived = await hh.archived_vacancies(account.hh_employer_id, per_page=ARCHIVED_PER_PAGE)
    except NotFound as exc:
        log.warning(EVENT_ARCHIVED_REFUSED, account=account.id, reason=str(exc))
        archived = []
    archived += await _colleague_archives(
        database,
        hh,
        account,
        {v.id for v in active} | {v.id for v in archived},
        now=now,
        recheck_s=recheck_s,
        store=store,
    )
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


async def _colleague_archives(
    database: Database,
    hh: HhClient,
    account: HhAccount,
    listed: set[str],
    *,
    now: datetime,
    recheck_s: float,
    store: bool,
) -> list[HhVacancy]:
    """The followed vacancies found in their managers' archives (one request per manager); the
    ones found nowhere are kept, recorded and logged the first time."""
    if account.id is None:
        raise ValueError("account must be stored")
    async with database.session() as session:
        stored = await followed_vacancies.unlisted(session, account.portal_id, account.id, listed)
    missing = [Unlisted(hh_id, manager, at) for hh_id, manager, at in stored]
    asks = archives_to_ask(missing, account.hh_manager_id, now, recheck_s)
    found: list[HhVacancy] = []
    nowhere = list(asks.nowhere)
    for manager_id, wanted in asks.by_manager.items():
        try:
            shown = await hh.archived_vacancies(
                account.hh_employer_id, manager_id=manager_id, per_page=ARCHIVED_PER_PAGE
            )
        except CaptchaRequired:
            raise  # the account's reads pause until a person solves it: not a refusal of the list
        except (Forbidden, NotFound) as exc:
            log.warning(
                EVENT_MANAGER_ARCHIVE_REFUSED,
                account=account.id,
                manager=manager_id,
                vacancies=list(wanted),
                reason=str(exc),
            )
            nowhere.extend(wanted)
            continue
        hit = {v.id: v for v in shown if v.id in set(wanted)}
        found.extend(hit[v] for v in wanted if v in hit)
        nowhere.extend(v for v in wanted if v not in hit)
    first_time = {v.hh_id for v in missing if v.unlisted_at is None}
    for vacancy_id in nowhere:
        if vacancy_id in first_time:
            log.warning(EVENT_UNLISTED, vacancy=vacancy_id, account=account.id)
    if store and nowhere:
        async with database.session() as session:
            await followed_vacancies.mark_unlisted(session, account.portal_id, nowhere, now)
    return found
