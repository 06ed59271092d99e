"""hh.ru's side of a pass: vacancies, the changed ones' negotiations, stored before anything else.

Every negotiation listed is written to the database (pending if new) in the transaction that also
stores the counters the pass acted on, so a response seen once can never be lost: if the pass dies
afterwards, the stored row is retried from the database alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from hhsync.db import state
from hhsync.db.session import Database
from hhsync.db.tables import HhAccount, NegotiationKind, Vacancy
from hhsync.errors import NeedsReauth
from hhsync.hh.client import HhClient, Listing
from hhsync.hh.errors import (
    AppCredentialsRejected,
    CaptchaRequired,
    HhError,
    RetriableHhError,
    TokenPersistFailed,
)
from hhsync.hh.models import Negotiation
from hhsync.hh.models import Vacancy as HhVacancy
from hhsync.log import get_logger
from hhsync.model.snapshot import RemoteNegotiation, RemoteSnapshot
from hhsync.sync import mapping, negotiation_kind, vacancy_list
from hhsync.sync.changes import VacancySeen, vacancies_to_read
from hhsync.sync.progress import PassProgress

INTERNSHIP_MARKERS = ("стаж", "intern", "практик")
EVENT_KIND_GUESSED: Final = "sync.kind_guessed_from_state"
EVENT_KIND_DEFERRED: Final = "sync.kind_deferred"

log = get_logger(__name__)


@dataclass
class AccountReading:
    """What one account's pass read from hh.ru."""

    snapshot: RemoteSnapshot
    vacancies: dict[str, Vacancy]
    """Stored vacancy rows by hh.ru id (every listed vacancy, read further or not)."""
    negotiations: dict[str, Negotiation] = field(default_factory=dict)
    """The listed payloads by negotiation id (their short resume carries the contacts URL)."""
    vacancies_read: int = 0
    truncated: list[str] = field(default_factory=list)


def to_remote(
    negotiation: Negotiation, vacancy_hh_id: str, kind: NegotiationKind
) -> RemoteNegotiation:
    """The planner's view of a listed negotiation whose kind is told (:func:`kinds_of`)."""
    employer_state = negotiation.employer_state.id if negotiation.employer_state else "response"
    return RemoteNegotiation(
        hh_id=negotiation.id,
        vacancy_hh_id=vacancy_hh_id,
        kind=kind,
        employer_state=employer_state,
        created_at=negotiation.created_at,
        updated_at=negotiation.updated_at,
        resume_id=negotiation.resume.id if negotiation.resume else None,
        employer_state_name=negotiation.employer_state.name if negotiation.employer_state else None,
        applicant_name=mapping.applicant_from(negotiation.resume, None).display_name,
    )


async def kinds_of(
    hh: HhClient, negotiations: Sequence[Negotiation], stored: Mapping[str, NegotiationKind]
) -> dict[str, NegotiationKind]:
    """The kind of each listed negotiation, by how it started (:mod:`hhsync.sync.negotiation_kind`).

    Only a negotiation not stored yet whose kind its listing does not tell costs a request (its
    conversation's first page). If hh.ru refuses that read for good (forbidden, gone), the
    state-based guess is taken and logged. If the read failed only for now (rate limit, server or
    network error, a captcha), the negotiation is left out of the result: a guess would be stored
    for good, while leaving it out costs nothing, as it is listed and asked again next pass.
    """
    kinds: dict[str, NegotiationKind] = {}
    for negotiation in negotiations:
        known = negotiation_kind.known_kind(negotiation, stored.get(negotiation.id))
        if known is not None:
            kinds[negotiation.id] = known
            continue
        try:
            opener = await hh.first_message_author(negotiation.id)
        except (NeedsReauth, TokenPersistFailed, AppCredentialsRejected):
            raise  # the account's access itself is gone: the pass must stop, not guess
        except (RetriableHhError, CaptchaRequired) as exc:
            log.warning(
                EVENT_KIND_DEFERRED,
                negotiation=negotiation.id,
                state=negotiation.state.id,
                error=type(exc).__name__,
                reason=str(exc),
            )
            continue
        except HhError as exc:
            guess = negotiation_kind.guess_from_state(negotiation)
            log.warning(
                EVENT_KIND_GUESSED,
                negotiation=negotiation.id,
                state=negotiation.state.id,
                kind=guess.value,
                error=type(exc).__name__,
                reason=str(exc),
            )
            kinds[negotiation.id] = guess
            continue
        kinds[negotiation.id] = negotiation_kind.kind_from_opener(opener)
    return kinds


def _counters(vacancy: HhVacancy) -> dict[str, int | None]:
    return vacancy.counters.model_dump() if vacancy.counters else {}


