"""Existing entities follow hh.ru: the status field, the stage (unless a person moved it), the
resume link. One update command a negotiation, 50 to a batch; the person's stage always wins.

A stage moves only within the entity's own pipeline: the entity is read before a move, and a deal
shown in another pipeline than the target's (the settings changed since it was made) keeps its
stage while its status field follows hh.ru; the record says why (``stage.not_moved``).

An update the portal answers «Not found» met an entity a person deleted in the CRM: it is recorded
as deleted (``entity.deleted_in_crm``) and never written to or created again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from hhsync.bitrix import commands as cmd
from hhsync.bitrix.batch import BatchResult, CommandResult
from hhsync.bitrix.errors import PortalHold
from hhsync.db.portal_store import EntityUpdate
from hhsync.db.tables import EntityType
from hhsync.errors import Retriable
from hhsync.model.kinds import StageMisfit
from hhsync.sync import mapping
from hhsync.sync.actions import UpdateEntity
from hhsync.sync.apply.outcomes import Outcomes, entity_gone, refusal
from hhsync.sync.apply.sender import Sender
from hhsync.sync.routing import deal_category


@dataclass
class Updates:
    """Updates one account's entities in one portal."""

    sender: Sender

    async def run(self, updates: Sequence[UpdateEntity]) -> None:
        """Write each update, moving a stage only where the CRM still shows the one we set, in
        the pipeline the stage belongs to."""
        shown = await self._shown([u for u in updates if u.stage is not None])
        for chunk in self.sender.sized(updates, _update_methods):
            moved, left = _sort_moves(chunk, shown)
            commands = {
                f"u{i}": cmd.entity_update(
                    mapping.entity_kind(u.entity_type),
                    u.entity_id,
                    update_fields(u, stage_moved=u.hh_id in moved),
                )
                for i, u in enumerate(chunk)
            }
            try:
                await self.sender.recorded(
                    commands,
                    partial(_record, chunk, moved, left),
                    refused=partial(_refused, chunk),
                )
            except Retriable:
                # A 5xx, timeout or rate limit on one batch must not end the pass: an update may
                # be written twice without harm, so its rows are kept and written again when due.
                # A portal hold ends it once the rows (or the answers) are recorded.
                continue

    async def _shown(self, moving: Sequence[UpdateEntity]) -> dict[str, _Shown]:
        """The stage (and a deal's pipeline) each entity about to be moved shows in the CRM now;
        an entity the portal did not return is absent."""
        shown: dict[str, _Shown] = {}
        for chunk in self.sender.sized(moving, _get_methods):
            commands = {
                f"g{i}": cmd.entity_get(mapping.entity_kind(u.entity_type), u.entity_id)
                for i, u in enumerate(chunk)
            }
            result = await self.sender.batch(commands)
            for i, update in enumerate(chunk):
                outcome = result[f"g{i}"]
                if isinstance(outcome, CommandResult) and isinstance(outcome.result, dict):
                    shown[update.hh_id] = _Shown.of(update.entity_type, outcome.result)
        return shown


def _update_methods(update: UpdateEntity) -> list[str]:
    return [f"crm.{mapping.entity_kind(update.entity_type)}.update"]


def _get_methods(update: UpdateEntity) -> list[str]:
    return [f"crm.{mapping.entity_kind(update.entity_type)}.get"]


@dataclass(frozen=True)
class _Shown:
    """What an entity shows in the CRM: its stage, and a deal's pipeline (None for a lead)."""

    stage: str | None
    category: int | None

    @classmethod
    def of(cls, entity_type: EntityType, row: dict[str, Any]) -> _Shown:
        raw = row.get(mapping.stage_field(entity_type))
        stage = None if raw in (None, "") else str(raw)
        if entity_type != EntityType.DEAL:
            return cls(stage, None)
        category = str(row.get("CATEGORY_ID") or "")
        if category.isascii() and category.isdigit():
            return cls(stage, int(category))
        return cls(stage, None if stage is None else deal_category(stage))


def _sort_moves(
    chunk: Sequence[UpdateEntity], shown: dict[str, _Shown]
) -> tuple[set[str], dict[str, StageMisfit]]:
    """The updates of ``chunk`` whose stage is moved, and those whose target the entity cannot
    take (another pipeline's stage). The rest keep their stage: a person moved the entity since
    hhsync set it, or the portal did not show it."""
    moved: set[str] = set()
    left: dict[str, StageMisfit] = {}
    for update in chunk:
        seen = shown.get(update.hh_id)
        if update.stage is None or seen is None or seen.stage != update.stage.expected:
            continue
        if seen.category is not None and seen.category != deal_category(update.stage.to):
            left[update.hh_id] = StageMisfit.PIPELINE
        else:
            moved.add(update.hh_id)
    return moved, left


def update_fields(update: UpdateEntity, *, stage_moved: bool) -> dict[str, Any]:
    """The CRM fields one update writes (the stage only when ``stage_moved``)."""
    fields: dict[str, Any] = {}
    if update.hh_status_label is not None:
        fields[mapping.UF_STATUS] = update.hh_status_label
    if update.stage is not None and stage_moved:
        fields[mapping.stage_field(update.entity_type)] = update.stage.to
    if update.resume is not None:
        resume_id = update.resume.resume_id
        fields[mapping.UF_RESUME_URL] = f"https://hh.ru/resume/{resume_id}" if resume_id else ""
    return fields


async def _refused(
    chunk: Sequence[UpdateEntity], outcomes: Outcomes, exc: Retriable | PortalHold
) -> None:
    """A batch refused before it ran: its rows are kept, written again when due."""
    for update in chunk:
        await outcomes.failed(update.hh_id, f"{type(exc).__name__}: {exc}", kind="crm_busy")


async def _record(
    chunk: Sequence[UpdateEntity],
    moved: set[str],
    left: dict[str, StageMisfit],
    outcomes: Outcomes,
    result: BatchResult,
) -> None:
    for i, update in enumerate(chunk):
        outcome = result[f"u{i}"]
        if isinstance(outcome, CommandResult):
            written = _written(
                update, stage_moved=update.hh_id in moved, left=left.get(update.hh_id)
            )
            await outcomes.updated(update.hh_id, written)
        elif entity_gone(outcome):
            # A person deleted the entity: recorded as such, neither retried nor created again.
            await outcomes.entity_deleted(update.hh_id, refusal(outcome))
        else:
            await outcomes.failed(update.hh_id, refusal(outcome), kind="crm_refused")


def _written(
    update: UpdateEntity, *, stage_moved: bool, left: StageMisfit | None = None
) -> EntityUpdate:
    """What the update changed, for the record: a stage not moved was kept by a person, or left
    because the entity cannot take it (the planner's reason, else the portal's pipeline)."""
    if update.stage_left is not None:
        return EntityUpdate(
            hh_status=update.hh_status,
            stage=update.stage_left.wanted,
            stage_left=update.stage_left.reason,
            resume_changed=update.resume is not None,
            resume_id=update.resume.resume_id if update.resume else None,
        )
    return EntityUpdate(
        hh_status=update.hh_status,
        stage=update.stage.to if update.stage else None,
        stage_kept_manual=update.stage is not None and not stage_moved and left is None,
        stage_left=left,
        resume_changed=update.resume is not None,
        resume_id=update.resume.resume_id if update.resume else None,
    )
