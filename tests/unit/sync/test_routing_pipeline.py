"""Which pipeline a deal stage id belongs to, and which mapped stages an entity can take: pure.

Facts (Bitrix24 REST docs, crm.deal fields and crm.status): a deal's stages come from the
``DEAL_STAGE`` directory for the general pipeline (0) and ``DEAL_STAGE_<n>`` otherwise, whose ids
carry the ``C<n>:`` prefix (``C1:NEW``, ``C2:UC_LAFJPE``); lead statuses are the ``STATUS``
directory, whose ids (``NEW``, ``IN_PROCESS``) can equal general-pipeline stage ids.
"""

from __future__ import annotations

import pytest

from hhsync.db.tables import EntityType
from hhsync.model.kinds import StageMisfit, StageMode
from hhsync.model.snapshot import PlanSettings
from hhsync.sync.routing import deal_category, stage_misfit


@pytest.mark.parametrize(
    ("stage", "category"),
    [
        ("NEW", 0),
        ("PREPARATION", 0),
        ("UC_LAFJPE", 0),
        ("C1:NEW", 1),
        ("C12:UC_AB12CD", 12),
        ("C²:NEW", 0),  # not an ASCII digit: no pipeline prefix
        ("CX:NEW", 0),
        ("c1:NEW", 0),  # the prefix is upper case
    ],
)
def test_a_deal_stage_names_its_pipeline_by_its_prefix(stage: str, category: int) -> None:
    assert deal_category(stage) == category


DEALS_IN_PIPELINE_1 = PlanSettings(
    configured=True,
    entity_type=EntityType.DEAL,
    stage_mode=StageMode.EXTENDED,
    stage_map={"interview": "C1:EXECUTING"},
)


@pytest.mark.parametrize(
    ("entity_type", "shown", "misfit"),
    [
        (EntityType.DEAL, "C1:NEW", None),
        (EntityType.DEAL, None, None),  # not known here: the writer reads the deal first
        (EntityType.DEAL, "NEW", StageMisfit.PIPELINE),
        (EntityType.DEAL, "C2:NEW", StageMisfit.PIPELINE),
        (EntityType.LEAD, "NEW", StageMisfit.ENTITY_TYPE),
        (EntityType.LEAD, None, StageMisfit.ENTITY_TYPE),
    ],
)
def test_a_mapped_stage_fits_only_an_entity_of_the_settings_type_and_pipeline(
    entity_type: EntityType, shown: str | None, misfit: StageMisfit | None
) -> None:
    assert stage_misfit(DEALS_IN_PIPELINE_1, entity_type, shown, "C1:EXECUTING") == misfit
