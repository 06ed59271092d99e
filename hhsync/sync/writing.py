"""Bitrix24's side of a pass: enrich new negotiations, create entities in batches, follow changes.

Exactly once: before a batch of creates is sent, its negotiations are committed as *in flight*.
If the answer never arrives (timeout, crash, 5xx after the write), they stay in flight and the next
pass looks each one up by ORIGINATOR_ID/ORIGIN_ID and adopts what it finds before creating
anything: the entity, and the timeline activity that travelled in the same batch (found by its
originatorId/originId on that entity). An activity added on its own goes in flight the same way
and is looked up before it is ever sent again. Every outcome is recorded with the audit line in
the transaction that advances the state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync import deadlines
from hhsync.bitrix import commands as cmd
from hhsync.bitrix.batch import (
    BatchResult,
    Command,
    CommandFailed,
    CommandResult,
    Outcome,
    result_ref,
)
from hhsync.bitrix.client import BitrixClient
from hhsync.bitrix.commands import EntityKind
from hhsync.bitrix.errors import BitrixError, OutcomeUnknown
from hhsync.clock import Clock, SystemClock
from hhsync.db import state
from hhsync.db.session import Database
from hhsync.db.tables import EntityType, PortalSettings, SyncStatus, Vacancy
from hhsync.errors import NeedsReauth, Retriable, first_of_group
from hhsync.hh.client import HhClient
from hhsync.hh.errors import (
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
from hhsync.sync.actions import AddActivity, CreateEntity, MoveStage, Relink, UpdateHhStatus
from hhsync.sync.backoff import next_retry_at

log = get_logger(__name__)

Update = UpdateHhStatus | MoveStage | Relink


def entity_kind(entity_type: EntityType) -> EntityKind:
    """Our entity type as the Bitrix24 client names it."""
    return "deal" if entity_type == EntityType.DEAL else "lead"


# Three commands per negotiation (contact, entity, activity) fit 16 negotiations in a 50-command
# batch; leads need two, but one size keeps batches of similar body size (PDFs travel inside).
CREATES_PER_BATCH: Final = 16
VIEW_LIMIT_PAUSE: Final = timedelta(hours=1)

Fence = Callable[[AsyncSession], Awaitable[None]]

FailureKind = Literal[
    "hh_view_limit",  # the manager's daily resume views ran out: paused for an hour
    "hh_error",  # hh.ru refused or failed reading the resume or PDF
    "bad_payload",  # hh.ru sent something we cannot map (kept with the reason)
    "crm_refused",  # the portal refused the write (required field, bad value, ...)
    "crm_busy",  # the portal's rate or operating-time limit: retried soon
    "activity_refused",  # the entity was created but its timeline activity was refused
]
# hh.ru requests of one account in flight at once while enriching (the budget sets the rate).
ENRICH_CONCURRENCY: Final = 2
# Bitrix24 runs at most 50 commands per batch; an adoption looks up the entity and its activity.
COMMANDS_PER_BATCH: Final = 50
ADOPTIONS_PER_BATCH: Final = COMMANDS_PER_BATCH // 2


@dataclass
class WriteFigures:
    """What the Bitrix24 side did in one pass."""

    created: int = 0
    adopted: int = 0
    activities_adopted: int = 0
    """Activities found by origin (an earlier add had landed) instead of being added again."""
    updated: int = 0
    failed: int = 0
    outcome_unknown: int = 0
    commands: int = 0
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    """``failed`` split by :data:`FailureKind` (the ``responses_failed`` metric's label)."""

    def count_failure(self, kind: FailureKind) -> None:
        """One more negotiation failed this pass, for the reason ``kind``."""
        self.failed += 1
        self.failed_by_reason[kind] = self.failed_by_reason.get(kind, 0) + 1


@dataclass(frozen=True)
class Prepared:
    """A create that is ready to send: the action, its fields and its activity layout."""

    action: CreateEntity
    draft: mapping.CrmDraft
    layout: dict[str, Any]


@dataclass
class Writer:
    """Applies one account's planned actions to one portal."""

    database: Database
    bitrix: BitrixClient
    hh: HhClient
    portal_id: int
    prefs: PortalSettings
    vacancies: dict[str, Vacancy]
    listed: dict[str, Negotiation]
    now: datetime
    retry_base_s: float
    retry_max_s: float
    pdf_max_bytes: int
    run_id: int | None = None
    figures: WriteFigures = field(default_factory=WriteFigures)
    contacts_paused: bool = False
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the daemon shuts down: no new batch starts; the one under way is recorded."""
    fence: Fence | None = None
    """Checked in the transaction that marks a batch in flight, before it is sent: raises
    ``LeaseExpired`` once this process no longer holds the portal's lease."""
    clock: Clock = field(default_factory=SystemClock)
    """Read when a batch is marked in flight (the pass's ``now`` may be minutes old by then)."""
    in_flight_hold_s: float = deadlines.in_flight_hold_s(30.0, 60.0)
    """How long after marking a write batch its request may still run at the portal."""

    # --- creates ---------------------------------------------------------------------------

    async def create_all(self, creates: Sequence[CreateEntity]) -> None:
        """Create entities (adopting earlier ones first where an outcome was unknown).

        hh.ru enrichment of the next batch overlaps with sending the current one to Bitrix24, and
        runs a few requests at once; the process-wide hh.ru budget still sets the pace.
        """
        sending: asyncio.Task[None] | None = None
        try:
            for start in range(0, len(creates), CREATES_PER_BATCH):
                if self.stop.is_set():
                    break  # the rest stay pending in the database for the next pass
                ready = await self._prepare_chunk(creates[start : start + CREATES_PER_BATCH])
                if sending is not None:
                    await sending
                    sending = None
                if ready and not self.stop.is_set():
                    sending = asyncio.create_task(self._send_creates(ready), name="b24-creates")
        finally:
            if sending is not None:
                await sending  # its outcomes must be recorded whatever stopped the preparation

    async def _prepare_chunk(self, chunk: Sequence[CreateEntity]) -> list[Prepared]:
        settled = await self._adopt_all([a for a in chunk if a.adopt_first])
        gate = asyncio.Semaphore(ENRICH_CONCURRENCY)

        async def one(action: CreateEntity) -> Prepared | None:
            async with gate:
                return await self._prepare(action)

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(a)) for a in chunk if a.hh_id not in settled]
        except BaseExceptionGroup as failed:
            # One fetch's revoked login (or bug) ends the chunk: raise it as itself, so the pass
            # parks the account (or records the failure) instead of crashing on a group.
            raise first_of_group(failed) from failed
        return [p for p in (task.result() for task in tasks) if p is not None]

    async def _adopt_all(self, actions: Sequence[CreateEntity]) -> set[str]:
        """Look up what earlier creates with an unknown outcome left in the CRM, and adopt it.

        One batch per 25 negotiations: the entity by ORIGINATOR_ID/ORIGIN_ID and the activities
        carrying the same origin (matched to the entity by OWNER_ID). Returns the negotiations
        that must not be created now: adopted, or not looked up (tried again later, adopt first).
        """
        settled: set[str] = set()
        for start in range(0, len(actions), ADOPTIONS_PER_BATCH):
            chunk = actions[start : start + ADOPTIONS_PER_BATCH]
            commands: dict[str, Command] = {}
            for i, action in enumerate(chunk):
                kind = entity_kind(action.entity_type)
                commands[f"e{i}"] = cmd.find_by_origin(kind, mapping.ORIGINATOR_ID, action.hh_id)
                commands[f"a{i}"] = cmd.find_activities_by_origin(
                    kind, mapping.ORIGINATOR_ID, action.hh_id
                )
            self.figures.commands += len(commands)
            result = await self.bitrix.batch(commands)  # reads only: retried by the client
            for i, action in enumerate(chunk):
                if await self._adopt(action, result[f"e{i}"], result[f"a{i}"]):
                    settled.add(action.hh_id)
        return settled

    async def _adopt(self, action: CreateEntity, entity: Outcome, activities: Outcome) -> bool:
        """Record the entity an earlier create left (with its activity if found); True unless
        there is nothing to adopt and the negotiation may be created now."""
        if not isinstance(entity, CommandResult):
            # Without the lookup a create could duplicate: fail now, adopt first next time.
            await self._failed(
                action.hh_id,
                f"looking up an earlier create: {_reason(entity, None)}",
                kind=_lookup_failure(entity),
            )
            return True
        found = cmd.parse_ids(entity.result)
        if not found:
            return False
        entity_id = min(found)
        activity_id: int | None = None
        if isinstance(activities, CommandResult):
            owned = [
                a for a, owner in cmd.parse_activity_owners(activities.result) if owner == entity_id
            ]
            activity_id = min(owned, default=None)
        async with self.database.session() as session:
            await state.record_created(
                session,
                portal_id=self.portal_id,
                hh_negotiation_id=action.hh_id,
                created=state.CreatedEntity(
                    action.entity_type,
                    entity_id,
                    action.stage,
                    action.employer_state,
                    activity_id=activity_id,
                    adopted=True,
                    activity_unknown=not isinstance(activities, CommandResult),
                ),
                now=self.now,
                sync_run_id=self.run_id,
            )
        self.figures.adopted += 1
        self.figures.activities_adopted += activity_id is not None
        return True

    async def _prepare(self, action: CreateEntity) -> Prepared | None:
        """Fetch the resume (with contacts) and PDF, map the fields; record a failure instead."""
        built = await self._build(action, action.entity_type, action.stage, with_pdf=True)
        if built is None:
            return None
        return Prepared(action, *built)

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
            others = await self._others(resume_id, action.hh_id)
            layout = activity.build_layout(
                kind=action.kind,
                vacancy_name=draft.fields[mapping.UF_VACANCY],
                status_label=draft.fields[mapping.UF_STATUS],
                applicant=draft.applicant,
                others=others,
            )
        except ViewLimitExceeded as exc:
            self.contacts_paused = True
            await self._failed(
                action.hh_id,
                f"hh.ru daily resume-view limit reached: {exc}",
                kind="hh_view_limit",
                retry_at=self.now + VIEW_LIMIT_PAUSE,
            )
            return None
        except (HhError, mapping.MappingError) as exc:
            if isinstance(exc, NeedsReauth):
                raise
            kind: FailureKind = "hh_error" if isinstance(exc, HhError) else "bad_payload"
            await self._failed(action.hh_id, f"{type(exc).__name__}: {exc}", kind=kind)
            return None
        return draft, layout

    async def add_activities(self, actions: Sequence[AddActivity]) -> None:
        """Add the timeline activities that were refused or lost when their entity was created.

        Those whose earlier add has no known outcome are looked up by origin first (50 to a
        batch) and only the missing ones are added. Each batch of adds is committed in flight
        before it is sent, so a crash or unknown outcome after it leads to a lookup, not an add.
        """
        missing = [a for a in actions if not a.lookup_first]
        missing += await self._find_activities([a for a in actions if a.lookup_first])
        ready: list[tuple[AddActivity, dict[str, Any]]] = []
        for action in missing:
            built = await self._build(action, action.entity_type, None, with_pdf=False)
            if built is not None:
                ready.append((action, built[1]))
        for start in range(0, len(ready), COMMANDS_PER_BATCH):
            await self._send_activities(ready[start : start + COMMANDS_PER_BATCH])

    async def _find_activities(self, actions: Sequence[AddActivity]) -> list[AddActivity]:
        """Record the activities an earlier add with an unknown outcome left on the entities;
        returns the actions whose activity is not there (to be added now)."""
        missing: list[AddActivity] = []
        for start in range(0, len(actions), COMMANDS_PER_BATCH):
            chunk = actions[start : start + COMMANDS_PER_BATCH]
            commands = {
                f"l{i}": cmd.find_activities_by_origin(
                    entity_kind(action.entity_type),
                    mapping.ORIGINATOR_ID,
                    action.hh_id,
                    owner_id=action.entity_id,
                )
                for i, action in enumerate(chunk)
            }
            self.figures.commands += len(commands)
            result = await self.bitrix.batch(commands)  # reads only: retried by the client
            async with self.database.session() as session:
                for i, action in enumerate(chunk):
                    outcome = result[f"l{i}"]
                    if not isinstance(outcome, CommandResult):
                        # Still unknown: it stays in flight and is looked up again next time.
                        await self._failed(
                            action.hh_id,
                            f"looking up an earlier activity: {_reason(outcome, None)}",
                            kind=_lookup_failure(outcome),
                            session=session,
                        )
                        continue
                    owned = [
                        a
                        for a, owner in cmd.parse_activity_owners(outcome.result)
                        if owner == action.entity_id
                    ]
                    if not owned:
                        missing.append(action)
                        continue
                    await state.record_activity_added(
                        session,
                        portal_id=self.portal_id,
                        hh_negotiation_id=action.hh_id,
                        activity_id=min(owned),
                        now=self.now,
                        sync_run_id=self.run_id,
                        found=True,
                    )
                    self.figures.activities_adopted += 1
        return missing

    async def _send_activities(self, chunk: Sequence[tuple[AddActivity, dict[str, Any]]]) -> None:
        commands = {
            f"a{i}": cmd.activity_configurable_add(
                entity_kind(action.entity_type),
                action.entity_id,
                layout,
                activity.activity_fields(action.hh_id, self.prefs.responsible_user_id),
            )
            for i, (action, layout) in enumerate(chunk)
        }
        try:
            result = await self._send_in_flight([action.hh_id for action, _ in chunk], commands)
        except OutcomeUnknown as exc:
            # The portal may have added some of them: they stay in flight, looked up next pass.
            self.figures.outcome_unknown += len(chunk)
            log.warning("sync.outcome_unknown", count=len(chunk), reason=str(exc))
            return
        except Retriable as exc:
            for action, _ in chunk:  # refused before execution (rate or time limit): retry soon
                await self._failed(
                    action.hh_id,
                    f"activity not added: {type(exc).__name__}: {exc}",
                    kind="crm_busy",
                    activity_settled=True,
                )
            return
        async with self.database.session() as session:
            for i, (action, _) in enumerate(chunk):
                outcome = result[f"a{i}"]
                if isinstance(outcome, CommandResult):
                    await state.record_activity_added(
                        session,
                        portal_id=self.portal_id,
                        hh_negotiation_id=action.hh_id,
                        activity_id=cmd.parse_int(outcome.result),
                        now=self.now,
                        sync_run_id=self.run_id,
                    )
                else:
                    await self._failed(
                        action.hh_id,
                        _reason(outcome, None),
                        kind="crm_refused",
                        session=session,
                        activity_settled=True,
                    )

    async def _resume_and_pdf(
        self, negotiation: Negotiation, vacancy: Vacancy | None, *, with_pdf: bool
    ) -> tuple[Resume | None, mapping.ResumePdf | None]:
        short = negotiation.resume
        if short is None:
            return None, None  # deleted or hidden: the entity says «резюме удалено»
        if self.contacts_paused:
            raise ViewLimitExceeded("contacts paused earlier in this pass")
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
            except (NotFound, Forbidden, ResumePdfTooLarge, InvalidPayload) as exc:
                log.info("sync.pdf_skipped", negotiation=negotiation.id, reason=str(exc))
        return resume, pdf

    async def _others(self, resume_id: str | None, hh_id: str) -> list[activity.OtherEntity]:
        if resume_id is None:
            return []
        async with self.database.session() as session:
            found = await state.entities_by_resume(session, self.portal_id, [resume_id])
        return [
            activity.OtherEntity(e.entity_type, e.entity_id, e.vacancy_name)
            for e in found.get(resume_id, [])
            if e.hh_negotiation_id != hh_id
        ]

    async def _contact_for(
        self, draft: mapping.CrmDraft, made_in_batch: dict[str, str]
    ) -> int | str | None:
        """An existing contact with the applicant's phone or e-mail (``link_contacts``), or the
        ``$result`` of one created earlier in this batch for the same applicant."""
        keys = [*(p for p, _ in draft.applicant.phones), *draft.applicant.emails]
        for key in keys:
            if key.lower() in made_in_batch:
                return made_in_batch[key.lower()]
        found: list[int] = []
        phones = [p for p, _ in draft.applicant.phones][: cmd.MAX_DUPLICATE_VALUES]
        emails = list(draft.applicant.emails)[: cmd.MAX_DUPLICATE_VALUES]
        if phones:
            found += (await self.bitrix.duplicates_by_comm("PHONE", phones, "CONTACT")).CONTACT
        if emails and not found:
            found += (await self.bitrix.duplicates_by_comm("EMAIL", emails, "CONTACT")).CONTACT
        self.figures.commands += bool(phones) + bool(emails and not found)
        return min(found) if found else None

    async def _send_creates(self, ready: list[Prepared]) -> None:
        commands: dict[str, Command] = {}
        made_in_batch: dict[str, str] = {}
        for index, item in enumerate(ready):
            kind = entity_kind(item.action.entity_type)
            fields = dict(item.draft.fields)
            wants_contact = item.draft.contact_fields is not None or self.prefs.link_contacts
            contact: int | str | None = None
            if self.prefs.link_contacts:
                contact = await self._contact_for(item.draft, made_in_batch)
            if wants_contact and contact is None:
                commands[f"c{index}"] = Command(
                    "crm.contact.add",
                    {
                        "fields": item.draft.contact_fields or item.draft.linkable_contact,
                        "params": {"REGISTER_SONET_EVENT": "N"},
                    },
                )
                contact = result_ref(f"c{index}")
                for phone, _ in item.draft.applicant.phones:
                    made_in_batch[phone.lower()] = contact
                for email in item.draft.applicant.emails:
                    made_in_batch[email.lower()] = contact
            if contact is not None:
                if item.action.entity_type == EntityType.DEAL:
                    fields["CONTACT_IDS"] = [contact]
                else:
                    fields["CONTACT_ID"] = contact
            commands[f"e{index}"] = cmd.entity_add(kind, fields)
            commands[f"a{index}"] = cmd.activity_configurable_add(
                kind,
                result_ref(f"e{index}"),
                item.layout,
                activity.activity_fields(item.action.hh_id, self.prefs.responsible_user_id),
            )
        try:
            result = await self._send_in_flight([item.action.hh_id for item in ready], commands)
        except OutcomeUnknown as exc:
            # The portal may have written some of them: leave them in flight to be adopted.
            self.figures.outcome_unknown += len(ready)
            log.warning("sync.outcome_unknown", count=len(ready), reason=str(exc))
            return
        except Retriable as exc:
            for item in ready:  # refused before execution (rate or time limit): retry soon
                await self._failed(
                    item.action.hh_id, f"{type(exc).__name__}: {exc}", kind="crm_busy"
                )
            return
        async with self.database.session() as session:
            for index, item in enumerate(ready):
                entity = result[f"e{index}"]
                if isinstance(entity, CommandResult):
                    made = result[f"a{index}"]
                    added_contact = result.outcomes.get(f"c{index}")
                    activity_error = (
                        None if isinstance(made, CommandResult) else _reason(made, None)
                    )
                    await state.record_created(
                        session,
                        portal_id=self.portal_id,
                        hh_negotiation_id=item.action.hh_id,
                        created=state.CreatedEntity(
                            item.action.entity_type,
                            cmd.parse_int(entity.result),
                            item.action.stage,
                            item.action.employer_state,
                            activity_id=cmd.parse_int(made.result)
                            if isinstance(made, CommandResult)
                            else None,
                            contact_id=cmd.parse_int(added_contact.result)
                            if isinstance(added_contact, CommandResult)
                            else None,
                            activity_error=activity_error,
                            retry_at=next_retry_at(
                                1, self.now, self.retry_base_s, self.retry_max_s, item.action.hh_id
                            ),
                        ),
                        now=self.now,
                        sync_run_id=self.run_id,
                    )
                    self.figures.created += 1
                    if activity_error is not None:
                        self.figures.count_failure("activity_refused")
                        log.warning(
                            "sync.activity_failed",
                            negotiation=item.action.hh_id,
                            reason=activity_error,
                        )
                else:
                    reason = _reason(entity, result.outcomes.get(f"c{index}"))
                    await self._failed(
                        item.action.hh_id, reason, kind="crm_refused", session=session
                    )

    # --- updates ---------------------------------------------------------------------------

    async def update_all(self, actions: Sequence[Update]) -> None:
        """Follow hh.ru state changes: status field, stage (unless a person moved it), resume."""
        by_id: dict[str, list[Update]] = {}
        for action in actions:
            by_id.setdefault(action.hh_id, []).append(action)
        if not by_id:
            return
        current = await self._current_stages(
            [a for group in by_id.values() for a in group if isinstance(a, MoveStage)]
        )
        commands: dict[str, Command] = {}
        meta: dict[str, tuple[str, str, str | None, bool, str | None]] = {}
        for index, (hh_id, group) in enumerate(by_id.items()):
            fields, status, stage, kept, resume_id = self._update_fields(group, current)
            first = group[0]
            key = f"u{index}"
            commands[key] = cmd.entity_update(
                entity_kind(first.entity_type), first.entity_id, fields
            )
            meta[key] = (hh_id, status, stage, kept, resume_id)
        for start in range(0, len(commands), 50):
            keys = list(commands)[start : start + 50]
            chunk = {k: commands[k] for k in keys}
            self.figures.commands += len(chunk)
            result = await self.bitrix.batch(chunk)
            async with self.database.session() as session:
                for key in keys:
                    hh_id, status, stage, kept, resume_id = meta[key]
                    outcome = result[key]
                    if isinstance(outcome, CommandResult):
                        await state.record_updated(
                            session,
                            portal_id=self.portal_id,
                            hh_negotiation_id=hh_id,
                            hh_status=status,
                            stage=stage,
                            stage_kept_manual=kept,
                            resume_id=resume_id,
                            now=self.now,
                            sync_run_id=self.run_id,
                        )
                        self.figures.updated += 1
                    else:
                        await self._failed(
                            hh_id, _reason(outcome, None), kind="crm_refused", session=session
                        )

    def _update_fields(
        self, group: list[Update], current: dict[str, str | None]
    ) -> tuple[dict[str, Any], str, str | None, bool, str | None]:
        fields: dict[str, Any] = {}
        status = ""
        stage: str | None = None
        kept = False
        resume_id: str | None = None
        relinked = False
        for action in group:
            if isinstance(action, UpdateHhStatus):
                listed = self.listed.get(action.hh_id)
                hh_name = listed.employer_state.name if listed and listed.employer_state else None
                fields[mapping.UF_STATUS] = mapping.state_label(action.employer_state, hh_name)
                status = action.employer_state
            elif isinstance(action, MoveStage):
                stage = action.stage
                if current.get(action.hh_id) == action.expected_stage:
                    key = "STATUS_ID" if action.entity_type == EntityType.LEAD else "STAGE_ID"
                    fields[key] = action.stage
                else:
                    kept = True  # a person moved it by hand: the person wins
            elif isinstance(action, Relink):
                relinked = True
                resume_id = action.resume_id
                fields[mapping.UF_RESUME_URL] = (
                    f"https://hh.ru/resume/{action.resume_id}" if action.resume_id else ""
                )
        if not relinked:
            listed = self.listed.get(group[0].hh_id)
            resume_id = listed.resume.id if listed and listed.resume else None
        if not status:
            listed = self.listed.get(group[0].hh_id)
            status = listed.employer_state.id if listed and listed.employer_state else ""
        return fields, status, stage, kept, resume_id

    async def _current_stages(self, moves: list[MoveStage]) -> dict[str, str | None]:
        if not moves:
            return {}
        commands = {
            f"g{i}": cmd.entity_get(entity_kind(m.entity_type), m.entity_id)
            for i, m in enumerate(moves)
        }
        current: dict[str, str | None] = {}
        for start in range(0, len(moves), 50):
            keys = list(commands)[start : start + 50]
            self.figures.commands += len(keys)
            result = await self.bitrix.batch({k: commands[k] for k in keys})
            for key in keys:
                move = moves[int(key[1:])]
                outcome = result[key]
                if isinstance(outcome, CommandResult) and isinstance(outcome.result, dict):
                    field_name = "STATUS_ID" if move.entity_type == EntityType.LEAD else "STAGE_ID"
                    current[move.hh_id] = outcome.result.get(field_name)
        return current

    async def _send_in_flight(
        self, hh_ids: Sequence[str], commands: Mapping[str, Command]
    ) -> BatchResult:
        """Send one write batch, committed as in flight first, behind the lease fence.

        After a crash, an unknown outcome or a lost lease, the negotiations wait in flight until
        the request can no longer be running at the portal (:mod:`hhsync.deadlines`), and are then
        looked up by origin before anything is sent again. The portal's limits are waited for
        before the marking, so the batch leaves within its send window or not at all.
        """
        await self.bitrix.wait_until_sendable(commands)
        send_by = self.bitrix.send_deadline(deadlines.SEND_WINDOW_S)
        until = self.clock.now() + timedelta(seconds=self.in_flight_hold_s)
        async with self.database.session() as session:
            if self.fence is not None:
                await self.fence(session)
            for hh_id in hh_ids:
                await state.mark_in_flight(
                    session,
                    portal_id=self.portal_id,
                    hh_negotiation_id=hh_id,
                    now=self.now,
                    until=until,
                )
        self.figures.commands += len(commands)
        return await self.bitrix.batch(commands, send_by=send_by)

    # --- failures --------------------------------------------------------------------------

    async def _failed(
        self,
        hh_id: str,
        reason: str,
        *,
        kind: FailureKind,
        retry_at: datetime | None = None,
        session: Any = None,
        activity_settled: bool = False,
    ) -> None:
        async def record(active: Any) -> None:
            row = await state.get_negotiation(active, self.portal_id, hh_id)
            attempts = 1
            if row is not None:
                in_flight = row.sync_status == SyncStatus.IN_FLIGHT
                attempts = max(1, row.attempts if in_flight else row.attempts + 1)
            when = retry_at or next_retry_at(
                attempts, self.now, self.retry_base_s, self.retry_max_s, hh_id
            )
            await state.record_failed(
                active,
                portal_id=self.portal_id,
                hh_negotiation_id=hh_id,
                error=reason,
                retry_at=when,
                now=self.now,
                sync_run_id=self.run_id,
                activity_settled=activity_settled,
            )

        self.figures.count_failure(kind)
        log.info("sync.negotiation_failed", negotiation=hh_id, reason=reason, kind=kind)
        if session is not None:
            await record(session)
            return
        async with self.database.session() as fresh:
            await record(fresh)


def _lookup_failure(outcome: Outcome) -> FailureKind:
    """A refused lookup: the portal's limits (retried soon), or a refusal to report."""
    if isinstance(outcome, CommandFailed) and isinstance(outcome.error, Retriable):
        return "crm_busy"
    return "crm_refused"


def _reason(entity: object, contact: object) -> str:
    """The portal's own words for a refused create (what the HR admin must fix)."""
    for outcome in (contact, entity):
        if isinstance(outcome, CommandFailed):
            error = outcome.error
            text = str(error) if isinstance(error, BitrixError) else repr(error)
            return f"{outcome.method}: {text}"
    return "not executed: an earlier command of its group failed"
