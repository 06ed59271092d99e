"""What a pass does, as data: the planner emits these, the engine applies them one by one."""

from __future__ import annotations

from dataclasses import dataclass

from hhsync.kinds import EntityType, NegotiationKind


@dataclass(frozen=True)
class CreateEntity:
    """Create the lead or deal (with activity) for a negotiation that has none yet."""

    hh_id: str
    vacancy_hh_id: str
    kind: NegotiationKind
    employer_state: str
    entity_type: EntityType
    stage: str | None
    """STATUS_ID (lead) or STAGE_ID (deal); None leaves the CRM's default stage."""
    resume_id: str | None
    adopt_first: bool = False
    """A previous create's outcome is unknown (crash, timeout, 5xx after send): look the entity up
    by ORIGINATOR_ID/ORIGIN_ID and adopt it before creating anything."""


@dataclass(frozen=True)
class UpdateHhStatus:
    """Write the new hh.ru employer state into UF_CRM_HH_STATUS."""

    hh_id: str
    entity_type: EntityType
    entity_id: int
    employer_state: str


@dataclass(frozen=True)
class MoveStage:
    """Move the entity to the stage mapped to its new employer state (extended mode).

    The engine moves it only if the CRM still shows ``expected_stage`` (the stage hhsync last set):
    when a person has moved the entity by hand, the person wins and the move is recorded as kept.
    """

    hh_id: str
    entity_type: EntityType
    entity_id: int
    stage: str
    expected_stage: str | None


@dataclass(frozen=True)
class Relink:
    """hh.ru now shows another resume (or none) for the negotiation: update the resume fields."""

    hh_id: str
    entity_type: EntityType
    entity_id: int
    resume_id: str | None


@dataclass(frozen=True)
class AddActivity:
    """The entity exists but its timeline activity was refused or lost: add it again."""

    hh_id: str
    vacancy_hh_id: str
    kind: NegotiationKind
    employer_state: str
    entity_type: EntityType
    entity_id: int
    lookup_first: bool = False
    """An earlier add's outcome is unknown (crash, timeout, 5xx after send): look the activity up
    by its originatorId/originId on the entity and record it, adding one only if none is there."""


Action = CreateEntity | UpdateHhStatus | MoveStage | Relink | AddActivity


@dataclass(frozen=True)
class Anomaly:
    """Something the planner refused to act on and the operator should see."""

    vacancy_hh_id: str
    reason: str
