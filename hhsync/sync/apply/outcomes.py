"""What the Bitrix24 side of a pass did, recorded as it happens and counted for the metrics.

Every outcome goes through :class:`Outcomes`, in the transaction of the batch it belongs to: the
database row and its audit line (:class:`~hhsync.db.portal_store.PortalStore`), the pass's
figures and the log line, always together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from hhsync.bitrix.batch import CommandFailed, Outcome
from hhsync.bitrix.errors import BitrixError, NotFound
from hhsync.db import resume_copies
from hhsync.db.portal_store import CreatedEntity, EntityUpdate, PortalStore
from hhsync.db.session import Database
from hhsync.errors import Retriable
from hhsync.log import get_logger
from hhsync.model.backoff import Backoff

log = get_logger(__name__)

FailureKind = Literal[
    "hh_view_limit",  # hh.ru refused more resume views today: paused until Moscow midnight
    "hh_error",  # hh.ru refused or failed reading the resume or PDF
    "bad_payload",  # hh.ru sent something we cannot map (kept with the reason)
    "crm_refused",  # the portal refused the write (required field, bad value, ...)
    "crm_busy",  # the portal's rate or operating-time limit: retried soon
    "activity_refused",  # the entity was created but its timeline activity was refused
]


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
    deleted_in_crm: int = 0
    """Entities a write found deleted in the CRM by a person: recorded, followed no more."""
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    """``failed`` split by :data:`FailureKind` (the ``responses_failed`` metric's label)."""

    def count_failure(self, kind: FailureKind) -> None:
        """One more negotiation failed this pass, for the reason ``kind``."""
        self.failed += 1
        self.failed_by_reason[kind] = self.failed_by_reason.get(kind, 0) + 1


@dataclass
class Outcomes:
    """Outcomes recorded in one transaction."""

    store: PortalStore
    figures: WriteFigures

    async def created(self, hh_id: str, created: CreatedEntity) -> None:
        """The entity was created, or adopted from an earlier create."""
        await self.store.record_created(hh_id, created)
        if created.activity_id is not None:
            await self._resume_used(hh_id)
        else:
            # The entity holds the PDF; the activity still to add needs only the resume.
            await resume_copies.drop_pdf(self.store.session, self.store.portal_id, hh_id)
        if created.adopted:
            self.figures.adopted += 1
            self.figures.activities_adopted += created.activity_id is not None
            return
        self.figures.created += 1
        if created.activity_error is not None:
            self.figures.count_failure("activity_refused")
            log.warning("sync.activity_failed", negotiation=hh_id, reason=created.activity_error)

    async def updated(self, hh_id: str, update: EntityUpdate) -> None:
        """The entity follows hh.ru again."""
        await self.store.record_updated(hh_id, update)
        self.figures.updated += 1

    async def activity_added(self, hh_id: str, activity_id: int, *, found: bool = False) -> None:
        """The missing activity is there: added now, or ``found`` by origin."""
        await self.store.record_activity_added(hh_id, activity_id, found=found)
        await self._resume_used(hh_id)
        self.figures.activities_adopted += found

    async def entity_deleted(self, hh_id: str, reason: str) -> None:
        """A person deleted the entity in the CRM: recorded as such and followed no more."""
        self.figures.deleted_in_crm += 1
        log.warning("sync.entity_deleted_in_crm", negotiation=hh_id, reason=reason)
        await self.store.record_entity_deleted(hh_id, reason)
        # Nothing will be added to it: the kept resume copy (personal data) goes.
        await self._resume_used(hh_id)

    async def _resume_used(self, hh_id: str) -> None:
        """Entity and activity are in the CRM: the kept resume copy (personal data) goes."""
        await resume_copies.forget(self.store.session, self.store.portal_id, hh_id)

    async def failed(
        self,
        hh_id: str,
        reason: str,
        *,
        kind: FailureKind,
        retry_at: datetime | None = None,
        activity_settled: bool = False,
    ) -> None:
        """Kept with its reason, tried again at ``retry_at`` or after the backoff."""
        self.figures.count_failure(kind)
        log.info("sync.negotiation_failed", negotiation=hh_id, reason=reason, kind=kind)
        await self.store.record_failed(
            hh_id, reason, retry_at=retry_at, activity_settled=activity_settled
        )


@dataclass
class Recorder:
    """Opens the transactions outcomes are recorded in, for one portal and one pass."""

    database: Database
    portal_id: int
    now: datetime
    backoff: Backoff
    figures: WriteFigures
    run_id: int | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Outcomes]:
        """One transaction: committed when the block ends, rolled back on an error."""
        async with self.database.session() as session:
            store = PortalStore(
                session, self.portal_id, now=self.now, backoff=self.backoff, sync_run_id=self.run_id
            )
            yield Outcomes(store, self.figures)


def refusal(entity: object, contact: object = None) -> str:
    """The portal's own words for a refused command (what the HR admin must fix)."""
    for outcome in (contact, entity):
        if isinstance(outcome, CommandFailed):
            error = outcome.error
            text = str(error) if isinstance(error, BitrixError) else repr(error)
            return f"{outcome.method}: {text}"
    return "not executed: an earlier command of its group failed"


def entity_gone(outcome: object) -> bool:
    """The portal refused a write to an existing entity because it is not there any more: a
    person deleted it (``crm.lead.delete``/``crm.deal.delete`` also drop its timeline; the
    documented answer to a missing id is ``Not found``, and an activity's missing owner
    ``NOT_FOUND``)."""
    return isinstance(outcome, CommandFailed) and isinstance(outcome.error, NotFound)


def lookup_failure(outcome: Outcome) -> FailureKind:
    """A refused lookup: the portal's limits (retried soon), or a refusal to report."""
    if isinstance(outcome, CommandFailed) and isinstance(outcome.error, Retriable):
        return "crm_busy"
    return "crm_refused"
