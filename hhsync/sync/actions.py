"""What a pass does, as data: the planner emits these, the writer applies them.

Each action is complete: applying it reads no hh.ru payload and decides nothing the planner
could have decided (the writer only checks the CRM where a person may have acted since).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from hhsync.model.kinds import EntityType, NegotiationKind, StageMisfit


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
    """The CRM may already hold the entity: a previous create's outcome is unknown (crash,
    timeout, 5xx after send) or it failed, or the negotiation is older than a portal row stored
    over a CRM that may hold entities of ours. Look the entity up by ORIGINATOR_ID/ORIGIN_ID and
    adopt it before creating anything."""
    hh_status_label: str | None = None
    """What UF_CRM_HH_STATUS shows for ``employer_state``: an adopted entity that shows it needs
    no status write."""


class StageMove(NamedTuple):
    """Move the entity to ``to``, but only if the CRM still shows ``expected`` (the stage hhsync
    last set): when a person has moved the entity by hand, the person wins and the move is
    recorded as kept. (A tuple, so that the dry run prints it as one readable value.)"""

    to: str
    expected: str | None

    def __str__(self) -> str:
        return f"{self.expected} -> {self.to}"


class StageLeft(NamedTuple):
    """The new employer state has a stage of its own, but not one the entity can take: it was
    created or adopted under another entity type or pipeline than the saved settings name. Its
    status field follows hh.ru; its stage stays, and the record says why."""

    wanted: str
    reason: StageMisfit

    def __str__(self) -> str:
        return f"{self.wanted} not moved ({self.reason})"


class ResumeChange(NamedTuple):
    """hh.ru now shows another resume for the negotiation, or none (``resume_id`` None)."""

    resume_id: str | None

    def __str__(self) -> str:
        return self.resume_id or "deleted"


@dataclass(frozen=True)
class UpdateEntity:
    """Make an existing entity follow hh.ru: everything one negotiation's update writes.

    None in a part means that part has not changed and is left as it is.
    """

    hh_id: str
    entity_type: EntityType
    entity_id: int
    hh_status: str | None = None
    """The new employer state, for UF_CRM_HH_STATUS and the record."""
    hh_status_label: str | None = None
    """What UF_CRM_HH_STATUS shows for it (hh.ru's own name of the state when it sent one)."""
    stage: StageMove | None = None
    """Extended mode: the stage mapped to the new employer state."""
    resume: ResumeChange | None = None
    stage_left: StageLeft | None = None
    """Extended mode: the mapped stage the entity cannot take (never set with ``stage``)."""


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


Action = CreateEntity | UpdateEntity | AddActivity


@dataclass(frozen=True)
class Anomaly:
    """Something the planner refused to act on and the operator should see."""

    vacancy_hh_id: str
    reason: str
