"""Pure routing: which CRM stage a negotiation belongs in under the portal's settings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from hhsync.model.kinds import EntityType, NegotiationKind, StageMisfit, StageMode
from hhsync.model.snapshot import PlanSettings
from hhsync.model.stage_rows import family_row, has_row

# A deal stage outside the general pipeline (0) is ``C<category id>:<code>``, e.g. ``C1:NEW``
# (Bitrix24 REST docs, crm.deal fields and crm.status DEAL_STAGE_<n>).
_PIPELINE_PREFIX: Final = re.compile(r"C(\d+):", re.ASCII)


def state_row(settings: PlanSettings, employer_state: str) -> str | None:
    """The stage-map row a state uses in extended mode: its own, else its family's (every
    ``discard_*`` refusal uses «Отказ», :data:`~hhsync.model.stage_rows.FALLBACK_FAMILIES`);
    None in simple mode or when neither is mapped (then the kind's row applies)."""
    if settings.stage_mode != StageMode.EXTENDED:
        return None
    if employer_state in settings.stage_map:
        return employer_state
    family = family_row(employer_state)
    if family is not None and family in settings.stage_map:
        return family
    return None


def stage_for(settings: PlanSettings, kind: NegotiationKind, employer_state: str) -> str | None:
    """The mapped stage; None means "leave the CRM's default".

    Simple mode maps by how the negotiation started (response or invitation). Extended mode maps
    every employer state by :func:`state_row` and falls back to the simple mapping for states the
    HR team left unmapped or hh.ru added (invitations then go to «Приглашения (остальные)»).
    """
    row = state_row(settings, employer_state)
    if row is not None:
        return settings.stage_map[row]
    return settings.stage_map.get(kind.value)


def state_has_own_stage(settings: PlanSettings, employer_state: str) -> bool:
    """Whether a change to ``employer_state`` should move the entity (extended mode only): it
    has a mapped row, its own or its family's. A state routed by its kind leaves the entity where
    it is, since the kind never changes."""
    return state_row(settings, employer_state) is not None


def unmapped_states(settings: PlanSettings, employer_states: Iterable[str]) -> list[str]:
    """The states, in extended mode, for which the stage table has no row of their own (hh.ru
    added them, or the employer did): each uses a fallback row and is worth saying so once."""
    if settings.stage_mode != StageMode.EXTENDED:
        return []
    return sorted({state for state in employer_states if not has_row(state)})


def fallback_row(settings: PlanSettings, kind: NegotiationKind, employer_state: str) -> str:
    """The row a state without its own uses: its family's if mapped, else its kind's."""
    return state_row(settings, employer_state) or kind.value


def deal_category(stage_id: str) -> int:
    """The pipeline a deal stage id belongs to: the ``C<n>:`` prefix, none for pipeline 0."""
    prefix = _PIPELINE_PREFIX.match(stage_id)
    return int(prefix.group(1)) if prefix else 0


def stage_misfit(
    settings: PlanSettings, entity_type: EntityType, shown_stage: str | None, target: str
) -> StageMisfit | None:
    """Why ``target`` (from the saved stage map) cannot be written to an existing entity of
    ``entity_type`` whose pipeline ``shown_stage`` tells (None: it fits, as far as it can tell).

    The map is made for the saved entity type and pipeline; an entity created under earlier
    settings keeps its own, and the portal refuses a stage from another directory (a deal's stage
    of another pipeline, a deal stage in a lead's STATUS_ID). Lead statuses and pipeline-0 stages
    share ids such as ``NEW``, so the type is compared, not the id. An entity whose stage is not
    known is checked against the portal's answer before a move (``sync/apply/updates.py``).
    """
    if entity_type != settings.entity_type:
        return StageMisfit.ENTITY_TYPE
    if (
        entity_type == EntityType.DEAL
        and shown_stage is not None
        and deal_category(shown_stage) != deal_category(target)
    ):
        return StageMisfit.PIPELINE
    return None
