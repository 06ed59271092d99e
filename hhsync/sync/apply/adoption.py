"""What the CRM may already hold of ours with no row recording it, found by origin and adopted.

Two sources: earlier writes whose outcome is unknown, looked up only once the request that
carried them can no longer be running (the planner waits out the in-flight hold); and, on a
portal whose row an install stored over a CRM that may hold our entities (the app removed with
its data and installed again, another installation, a lost database), every negotiation older
than that row, looked up in the batch before its create batch (during the initial import only).
An entity is found by ORIGINATOR_ID/ORIGIN_ID among leads and deals alike: the write that may
have landed, or the other installation, may have made the other kind (the settings switch
between lead and deal in one click, with creates in flight, failed or never recorded), so one
lookup is three commands: the leads, the deals and the activities of that origin, whatever owns
them (an activity is matched to its entity by OWNER_TYPE_ID and OWNER_ID). An adopted entity is
recorded as what it is, a lead or a deal in its own stage (a deal's ``C<n>:`` prefix names its
pipeline), with what hhsync needs to follow it: its id, the stage it shows, its activity, and
its status field when that already shows the negotiation's state. A lookup that fails leaves
nothing to go on: the negotiation is not sent now (that could duplicate) and is looked up again
next time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Final, NamedTuple

from hhsync.bitrix import commands as cmd
from hhsync.bitrix.batch import MAX_COMMANDS, BatchResult, Command, CommandResult, Outcome
from hhsync.bitrix.commands import EntityKind
from hhsync.db.portal_store import CreatedEntity
from hhsync.db.tables import EntityType
from hhsync.sync import mapping
from hhsync.sync.actions import AddActivity, CreateEntity
from hhsync.sync.apply.outcomes import Outcomes, lookup_failure, refusal
from hhsync.sync.apply.sender import Sender

# An adoption looks up the leads, the deals and the activities of one origin: three commands.
LOOKUPS_PER_ADOPTION: Final = 3
ADOPTIONS_PER_BATCH: Final = MAX_COMMANDS // LOOKUPS_PER_ADOPTION
KINDS: Final[tuple[EntityKind, ...]] = ("lead", "deal")


@dataclass
class Adoption:
    """Adopts one portal's entities and activities whose write had no recorded outcome."""

    sender: Sender

    async def entities(self, actions: Sequence[CreateEntity]) -> set[str]:
        """Adopt the entities (with their activity if found) earlier creates or another
        installation left.

        Returns the negotiations that must not be created now: adopted, or not looked up
        (tried again later, adopt first).
        """
        settled: set[str] = set()
        for chunk in self.sender.sized(actions, _lookup_methods, ADOPTIONS_PER_BATCH):
            commands: dict[str, Command] = {}
            for i, action in enumerate(chunk):
                for kind in KINDS:
                    commands[f"{kind}{i}"] = cmd.find_stages_by_origin(
                        kind, mapping.ORIGINATOR_ID, action.hh_id, also=(mapping.UF_STATUS,)
                    )
                commands[f"a{i}"] = cmd.find_activities_by_origin(
                    None, mapping.ORIGINATOR_ID, action.hh_id
                )
            settled |= await self.sender.recorded(commands, partial(_adopt_all, chunk))
        return settled

    async def activities(self, actions: Sequence[AddActivity]) -> list[AddActivity]:
        """Record the activities earlier adds left on their entities; returns the actions whose
        activity is not there (to be added now)."""
        missing: list[AddActivity] = []
        for chunk in self.sender.sized(actions, _activity_lookup_methods):
            commands = {
                f"l{i}": cmd.find_activities_by_origin(
                    mapping.entity_kind(action.entity_type),
                    mapping.ORIGINATOR_ID,
                    action.hh_id,
                    owner_id=action.entity_id,
                )
                for i, action in enumerate(chunk)
            }
            missing += await self.sender.recorded(commands, partial(_find_all, chunk))
        return missing


def _lookup_methods(_: CreateEntity) -> list[str]:
    return [*(f"crm.{kind}.list" for kind in KINDS), "crm.activity.list"]


def _activity_lookup_methods(_: AddActivity) -> list[str]:
    return ["crm.activity.list"]


