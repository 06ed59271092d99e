"""What one update writes to the CRM, from the planner's complete action: pure."""

from __future__ import annotations

from hhsync.db.tables import EntityType
from hhsync.sync.actions import ResumeChange, StageMove, UpdateEntity
from hhsync.sync.apply.updates import update_fields
from hhsync.sync.mapping import UF_RESUME_URL, UF_STATUS


def test_a_state_change_writes_its_label_and_moves_the_stage_only_when_allowed() -> None:
    deal = UpdateEntity(
        "1001", EntityType.DEAL, 77, "interview", "Интервью", StageMove("C3:EXECUTING", "C3:NEW")
    )
    assert update_fields(deal, stage_moved=True) == {
        UF_STATUS: "Интервью",
        "STAGE_ID": "C3:EXECUTING",
    }
    assert update_fields(deal, stage_moved=False) == {UF_STATUS: "Интервью"}  # a person moved it
    lead = UpdateEntity("1001", EntityType.LEAD, 77, "offer", "Оффер", StageMove("OFFER", "NEW"))
    assert update_fields(lead, stage_moved=True) == {UF_STATUS: "Оффер", "STATUS_ID": "OFFER"}


def test_another_resume_or_none_rewrites_only_the_resume_link() -> None:
    relinked = UpdateEntity("1001", EntityType.LEAD, 77, resume=ResumeChange("abc"))
    deleted = UpdateEntity("1001", EntityType.LEAD, 77, resume=ResumeChange(None))
    assert update_fields(relinked, stage_moved=False) == {UF_RESUME_URL: "https://hh.ru/resume/abc"}
    assert update_fields(deleted, stage_moved=False) == {UF_RESUME_URL: ""}
