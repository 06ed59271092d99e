"""Pure routing: which CRM stage a negotiation belongs in under the portal's settings."""

from __future__ import annotations

from hhsync.model.kinds import NegotiationKind, StageMode
from hhsync.model.snapshot import PlanSettings


def stage_for(settings: PlanSettings, kind: NegotiationKind, employer_state: str) -> str | None:
    """The mapped stage; None means "leave the CRM's default".

    Simple mode maps by how the negotiation started (response or invitation). Extended mode maps
    every employer state and falls back to the simple mapping for states the HR team left unmapped.
    """
    if settings.stage_mode == StageMode.EXTENDED and employer_state in settings.stage_map:
        return settings.stage_map[employer_state]
    return settings.stage_map.get(kind.value)


def state_has_own_stage(settings: PlanSettings, employer_state: str) -> bool:
    """Whether a change to ``employer_state`` should move the entity (extended mode only)."""
    return settings.stage_mode == StageMode.EXTENDED and employer_state in settings.stage_map