async def _adopt_all(
    chunk: Sequence[CreateEntity], outcomes: Outcomes, result: BatchResult
) -> set[str]:
    """The negotiations of ``chunk`` not to create now (see :meth:`Adoption.entities`)."""
    settled: set[str] = set()
    for i, action in enumerate(chunk):
        lookups = {kind: result[f"{kind}{i}"] for kind in KINDS}
        refused = next((o for o in lookups.values() if not isinstance(o, CommandResult)), None)
        if refused is not None:
            # Without both lookups a create could duplicate: fail now, adopt first next time.
            await _lookup_failed(outcomes, action.hh_id, "an earlier create", refused)
            settled.add(action.hh_id)
            continue
        found = _found(action, lookups)
        if found is None:
            continue  # nothing landed: created now
        entity_type = EntityType.DEAL if found.kind == "deal" else EntityType.LEAD
        activities = result[f"a{i}"]
        created = CreatedEntity(
            entity_type,
            found.entity_id,
            # What the entity shows, not what this pass would create: the create that landed was
            # planned earlier, maybe for another employer state, type or pipeline, and a person
            # may have moved it. The planned stage stands in only for an entity of its type.
            found.stage or (action.stage if entity_type == action.entity_type else None),
            # A status field showing this state needs no write (and then a stage a person chose
            # stays, as no state change asks for a move). Otherwise the next pass writes it: the
            # planner follows a status not recorded as written.
            action.employer_state
            if found.status_shown is not None and found.status_shown == action.hh_status_label
            else None,
            activity_id=_owned(activities, found.kind, found.entity_id),
            adopted=True,
            activity_unchecked=not isinstance(activities, CommandResult),
        )
        await outcomes.created(action.hh_id, created)
        settled.add(action.hh_id)
    return settled


class _Found(NamedTuple):
    """An entity of ours the CRM holds: its kind and id, the stage and status field it shows."""

    kind: EntityKind
    entity_id: int
    stage: str | None
    status_shown: str | None


def _found(action: CreateEntity, lookups: dict[EntityKind, Outcome]) -> _Found | None:
    """The entity to adopt, or None when the CRM holds none. Should both kinds hold one
    (duplicates made before lookups covered both), the kind the saved settings create wins, then
    the oldest."""
    preferred = mapping.entity_kind(action.entity_type)
    for kind in sorted(KINDS, key=lambda k: k != preferred):
        outcome = lookups[kind]
        rows = outcome.result if isinstance(outcome, CommandResult) else None
        stages = cmd.parse_stages(rows)
        if stages:
            entity_id = min(stages)
            shown = cmd.parse_values(rows, mapping.UF_STATUS).get(entity_id)
            return _Found(kind, entity_id, stages[entity_id], shown)
    return None


async def _find_all(
    chunk: Sequence[AddActivity], outcomes: Outcomes, result: BatchResult
) -> list[AddActivity]:
    """The actions of ``chunk`` whose activity is not there (see :meth:`Adoption.activities`)."""
    missing: list[AddActivity] = []
    for i, action in enumerate(chunk):
        outcome = result[f"l{i}"]
        if not isinstance(outcome, CommandResult):
            # Still unknown: it stays in flight and is looked up again next time.
            await _lookup_failed(outcomes, action.hh_id, "an earlier activity", outcome)
            continue
        found = _owned(outcome, mapping.entity_kind(action.entity_type), action.entity_id)
        if found is None:
            missing.append(action)
        else:
            await outcomes.activity_added(action.hh_id, found, found=True)
    return missing


async def _lookup_failed(outcomes: Outcomes, hh_id: str, what: str, outcome: Outcome) -> None:
    await outcomes.failed(
        hh_id, f"looking up {what}: {refusal(outcome)}", kind=lookup_failure(outcome)
    )


def _owned(activities: Outcome, kind: EntityKind, entity_id: int) -> int | None:
    """The first activity of the lookup that belongs to the ``kind`` entity ``entity_id`` (lead
    and deal ids are counted apart, so the owner's type must match as well)."""
    if not isinstance(activities, CommandResult):
        return None
    owned = [
        activity
        for activity, owner_kind, owner in cmd.parse_activity_owner_kinds(activities.result)
        if owner_kind == kind and owner == entity_id
    ]
    return min(owned, default=None)