def _is_internship(vacancy: HhVacancy) -> bool:
    name = vacancy.name.lower()
    return any(marker in name for marker in INTERNSHIP_MARKERS)


async def read_account(
    database: Database,
    hh: HhClient,
    account: HhAccount,
    *,
    include_archived: bool,
    reconcile_s: float,
    now: datetime,
    force: bool = False,
    only_vacancies: Sequence[str] | None = None,
    store: bool = True,
    progress: PassProgress | None = None,
    stop: asyncio.Event | None = None,
) -> AccountReading:
    """List the account's vacancies, then the negotiations of those that changed; store them.

    ``store=False`` (a dry run) reads exactly the same but leaves the database as it was: vacancies
    and negotiations not stored yet are simply absent from ``vacancies`` and the stored state, which
    the planner reads as "new".
    """
    if account.id is None:
        raise ValueError("account must be stored")
    listed = (
        await vacancy_list.list_vacancies(
            database,
            hh,
            account,
            include_archived=include_archived,
            now=now,
            store=store,
            recheck_s=reconcile_s,
        )
    ).vacancies
    if only_vacancies is not None:
        listed = [v for v in listed if v.id in set(only_vacancies)]
    rows: dict[str, Vacancy] = {}
    seen: list[VacancySeen] = []
    async with database.session() as session:
        for vacancy in listed:
            stored = await state.get_vacancy(session, account.portal_id, vacancy.id)
            seen.append(
                VacancySeen(
                    vacancy.id,
                    _counters(vacancy),
                    stored.counters if stored else None,
                    stored.last_full_read_at if stored else None,
                )
            )
            if not store:
                if stored is not None:
                    rows[vacancy.id] = stored
                continue
            rows[vacancy.id] = await state.upsert_vacancy(
                session,
                portal_id=account.portal_id,
                hh_account_id=account.id,
                remote=state.VacancyRow(
                    vacancy.id,
                    vacancy.name,
                    vacancy.area.name if vacancy.area else "",
                    vacancy.archived,
                    _is_internship(vacancy),
                    vacancy.manager.id if vacancy.manager else None,
                ),
                now=now,
            )
    by_id = {v.id: v for v in listed}
    reading = AccountReading(RemoteSnapshot(), rows)
    remotes: list[RemoteNegotiation] = []
    complete: set[str] = set()
    to_read = vacancies_to_read(seen, now, reconcile_s, force=force)
    if progress is not None:
        progress.vacancies_to_read += len(to_read)
    for vacancy_id in to_read:
        if stop is not None and stop.is_set():
            break  # a shutdown: unread vacancies keep their old counters, so they are read next
        listing = await hh.vacancy_negotiations(vacancy_id)
        async with database.session() as session:
            stored_kinds = await state.stored_kinds(
                session, account.portal_id, [n.id for n in listing.negotiations]
            )
        kinds = await kinds_of(hh, listing.negotiations, stored_kinds)
        told = [n for n in listing.negotiations if n.id in kinds]
        deferred = len(told) < len(listing.negotiations)
        batch = [to_remote(n, vacancy_id, kinds[n.id]) for n in told]
        reading.negotiations.update({n.id: n for n in told})
        if store:
            await _store_read(
                database,
                account,
                rows[vacancy_id],
                by_id[vacancy_id],
                listing,
                batch,
                now,
                deferred=deferred,
            )
        remotes.extend(batch)
        reading.vacancies_read += 1
        if progress is not None:
            progress.vacancies_read += 1
            progress.negotiations_listed += len(batch)
        if listing.truncated_collections:
            reading.truncated.append(vacancy_id)
        elif not deferred:
            complete.add(vacancy_id)
    reading.snapshot = RemoteSnapshot(tuple(remotes), frozenset(complete))
    return reading


async def _store_read(
    database: Database,
    account: HhAccount,
    vacancy_row: Vacancy,
    vacancy: HhVacancy,
    listing: Listing,
    batch: list[RemoteNegotiation],
    now: datetime,
    *,
    deferred: bool = False,
) -> None:
    """Store what one vacancy's listing showed, with the counters it was read at, in one go.

    ``deferred``: some listed negotiations were left out (their kind could not be told now), so
    no full read is recorded: the next pass lists the vacancy again and asks for them once more.
    """
    if vacancy_row.id is None or account.id is None:
        raise ValueError("vacancy and account must be stored")
    async with database.session() as session:
        await state.remember_negotiations(
            session,
            portal_id=account.portal_id,
            hh_account_id=account.id,
            vacancy_id=vacancy_row.id,
            seen=batch,
            now=now,
        )
        await state.record_vacancy_read(
            session,
            portal_id=account.portal_id,
            hh_vacancy_id=vacancy.id,
            counters=_counters(vacancy),
            complete=not listing.truncated_collections,
            now=now,
            read_again=deferred,
        )
