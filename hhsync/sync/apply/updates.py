"""Existing entities follow hh.ru: the status field, the stage (unless a person moved it), the
resume link. One update command a negotiation, 50 to a batch; the person's stage always wins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from hhsync.bitrix import commands as cmd
from hhsync.bitrix.batch import BatchResult, CommandResult
from hhsync.db.portal_store import EntityUpdate
from hhsync.errors import Retriable
from hhsync.sync import mapping
from hhsync.sync.actions import UpdateEntity
from hhsync.sync.apply.outcomes import Outcomes, refusal
from hhsync.sync.apply.sender import Sender, batches


@dataclass
class Updates:
    """Updates one account's entities in one portal."""

    sender: Sender

    async def run(self, updates: Sequence[UpdateEntity]) -> None:
        """Write each update, moving a stage only where the CRM still shows the one we set."""
        current = await self._current_stages([u for u in updates if u.stage is not None])
        for chunk in batches(updates):
            moved = {u.hh_id for u in chunk if u.stage and current.get(u.hh_id) == u.stage.expected}
            commands = {
                f"u{i}": cmd.entity_update(
                    mapping.entity_kind(u.entity_type),
                    u.entity_id,
                    update_fields(u, stage_moved=u.hh_id in moved),
                )
                for i, u in enumerate(chunk)
            }
            try:
                await self.sender.recorded(commands, partial(_record, chunk, moved))
            except Retriable as exc:
                # A 5xx, timeout or rate limit on one batch must not end the pass: an update may
                # be written twice without harm, so its rows are kept and written again when due.
                async with self.sender.recorder.transaction() as outcomes:
                    for update in chunk:
                        await outcomes.failed(
                            update.hh_id, f"{type(exc).__name__}: {exc}", kind="crm_busy"
                        )

    async def _current_stages(self, moving: Sequence[UpdateEntity]) -> dict[str, str | None]:
        """The stage each entity about to be moved shows in the CRM now."""
        current: dict[str, str | None] = {}
        for chunk in batches(moving):
            commands = {
                f"g{i}": cmd.entity_get(mapping.entity_kind(u.entity_type), u.entity_id)
                for i, u in enumerate(chunk)
            }
            result = await self.sender.batch(commands)
            for i, update in enumerate(chunk):
                outcome = result[f"g{i}"]
                if isinstance(outcome, CommandResult) and isinstance(outcome.result, dict):
                    field = mapping.stage_field(update.entity_type)
                    current[update.hh_id] = outcome.result.get(field)
        return current


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


async def _record(
    chunk: Sequence[UpdateEntity], moved: set[str], outcomes: Outcomes, result: BatchResult
) -> None:
    for i, update in enumerate(chunk):
        outcome = result[f"u{i}"]
        if isinstance(outcome, CommandResult):
            await outcomes.updated(
                update.hh_id, _written(update, stage_moved=update.hh_id in moved)
            )
        else:
            await outcomes.failed(update.hh_id, refusal(outcome), kind="crm_refused")


def _written(update: UpdateEntity, *, stage_moved: bool) -> EntityUpdate:
    """What the update changed, for the record; a stage not moved was kept by a person."""
    return EntityUpdate(
        hh_status=update.hh_status,
        stage=update.stage.to if update.stage else None,
        stage_kept_manual=update.stage is not None and not stage_moved,
        resume_changed=update.resume is not None,
        resume_id=update.resume.resume_id if update.resume else None,
    )
