"""hh.ru's part of a create: the resume with contacts, its PDF, the mapping to CRM fields.

What hh.ru refuses or sends malformed is recorded as the negotiation's failure (with its kind)
and the negotiation is left out; a revoked login is raised as itself, so the pass parks the
account. Every open of a resume and every PDF download counts against the manager's daily views
(hh.ru's terms quoted in hhru/api #855), so a negotiation opens its resume once: what was read is
kept (:mod:`hhsync.db.resume_copies`) and a retry reads the copy. Once hh.ru refuses more views
(``view_limit_exceeded``, ``quota_exceeded``), no resume of the account is opened until the next
Moscow midnight; the responses wait, pending, with the reason shown. A captcha hh.ru wants solved
pauses the account's resume reads for the pass (a person has to solve it on hh.ru), and a PDF
refused for it is not skipped: the negotiation waits for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from hhsync.db import accounts, resume_copies
from hhsync.db.crypto import TokenCipher
from hhsync.db.resume_copies import KeptResume
from hhsync.db.tables import EntityType, PortalSettings, Vacancy
from hhsync.errors import NeedsReauth, TokenDecryptError, first_of_group
from hhsync.hh.client import HhClient
from hhsync.hh.errors import (
    CaptchaRequired,
    Forbidden,
    HhError,
    InvalidPayload,
    NotFound,
    ResumePdfTooLarge,
    ResumeQuotaExceeded,
    ViewLimitExceeded,
)
from hhsync.hh.models import Negotiation, Resume
from hhsync.hh.quota_day import next_reset
from hhsync.log import get_logger
from hhsync.sync import activity, mapping
from hhsync.sync.actions import AddActivity, CreateEntity
from hhsync.sync.apply.outcomes import FailureKind, Recorder

log = get_logger(__name__)

CAPTCHA_PAUSE: Final = timedelta(minutes=30)
"""How long a negotiation whose resume hh.ru hid behind a captcha waits before it is tried again."""


PDF_DOWNLOADS_AT_ONCE: Final = 4
"""Resume PDFs an account's pass downloads and stores at once (the resume opens run wider): a PDF
is held raw, then Base64 and encrypted while it is kept, so this bounds the PDF bytes in flight
to about 4 x ``hh.resume_pdf_max_bytes`` (raw) however many opens are in flight. Two held a
chunk's enrichment below the hh.ru budget with 300 KB PDFs at a 0.4 s round trip (a download
and its store take longer than the round trip: 2 per round trip is 5 responses/s at best)."""

PAUSE_CAUSES: Final[dict[str, type[ViewLimitExceeded]]] = {
    "daily_limit": ViewLimitExceeded,
    "quota": ResumeQuotaExceeded,
}
"""How the account stores which refusal paused its resume opens (``contacts_paused_by``)."""


def pause_cause(stored: str | None) -> type[ViewLimitExceeded]:
    """The refusal a stored pause stands for; unknown or unset reads as the daily limit."""
    return PAUSE_CAUSES.get(stored or "", ViewLimitExceeded)


def pause_name(cause: type[ViewLimitExceeded]) -> str:
    """How the pause ``cause`` is stored on the account."""
    return "quota" if issubclass(cause, ResumeQuotaExceeded) else "daily_limit"


@dataclass(frozen=True)
class Prepared:
    """A create that is ready to send: the action, its fields and its activity layout."""

    action: CreateEntity
    draft: mapping.CrmDraft
    layout: dict[str, Any]


@dataclass
class Enricher:
    """Turns one account's planned creates and activity adds into what Bitrix24 is sent."""

    hh: HhClient
    recorder: Recorder
    prefs: PortalSettings
    vacancies: dict[str, Vacancy]
    listed: dict[str, Negotiation]
    """The payloads hh.ru listed this pass (their short resume carries the contacts URL)."""
    pdf_max_bytes: int
    concurrency: int
    """hh.ru requests of the account in flight at once (the process-wide budget sets the rate):
    enough to fill the budget when each round trip is long (rate x round trip)."""
    cipher: TokenCipher
    account_id: int | None = None
    contacts_paused_until: datetime | None = None
    """No resume is opened before then: hh.ru refused more views today (stored on the account)."""
    paused_by: type[ViewLimitExceeded] = ViewLimitExceeded
    """Which refusal paused the opens (the daily limit, or the manager's quota), for the reason
    the waiting negotiations show; stored with the pause, so later passes show the same."""
    captcha: bool = False
    """hh.ru asked for a captcha this pass: no further resume is fetched until the next one."""
    db_connections: int = 2
    """Database connections the workers hold at once: only between round trips, so far fewer
    than the requests in flight."""
    _gate: asyncio.Semaphore = field(init=False)
    _db_gate: asyncio.Semaphore = field(init=False)
    _pdf_gate: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self._gate = asyncio.Semaphore(self.concurrency)
        self._db_gate = asyncio.Semaphore(self.db_connections)
        self._pdf_gate = asyncio.Semaphore(PDF_DOWNLOADS_AT_ONCE)

    async def prepare_all(
        self, actions: Sequence[CreateEntity], halted: Callable[[], bool] | None = None
    ) -> list[Prepared]:
        """The creates that could be prepared, a few fetched at once.

        Calls made at once share the account's ``concurrency`` in the order they were made, so a
        chunk's fetches start as the chunk before it frees room. A create that gets its turn once
        ``halted`` says so is left out unprepared (it stays pending, nothing opened for it).
        """

        async def one(action: CreateEntity) -> Prepared | None:
            async with self._gate:
                if halted is not None and halted():
                    return None
                built = await self._build(action, action.entity_type, action.stage, with_pdf=True)
                return None if built is None else Prepared(action, *built)

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(a)) for a in actions]
        except BaseExceptionGroup as failed:
            # One fetch's revoked login (or bug) ends the chunk: raise it as itself, so the pass
            # parks the account (or records the failure) instead of crashing on a group.
            raise first_of_group(failed) from failed
        return [p for p in (task.result() for task in tasks) if p is not None]

    async def layout(self, action: AddActivity) -> dict[str, Any] | None:
        """The activity layout of an entity's missing activity (no PDF: it is not re-sent)."""
        built = await self._build(action, action.entity_type, None, with_pdf=False)
        return None if built is None else built[1]

    async def _build(
        self,
        action: CreateEntity | AddActivity,
        entity_type: EntityType,
        stage: str | None,
        *,
        with_pdf: bool,
    ) -> tuple[mapping.CrmDraft, dict[str, Any]] | None:
        """Fields and activity layout of a negotiation, or None after recording why not."""
        vacancy = self.vacancies.get(action.vacancy_hh_id)
        try:
            negotiation = self.listed.get(action.hh_id) or await self.hh.negotiation(action.hh_id)
            resume, pdf = await self._resume_and_pdf(negotiation, vacancy, with_pdf=with_pdf)
            view = mapping.NegotiationView(
                action.hh_id,
                action.kind,
                action.employer_state,
                negotiation.created_at,
                _state_name(negotiation, action.employer_state),
            )
            vacancy_view = mapping.VacancyView(
                action.vacancy_hh_id,
                vacancy.name if vacancy else "",
                vacancy.area_name if vacancy else None,
            )
            resume_id = negotiation.resume.id if negotiation.resume else None
            draft = mapping.build_draft(
                view,
                vacancy_view,
                resume if resume is not None else negotiation.resume,
                resume_id,
                mapping.EntityChoices(
                    entity_type,
                    stage=stage,
                    category_id=self.prefs.category_id,
                    source_id=self.prefs.source_id,
                    responsible_user_id=self.prefs.responsible_user_id,
                ),
                pdf,
            )
            layout = activity.build_layout(
                kind=action.kind,
                vacancy_name=draft.fields[mapping.UF_VACANCY],
                status_label=draft.fields[mapping.UF_STATUS],
                applicant=draft.applicant,
                negotiation_id=action.hh_id,
            )
        except (HhError, mapping.MappingError) as exc:
            if isinstance(exc, NeedsReauth):
                raise
            await self._failed(action.hh_id, exc)
            return None
        return draft, layout

    async def _failed(self, hh_id: str, exc: HhError | mapping.MappingError) -> None:
        """Record why the negotiation could not be prepared; a spent view limit or quota pauses
        the account's resume opens until the next Moscow midnight, and the negotiation with it."""
        kind: FailureKind = "hh_error" if isinstance(exc, HhError) else "bad_payload"
        reason = f"{type(exc).__name__}: {exc}"
        retry_at = None
        if isinstance(exc, ViewLimitExceeded):
            kind, retry_at = "hh_view_limit", await self._pause_contacts(type(exc))
        elif isinstance(exc, CaptchaRequired):
            self.captcha = True
            retry_at = self.recorder.now + CAPTCHA_PAUSE
        async with self._db_gate, self.recorder.transaction() as outcomes:
            await outcomes.failed(hh_id, reason, kind=kind, retry_at=retry_at)

    async def _pause_contacts(self, cause: type[ViewLimitExceeded]) -> datetime:
        """Stop opening resumes of this account until hh.ru's day ends (kept across passes)."""
        until = next_reset(self.recorder.now)
        if self.contacts_paused_until is None or self.contacts_paused_until < until:
            self.contacts_paused_until, self.paused_by = until, cause
            if self.account_id is not None:
                async with self._db_gate, self.recorder.database.session() as session:
                    await accounts.pause_contacts(
                        session, self.recorder.portal_id, self.account_id, until, pause_name(cause)
                    )
                log.warning("sync.resume_views_paused", until=until.isoformat())
        return self.contacts_paused_until

    def _waiting(self) -> ViewLimitExceeded:
        what = (
            "the hh.ru resume-view quota the company set for this manager is spent"
            if issubclass(self.paused_by, ResumeQuotaExceeded)
            else "the manager's daily hh.ru resume-view limit is spent"
        )
        return self.paused_by(
            f"{what}; resume opens wait until {self.contacts_paused_until:%Y-%m-%d %H:%M} UTC"
        )

    def _paused(self) -> bool:
        until = self.contacts_paused_until
        return until is not None and self.recorder.now < until

    async def _resume_and_pdf(
        self, negotiation: Negotiation, vacancy: Vacancy | None, *, with_pdf: bool
    ) -> tuple[Resume | None, mapping.ResumePdf | None]:
        short = negotiation.resume
        if short is None:
            return None, None  # deleted or hidden: the entity says «резюме удалено»
        kept = await self._kept(negotiation.id)
        if kept is None:
            if self._paused():
                raise self._waiting()
            if self.captcha:
                raise CaptchaRequired("hh.ru asked for a captcha earlier in this pass")
            try:
                resume = await self.hh.resume(short.url)
            except NotFound:
                return None, None
            kept = KeptResume(resume.model_dump_json())
            await self._keep(negotiation.id, kept)
        else:
            resume = Resume.model_validate_json(kept.resume_json)
        # hh.ru serves the PDF only while the vacancy is active: fetch it now or never.
        if with_pdf and not kept.pdf_settled:
            async with self._pdf_gate:
                kept = await self._download_pdf(
                    negotiation.id, resume, short.pdf_url, vacancy, kept
                )
        pdf = None
        if with_pdf and kept.pdf is not None:
            pdf = mapping.ResumePdf(kept.pdf_name or f"resume-{resume.id}.pdf", kept.pdf)
        return resume, pdf

    async def _download_pdf(
        self,
        hh_id: str,
        resume: Resume,
        short_pdf_url: str | None,
        vacancy: Vacancy | None,
        kept: KeptResume,
    ) -> KeptResume:
        """Download the PDF once and keep it with the resume (or keep that there is none)."""
        pdf_url = resume.pdf_url or short_pdf_url
        content = None
        if pdf_url and not (vacancy and vacancy.archived):
            if self._paused():
                raise self._waiting()
            if self.captcha:
                raise CaptchaRequired("hh.ru asked for a captcha earlier in this pass")
            try:
                content = await self.hh.resume_pdf(pdf_url, max_bytes=self.pdf_max_bytes)
            except CaptchaRequired:
                raise  # not a PDF that is gone: the negotiation waits until it is solved
            except (NotFound, Forbidden, ResumePdfTooLarge, InvalidPayload) as exc:
                log.info("sync.pdf_skipped", negotiation=hh_id, reason=str(exc))
        settled = KeptResume(kept.resume_json, True, f"resume-{resume.id}.pdf", content)
        await self._keep(hh_id, settled)
        return settled

    async def _kept(self, hh_id: str) -> KeptResume | None:
        """The kept copy; one the token key no longer opens (rotated out) is deleted and the
        resume opened again, so one stale copy never stops the account's creates."""
        portal_id = self.recorder.portal_id
        async with self._db_gate, self.recorder.database.session() as session:
            try:
                return await resume_copies.load(session, self.cipher, portal_id, hh_id)
            except TokenDecryptError:
                await resume_copies.forget(session, portal_id, hh_id)
        log.warning("sync.resume_copy_unreadable", negotiation=hh_id)
        return None

    async def _keep(self, hh_id: str, kept: KeptResume) -> None:
        async with self._db_gate, self.recorder.database.session() as session:
            await resume_copies.keep(
                session, self.cipher, self.recorder.portal_id, hh_id, kept, self.recorder.now
            )


def _state_name(negotiation: Negotiation, planned_state: str) -> str | None:
    """hh.ru's name of the state the entity is written with, or None for our own label.

    A negotiation not listed this pass is fetched again, and hh.ru may have moved it since it was
    stored; the plan (stage, recorded status) is for the stored state, so the fetched state's name
    would make the CRM show a status the database never recorded. The move itself is read by the
    vacancy's next watch, which updates the entity.
    """
    state = negotiation.employer_state
    if state is None or state.id != planned_state:
        return None
    return state.name
