"""hh.ru's part of a create: the resume with contacts, its PDF, the mapping to CRM fields.

What hh.ru refuses or sends malformed is recorded as the negotiation's failure (with its kind)
and the negotiation is left out; a revoked login is raised as itself, so the pass parks the
account. Reading the resume counts against the manager's daily views: once they run out, no
further resume is fetched this pass. A captcha hh.ru wants solved pauses the account's resume
reads the same way (a person has to solve it on hh.ru), and a PDF refused for it is not skipped:
the negotiation waits for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from hhsync.db.tables import EntityType, PortalSettings, Vacancy
from hhsync.errors import NeedsReauth, first_of_group
from hhsync.hh.client import HhClient
from hhsync.hh.errors import (
    CaptchaRequired,
    Forbidden,
    HhError,
    InvalidPayload,
    NotFound,
    ResumePdfTooLarge,
    ViewLimitExceeded,
)
from hhsync.hh.models import Negotiation, Resume
from hhsync.log import get_logger
from hhsync.sync import activity, mapping
from hhsync.sync.actions import AddActivity, CreateEntity
from hhsync.sync.apply.outcomes import FailureKind, Recorder

log = get_logger(__name__)

VIEW_LIMIT_PAUSE: Final = timedelta(hours=1)
CAPTCHA_PAUSE: Final = timedelta(minutes=30)
"""How long a negotiation whose resume hh.ru hid behind a captcha waits before it is tried again."""


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
    """hh.ru requests of the account in flight at once (the process-wide budget sets the rate)."""
    contacts_paused: bool = False
    captcha: bool = False
    """hh.ru asked for a captcha this pass: no further resume is fetched until the next one."""

    async def prepare_all(self, actions: Sequence[CreateEntity]) -> list[Prepared]:
        """The creates that could be prepared, a few fetched at once."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(action: CreateEntity) -> Prepared | None:
            async with gate:
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
                negotiation.employer_state.name if negotiation.employer_state else None,
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
        """Record why the negotiation could not be prepared; a spent view limit pauses the
        account's resume reads for the rest of the pass and the negotiation for an hour."""
        kind: FailureKind = "hh_error" if isinstance(exc, HhError) else "bad_payload"
        reason = f"{type(exc).__name__}: {exc}"
        retry_at = None
        if isinstance(exc, ViewLimitExceeded):
            self.contacts_paused = True
            kind, reason = "hh_view_limit", f"hh.ru daily resume-view limit reached: {exc}"
            retry_at = self.recorder.now + VIEW_LIMIT_PAUSE
        elif isinstance(exc, CaptchaRequired):
            self.captcha = True
            retry_at = self.recorder.now + CAPTCHA_PAUSE
        async with self.recorder.transaction() as outcomes:
            await outcomes.failed(hh_id, reason, kind=kind, retry_at=retry_at)

    async def _resume_and_pdf(
        self, negotiation: Negotiation, vacancy: Vacancy | None, *, with_pdf: bool
    ) -> tuple[Resume | None, mapping.ResumePdf | None]:
        short = negotiation.resume
        if short is None:
            return None, None  # deleted or hidden: the entity says «резюме удалено»
        if self.contacts_paused:
            raise ViewLimitExceeded("contacts paused earlier in this pass")
        if self.captcha:
            raise CaptchaRequired("hh.ru asked for a captcha earlier in this pass")
        try:
            resume = await self.hh.resume(short.url)
        except NotFound:
            return None, None
        pdf = None
        pdf_url = resume.pdf_url or short.pdf_url
        # hh.ru serves the PDF only while the vacancy is active: fetch it now or never.
        if with_pdf and pdf_url and not (vacancy and vacancy.archived):
            try:
                content = await self.hh.resume_pdf(pdf_url, max_bytes=self.pdf_max_bytes)
                pdf = mapping.ResumePdf(f"resume-{resume.id}.pdf", content)
            except CaptchaRequired:
                raise  # not a PDF that is gone: the negotiation waits until it is solved
            except (NotFound, Forbidden, ResumePdfTooLarge, InvalidPayload) as exc:
                log.info("sync.pdf_skipped", negotiation=negotiation.id, reason=str(exc))
        return resume, pdf
