"""Where a state without a row of its own goes in extended mode: pure.

hh.ru says the list of employer states depends on the vacancy and the employer (hh.ru OpenAPI
spec, ``employer_states`` of ``GET /negotiations?vacancy_id=``), and integrations meet the
``discard_*`` family (public integrations, named in tests/sandbox/hh/test_hh_sandbox_states.py;
the spec's own ``employer_states`` example adds ``discard`` «Отказ» and ``discard_after_interview``
«Отказ после интервью»), so routing must give every state a sensible stage: its own
row, else its family's (every ``discard_*`` refusal uses «Отказ»), else its kind's row.
"""

from __future__ import annotations

import pytest

from hhsync.db.tables import EntityType
from hhsync.model.kinds import NegotiationKind, StageMode
from hhsync.model.snapshot import PlanSettings
from hhsync.sync.routing import (
    fallback_row,
    stage_for,
    state_has_own_stage,
    unmapped_states,
)

EXTENDED = PlanSettings(
    configured=True,
    entity_type=EntityType.LEAD,
    stage_mode=StageMode.EXTENDED,
    stage_map={
        "response": "NEW",
        "invitation": "IN_PROCESS",
        "interview": "UC_INTERVIEW",
        "discard_by_employer": "JUNK",
    },
)
RESPONSE, INVITATION = NegotiationKind.RESPONSE, NegotiationKind.INVITATION


@pytest.mark.parametrize(
    ("kind", "state", "stage", "moves"),
    [
        (RESPONSE, "interview", "UC_INTERVIEW", True),  # its own row
        (RESPONSE, "discard_vacancy_closed", "JUNK", True),  # the refusal family's row
        (INVITATION, "discard_to_other_vacancy", "JUNK", True),
        (RESPONSE, "discard_by_applicant", "JUNK", True),  # a row left empty: the family's
        # the spec's employer_states example (NegotiationsEmployerListResponse)
        (RESPONSE, "discard", "JUNK", True),
        (INVITATION, "discard_after_interview", "JUNK", True),
        (RESPONSE, "discarded_x", "NEW", False),  # not of the family: the kind's row
        (RESPONSE, "employer_custom_stage", "NEW", False),  # unknown: the kind's row, no move
        (INVITATION, "hold", "IN_PROCESS", False),  # «Приглашения (остальные)»
    ],
)
def test_a_state_without_its_row_borrows_one(
    kind: NegotiationKind, state: str, stage: str, moves: bool
) -> None:
    assert stage_for(EXTENDED, kind, state) == stage
    assert state_has_own_stage(EXTENDED, state) is moves


def test_refusals_fall_to_the_kind_when_refusal_is_unmapped_too() -> None:
    bare = PlanSettings(
        configured=True,
        entity_type=EntityType.LEAD,
        stage_mode=StageMode.EXTENDED,
        stage_map={"response": "NEW"},
    )
    assert stage_for(bare, RESPONSE, "discard_no_interaction") == "NEW"
    assert fallback_row(bare, RESPONSE, "discard_no_interaction") == "response"
    assert not state_has_own_stage(bare, "discard_no_interaction")


def test_unmapped_states_are_those_without_a_row_on_the_page() -> None:
    seen = ["interview", "discard_vacancy_closed", "hold", "discard_by_applicant", "hold"]
    assert unmapped_states(EXTENDED, seen) == ["discard_vacancy_closed", "hold"]
    simple = PlanSettings(configured=True, entity_type=EntityType.LEAD, stage_map={})
    assert unmapped_states(simple, seen) == []
    assert fallback_row(EXTENDED, RESPONSE, "discard_vacancy_closed") == "discard_by_employer"
    assert fallback_row(EXTENDED, INVITATION, "hold") == "invitation"
