"""hh.ru's side of a pass: vacancies, the state watch of the due ones and what it reads, stored
before anything else.

Every negotiation listed is written to the database (pending if new) in the transaction that also
stores the counters the pass acted on, so a response seen once can never be lost: if the pass dies
afterwards, the stored row is retried from the database alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from hhsync.db import state
from hhsync.db.session import Database
from hhsync.db.tables import HhAccount, NegotiationKind, Vacancy
from hhsync.errors import NeedsReauth, first_of_group
from hhsync.hh.client import HhClient
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
from hhsync.sync import listing_reads, mapping, negotiation_kind, vacancy_list
from hhsync.sync.changes import NOT_LISTED, ReadMode, VacancySeen, vacancies_due
from hhsync.sync.listing_reads import VacancyListing
from hhsync.sync.progress import PassProgress

INTERNSHIP_MARKERS = ("стаж", "intern", "практик")
KIND_READS_AT_ONCE: Final = 4
"""Conversation reads in flight while a pass tells kinds: enough to cover a long round trip, few
enough to leave the budget's other waiters (listings, other portals) their turn."""
EVENT_KIND_GUESSED: Final = "sync.kind_guessed_from_state"
EVENT_KIND_DEFERRED: Final = "sync.kind_deferred"
EVENT_VACANCY_WATCHED: Final = "sync.vacancy_watched"

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
    """Vacancies watched or read in full this pass."""
    leaves_read: int = 0
    """Leaf listings paged this pass (a watch that found nothing dirty pages none)."""
    truncated: list[str] = field(default_factory=list)


def to_remote(
    negotiation: Negotiation,
    vacancy_hh_id: str,
    kind: NegotiationKind,
    hh_listing: str | None = None,
) -> RemoteNegotiation:
    """The planner's view of a listed negotiation whose kind is told (:func:`kinds_of`), and the
    leaf listing it was found in."""
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
        hh_listing=hh_listing,
    )


async def kinds_of(
    hh: HhClient, negotiations: Sequence[Negotiation], stored: Mapping[str, NegotiationKind]
) -> dict[str, NegotiationKind]:
    """The kind of each listed negotiation, by how it started (:mod:`hhsync.sync.negotiation_kind`).

    Only a negotiation not stored yet whose kind its listing does not tell costs a request (its
    conversation's first page); up to :data:`KIND_READS_AT_ONCE` of them are in flight, so a long
    round trip to hh.ru does not make a first import wait for them one by one (the process's
    request budget still paces them). If hh.ru refuses that read for good (forbidden, gone), the
    state-based guess is taken and logged. If the read failed only for now (rate limit, server or
    network error, a captcha), the negotiation is left out of the result: a guess would be stored
    for good, while leaving it out costs nothing, as it is listed and asked again next pass.
    """
    kinds: dict[str, NegotiationKind] = {}
    to_ask: list[Negotiation] = []
    for negotiation in negotiations:
        known = negotiation_kind.known_kind(negotiation, stored.get(negotiation.id))
        if known is None:
            to_ask.append(negotiation)
        else:
            kinds[negotiation.id] = known
    gate = asyncio.Semaphore(KIND_READS_AT_ONCE)

    async def ask(negotiation: Negotiation) -> None:
        async with gate:
            kind = await _kind_from_conversation(hh, negotiation)
        if kind is not None:
            kinds[negotiation.id] = kind

    try:
        async with asyncio.TaskGroup() as group:
            for negotiation in to_ask:
                group.create_task(ask(negotiation))
    except BaseExceptionGroup as failed:
        raise first_of_group(failed) from failed
    return {n.id: kinds[n.id] for n in negotiations if n.id in kinds}


