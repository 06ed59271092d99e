"""The sync outcomes of one portal's negotiations, persisted with their audit lines.

A :class:`PortalStore` is bound to one portal: every row it reads or writes is looked up by that
portal's id, so a write for another tenant's negotiation cannot happen by construction (it raises
``LookupError``). Each ``record_*`` lets :func:`hhsync.model.lifecycle.advance` decide the new
standing, stores it with the event's own fields, and adds the audit line in the same transaction.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hhsync.db import state
from hhsync.db.tables import EntityType, Negotiation, SyncStatus
from hhsync.model import lifecycle
from hhsync.model.backoff import Backoff
from hhsync.model.kinds import StageMisfit

_STORED_AS_IS = (
    "attempts",
    "next_retry_at",
    "last_error",
    "in_flight_until",
    "synced_at",
    "outcome_at",
)
"""The standing's fields that are columns of the same name (the status is ``sync_status``; the
entity and activity are known by their ids)."""


@dataclass(frozen=True)
class CreatedEntity:
    """What Bitrix24 answered for a create (or what an adoption found)."""

    entity_type: EntityType
    entity_id: int
    stage: str | None
    hh_status: str | None
    """The employer state written to UF_CRM_HH_STATUS; None when not known (an adoption)."""
    activity_id: int | None = None
    contact_id: int | None = None
    adopted: bool = False
    activity_error: str | None = None
    """Why the activity was refused; the entity is kept and the activity retried later."""
    activity_unchecked: bool = False
    """An adoption could not check for the entity's activity: in flight, looked up later."""


@dataclass(frozen=True)
class EntityUpdate:
    """What an update wrote to the entity; None (or False) where that part was left alone."""

    hh_status: str | None = None
    stage: str | None = None
    stage_kept_manual: bool = False
    """The stage was not moved: a person had moved the entity by hand."""
    stage_left: StageMisfit | None = None
    """The stage (``stage``, wanted) was not moved: the entity cannot take it, being of another
    entity type or pipeline than the settings that mapped it."""
    resume_changed: bool = False
    resume_id: str | None = None