async def _kind_from_conversation(hh: HhClient, negotiation: Negotiation) -> NegotiationKind | None:
    """One negotiation's kind from its conversation's opener; None when the read must wait."""
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
        return None
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
        return guess
    return negotiation_kind.kind_from_opener(opener)


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
    watch_s: float,
    force: bool = False,
    only_vacancies: Sequence[str] | None = None,
    store: bool = True,
    progress: PassProgress | None = None,
    stop: asyncio.Event | None = None,
) -> AccountReading:
    """List the account's vacancies, watch the ones due, read what changed; store it.

    A vacancy is watched when new, when its counters moved, or once per ``watch_s``; a watch
    reads only the leaf listings whose totals differ from what is stored there
    (:mod:`hhsync.sync.changes`, :mod:`hhsync.sync.listing_reads`). ``reconcile_s`` keeps a
    full read as the safety net.

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
                    stored.watched_at if stored else None,
                    stored.updated_at if stored else None,
                    archived=vacancy.archived,
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
    due = vacancies_due(seen, now, reconcile_s=reconcile_s, watch_s=watch_s, force=force)
    if progress is not None:
        progress.vacancies_to_read += len(due)
    for vacancy_due in due:
        if stop is not None and stop.is_set():
            break  # a shutdown: unread vacancies keep their old counters, so they are read next
        vacancy_id = vacancy_due.hh_id
        row = rows.get(vacancy_id)
        listing = await listing_reads.read_vacancy(
            hh,
            database,
            portal_id=account.portal_id,
            vacancy_id=row.id if row is not None else None,
            hh_vacancy_id=vacancy_id,
            settled_totals=row.listing_totals if row is not None else {},
            full=vacancy_due.mode == ReadMode.FULL,
        )
        found = list(listing.found.values())
        async with database.session() as session:
            stored_kinds = await state.stored_kinds(
                session, account.portal_id, [n.id for n in found]
            )
        kinds = await kinds_of(hh, found, stored_kinds)
        told = [n for n in found if n.id in kinds]
        deferred = len(told) < len(found)
        batch = [to_remote(n, vacancy_id, kinds[n.id], listing.listing_of.get(n.id)) for n in told]
        reading.negotiations.update({n.id: n for n in told})
        if store and row is not None:
            untold = {listing.listing_of.get(n.id) for n in found if n.id not in kinds}
            await _store_read(
                database,
                account,
                row,
                by_id[vacancy_id],
                listing,
                batch,
                now,
                settled=_settled(listing.totals, row.listing_totals, untold),
                deferred=deferred,
            )
        remotes.extend(batch)
        reading.vacancies_read += 1
        reading.leaves_read += listing.leaves_read
        if progress is not None:
            progress.vacancies_read += 1
            progress.negotiations_listed += len(batch)
        log.debug(
            EVENT_VACANCY_WATCHED,
            vacancy=vacancy_id,
            reason=vacancy_due.reason.value,
            full=listing.full,
            leaves_read=listing.leaves_read,
            found=len(found),
        )
        if listing.truncated:
            reading.truncated.append(vacancy_id)
        elif listing.full and not deferred:
            complete.add(vacancy_id)
    reading.snapshot = RemoteSnapshot(tuple(remotes), frozenset(complete))
    return reading


def _settled(
    totals: Mapping[str, int], before: Mapping[str, Any], untold: Collection[str | None]
) -> dict[str, int]:
    """The leaf totals to store as settled: today's, except for a leaf holding a negotiation
    left out for now (its kind untold), which keeps its old one so the next watch reads it."""
    settled = {}
    for listing, total in totals.items():
        if listing not in untold:
            settled[listing] = total
        elif isinstance(before.get(listing), int):
            settled[listing] = int(before[listing])
    return settled


async def _store_read(
    database: Database,
    account: HhAccount,
    vacancy_row: Vacancy,
    vacancy: HhVacancy,
    listing: VacancyListing,
    batch: list[RemoteNegotiation],
    now: datetime,
    *,
    settled: Mapping[str, int],
    deferred: bool = False,
) -> None:
    """Store what one vacancy's read showed, with the counters and leaf totals it was read at,
    in one go.

    A full read first marks every stored negotiation of the vacancy listed nowhere, then stores
    the ones it found with their leaf; a leaf read to the end does the same for its leaf. So each
    listing's stored count is what hh.ru listed there.

    ``deferred``: some listed negotiations were left out (their kind could not be told now), so
    no full read is recorded and the next pass watches the vacancy again at once: it lists them
    again and asks for them once more.
    """
    if vacancy_row.id is None or account.id is None:
        raise ValueError("vacancy and account must be stored")
    async with database.session() as session:
        if listing.unlist_all:
            await state.relist(
                session,
                portal_id=account.portal_id,
                vacancy_id=vacancy_row.id,
                hh_listing=NOT_LISTED,
            )
        await state.relist(
            session,
            portal_id=account.portal_id,
            vacancy_id=vacancy_row.id,
            hh_listing=NOT_LISTED,
            hh_negotiation_ids=listing.unlisted,
        )
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
            # a full read as deep as hh.ru allows restarts the reconcile clock even with a gap
            # left (stored and shown): the watch finds what arrives in a deep listing, and
            # reading it whole again every pass would spend the budget for nothing
            complete=listing.full,
            now=now,
            # a watch's walk cut by the depth before it found what its leaf gained: only a full
            # (deep) read can find it, so the next pass reads the vacancy in full
            read_again=(deferred and listing.full)
            or (not listing.full and bool(listing.truncated)),
            missing=listing.missing,
            listing_totals=settled,
            watched=True,
            watch_again=deferred,
        )