@dataclass
class PortalStore:
    """One portal's negotiations, as one pass (``now``, ``sync_run_id``) records them."""

    session: AsyncSession
    portal_id: int
    _: KW_ONLY
    now: datetime
    backoff: Backoff
    """The retry timing of failures that name no time of their own."""
    sync_run_id: int | None = None

    async def negotiation(self, hh_negotiation_id: str) -> Negotiation | None:
        """The stored negotiation with hh.ru id ``hh_negotiation_id``."""
        return await state.get_negotiation(self.session, self.portal_id, hh_negotiation_id)

    async def mark_in_flight(self, hh_negotiation_id: str, *, until: datetime) -> None:
        """Committed before a create (or an entity's missing activity) is sent: after a crash the
        next pass looks up what landed by ORIGINATOR_ID/ORIGIN_ID and adopts it, never duplicates.

        ``until`` is when the request can no longer be running at the portal; no lookup before
        then can be trusted, so the row waits in flight until that instant.
        """
        await self._advance(hh_negotiation_id, lifecycle.MarkedInFlight(until))
        await self.session.flush()

    async def record_created(self, hh_negotiation_id: str, created: CreatedEntity) -> None:
        """The entity exists: link it, clear the error, write the audit line."""
        row, _ = await self._advance(
            hh_negotiation_id,
            lifecycle.Created(
                activity_added=created.activity_id is not None,
                activity_error=created.activity_error,
                adopted=created.adopted,
                activity_unchecked=created.activity_unchecked,
            ),
        )
        row.crm_entity_type = created.entity_type
        row.crm_entity_id = created.entity_id
        row.crm_activity_id = created.activity_id
        row.crm_contact_id = created.contact_id
        row.crm_stage_set = created.stage
        row.hh_status_set = created.hh_status
        row.crm_lead_unchecked = created.entity_type == EntityType.LEAD
        await self._audit(
            row,
            "entity.adopted" if created.adopted else "entity.created",
            {
                "entity_type": created.entity_type.value,
                "entity_id": created.entity_id,
                "activity_id": created.activity_id,
                "stage": created.stage,
            },
        )

    async def record_updated(self, hh_negotiation_id: str, update: EntityUpdate) -> None:
        """The entity follows hh.ru again; a stage a person set by hand is recorded as kept."""
        row, _ = await self._advance(hh_negotiation_id, lifecycle.Updated())
        hh_status = row.hh_status_set if update.hh_status is None else update.hh_status
        changes: dict[str, Any] = {"hh_status": {"from": row.hh_status_set, "to": hh_status}}
        row.hh_status_set = hh_status
        stage_moved = not (update.stage_kept_manual or update.stage_left)
        if update.stage is not None and stage_moved:
            changes["stage"] = {"from": row.crm_stage_set, "to": update.stage}
            row.crm_stage_set = update.stage
        if update.resume_changed and update.resume_id != row.hh_resume_id:
            changes["resume"] = {"from": row.hh_resume_id, "to": update.resume_id}
            row.hh_resume_id = update.resume_id
            row.resume_deleted = update.resume_id is None
        await self._audit(row, "entity.updated", changes)
        if update.stage_kept_manual:
            await self._audit(
                row,
                "stage.kept_manual",
                {"wanted": update.stage, "last_set_by_hhsync": row.crm_stage_set},
            )
        if update.stage_left is not None:
            await self._audit(
                row,
                "stage.not_moved",
                {
                    "wanted": update.stage,
                    "reason": update.stage_left.value,
                    "entity_type": row.crm_entity_type,
                    "stage": row.crm_stage_set,
                },
            )

    async def record_activity_added(
        self, hh_negotiation_id: str, activity_id: int, *, found: bool = False
    ) -> None:
        """The missing timeline activity is there now: the negotiation is fully synced.

        ``found``: it was not added now but found by origin (an earlier add had landed).
        """
        row, _ = await self._advance(hh_negotiation_id, lifecycle.ActivityAdded(found))
        row.crm_activity_id = activity_id
        await self._audit(
            row, "activity.adopted" if found else "activity.added", {"activity_id": activity_id}
        )

    async def record_failed(
        self,
        hh_negotiation_id: str,
        error: str,
        *,
        retry_at: datetime | None = None,
        activity_settled: bool = False,
    ) -> None:
        """Keep the response with its reason and when to try again (``retry_at``, else the
        backoff after its attempts): never dropped.

        An entity whose activity is in flight stays in flight (another write failed; whether the
        activity landed is still unknown) unless ``activity_settled`` says this failure is the
        activity's own, with a known outcome (refused, not sent, or looked up and not found).
        """
        row, after = await self._advance(
            hh_negotiation_id, lifecycle.Failed(error, retry_at, activity_settled)
        )
        when = after.next_retry_at
        await self._audit(
            row,
            "sync.failed",
            {
                "error": error[:500],
                "attempts": after.attempts,
                "retry_at": when.isoformat() if when else None,
            },
        )

    async def record_entity_deleted(self, hh_negotiation_id: str, error: str) -> None:
        """A write met the entity deleted in the CRM: a person removed it on purpose. It is
        recorded once (a second write of the same pass meeting it adds nothing), audited with the
        portal's words, and never created again nor followed."""
        row = await self.negotiation(hh_negotiation_id)
        if row is not None and row.sync_status == SyncStatus.CRM_DELETED:
            return
        row, _ = await self._advance(hh_negotiation_id, lifecycle.EntityDeleted())
        await self._audit(
            row,
            "entity.deleted_in_crm",
            {
                "entity_type": row.crm_entity_type,
                "entity_id": row.crm_entity_id,
                "error": error[:500],
            },
        )

    async def _advance(
        self, hh_negotiation_id: str, event: lifecycle.Event
    ) -> tuple[Negotiation, lifecycle.Standing]:
        """Load the row, move it by ``event`` and store its new standing (not yet flushed)."""
        row = await self.negotiation(hh_negotiation_id)
        if row is None:
            raise LookupError(
                f"negotiation {hh_negotiation_id} is not stored for portal {self.portal_id}"
            )
        before = lifecycle.Standing(
            SyncStatus(row.sync_status),
            has_entity=row.crm_entity_id is not None,
            has_activity=row.crm_activity_id is not None,
            **{name: getattr(row, name) for name in _STORED_AS_IS},
        )
        due = self.backoff.due(self.now, hh_negotiation_id)
        after = lifecycle.advance(before, event, self.now, due)
        row.sqlmodel_update(
            {"sync_status": after.status, "updated_at": self.now}
            | {name: getattr(after, name) for name in _STORED_AS_IS}
        )
        self.session.add(row)
        return row, after

    async def _audit(self, row: Negotiation, event: str, detail: dict[str, Any]) -> None:
        await state.add_audit(
            self.session,
            portal_id=self.portal_id,
            negotiation_id=row.id,
            sync_run_id=self.sync_run_id,
            event=event,
            now=self.now,
            detail=detail,
        )
