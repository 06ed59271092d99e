"""The planner, case by case: each row is one situation and the actions it must produce."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hhsync.db.tables import EntityType, NegotiationKind, StageMode, SyncStatus
from hhsync.model.kinds import StageMisfit
from hhsync.model.snapshot import (
    PlanSettings,
    RemoteNegotiation,
    RemoteSnapshot,
    StoredNegotiation,
    StoredState,
)
from hhsync.sync.actions import (
    AddActivity,
    CreateEntity,
    ResumeChange,
    StageLeft,
    StageMove,
    UpdateEntity,
)
from hhsync.sync.plan import SUSPICIOUS_EMPTY_MIN, plan

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SIMPLE = PlanSettings(configured=True, stage_map={"response": "NEW", "invitation": "IN_PROCESS"})
EXTENDED = PlanSettings(
    configured=True,
    entity_type=EntityType.DEAL,
    stage_mode=StageMode.EXTENDED,
    stage_map={
        "response": "C3:NEW",
        "invitation": "C3:PREPARATION",
        "interview": "C3:EXECUTING",
        "discard_by_employer": "C3:LOSE",
    },
)


def remote(
    hh_id: str = "1001",
    state: str = "response",
    *,
    kind: NegotiationKind = NegotiationKind.RESPONSE,
    vacancy: str = "501",
    resume: str | None = "r-1001",
    created: datetime = T0,
    updated: datetime | None = None,
    state_name: str | None = None,
) -> RemoteNegotiation:
    return RemoteNegotiation(
        hh_id, vacancy, kind, state, created, updated or created, resume, state_name
    )


def stored(
    hh_id: str = "1001",
    state: str = "response",
    *,
    status: SyncStatus = SyncStatus.SYNCED,
    entity: int | None = 77,
    stage: str | None = "NEW",
    hh_status: str | None = None,
    resume: str | None = "r-1001",
    attempts: int = 0,
    retry_at: datetime | None = None,
    vacancy: str = "501",
    entity_type: EntityType = EntityType.LEAD,
) -> StoredNegotiation:
    return StoredNegotiation(
        hh_id=hh_id,
        vacancy_hh_id=vacancy,
        kind=NegotiationKind.RESPONSE,
        employer_state=state,
        hh_updated_at=T0,
        resume_id=resume,
        sync_status=status,
        crm_entity_type=entity_type if entity is not None else None,
        crm_entity_id=entity,
        crm_stage_set=stage if entity is not None else None,
        hh_status_set=(hh_status or state) if entity is not None else None,
        attempts=attempts,
        next_retry_at=retry_at,
    )


def snapshot(*negotiations: RemoteNegotiation, full: tuple[str, ...] = ()) -> RemoteSnapshot:
    return RemoteSnapshot(tuple(negotiations), frozenset(full))


def state(*negotiations: StoredNegotiation) -> StoredState:
    return StoredState({n.hh_id: n for n in negotiations})


def test_nothing_is_imported_before_settings_are_saved() -> None:
    result = plan(snapshot(remote()), state(), PlanSettings(configured=False), NOW)
    assert result.actions == ()
    assert result.skipped_reason == "settings not saved yet"


@pytest.mark.parametrize(
    ("negotiation", "settings", "expected_stage", "expected_type"),
    [
        (remote(), SIMPLE, "NEW", EntityType.LEAD),
        (
            remote(kind=NegotiationKind.INVITATION, state="invitation"),
            SIMPLE,
            "IN_PROCESS",
            EntityType.LEAD,
        ),
        (remote(state="interview"), EXTENDED, "C3:EXECUTING", EntityType.DEAL),
        (remote(state="consider"), EXTENDED, "C3:NEW", EntityType.DEAL),  # unmapped state → kind's
        (remote(), PlanSettings(configured=True), None, EntityType.LEAD),  # no map → CRM default
    ],
)
def test_new_negotiation_creates_one_entity_in_the_mapped_stage(
    negotiation: RemoteNegotiation,
    settings: PlanSettings,
    expected_stage: str | None,
    expected_type: EntityType,
) -> None:
    (action,) = plan(snapshot(negotiation), state(), settings, NOW).actions
    assert isinstance(action, CreateEntity)
    assert action.stage == expected_stage
    assert action.entity_type == expected_type
    assert action.employer_state == negotiation.employer_state
    assert not action.adopt_first


def test_deleted_resume_still_creates_an_entity() -> None:
    (action,) = plan(snapshot(remote(resume=None)), state(), SIMPLE, NOW).actions
    assert isinstance(action, CreateEntity)
    assert action.resume_id is None


def test_a_negotiation_listed_twice_is_created_once_with_its_latest_state() -> None:
    early = remote(state="response", updated=T0)
    moved = remote(state="consider", updated=T0 + timedelta(minutes=3))
    actions = plan(snapshot(moved, early), state(), SIMPLE, NOW).actions
    assert len(actions) == 1
    assert isinstance(actions[0], CreateEntity)
    assert actions[0].employer_state == "consider"


def test_creates_come_oldest_first_then_updates() -> None:
    newer = remote("2", created=T0 + timedelta(hours=2))
    older = remote("1", created=T0)
    changed = remote("3", state="interview")
    actions = plan(snapshot(newer, changed, older), state(stored("3")), SIMPLE, NOW).actions
    assert [type(a).__name__ for a in actions] == ["CreateEntity", "CreateEntity", "UpdateEntity"]
    assert [a.hh_id for a in actions] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("known", "expected"),
    [
        # in flight: adopt-then-create, whatever the retry time says
        (stored(status=SyncStatus.IN_FLIGHT, entity=None, retry_at=NOW + timedelta(hours=1)), True),
        # failed, due: create again, adopting first (the failed call may have reached the CRM)
        (stored(status=SyncStatus.FAILED, entity=None, attempts=2, retry_at=NOW), True),
        # pending, never attempted: plain create
        (stored(status=SyncStatus.PENDING, entity=None), False),
    ],
)
def test_unfinished_creates_are_retried(known: StoredNegotiation, expected: bool) -> None:
    (action,) = plan(snapshot(remote()), state(known), SIMPLE, NOW).actions
    assert isinstance(action, CreateEntity)
    assert action.adopt_first is expected


def test_failed_create_waits_for_its_retry_time() -> None:
    known = stored(
        status=SyncStatus.FAILED, entity=None, attempts=1, retry_at=NOW + timedelta(seconds=1)
    )
    assert plan(snapshot(remote()), state(known), SIMPLE, NOW).actions == ()


def test_stored_but_unlisted_pending_negotiation_is_still_retried() -> None:
    known = stored(
        "9", status=SyncStatus.FAILED, entity=None, attempts=3, retry_at=NOW - timedelta(1)
    )
    (action,) = plan(snapshot(), state(known), SIMPLE, NOW).actions
    assert isinstance(action, CreateEntity)
    assert action.hh_id == "9"
    assert action.adopt_first


def test_unchanged_synced_negotiation_needs_nothing() -> None:
    assert plan(snapshot(remote()), state(stored()), SIMPLE, NOW).actions == ()


def test_state_change_in_simple_mode_updates_only_the_status_field() -> None:
    actions = plan(snapshot(remote(state="interview")), state(stored()), SIMPLE, NOW).actions
    assert actions == (UpdateEntity("1001", EntityType.LEAD, 77, "interview", "Интервью"),)


def test_the_status_field_shows_hh_rus_own_name_of_the_state() -> None:
    changed = remote(state="interview", state_name="Собеседование в офисе")
    actions = plan(snapshot(changed), state(stored()), SIMPLE, NOW).actions
    assert actions == (
        UpdateEntity("1001", EntityType.LEAD, 77, "interview", "Собеседование в офисе"),
    )


def test_state_change_in_extended_mode_also_moves_the_stage_from_the_one_we_set() -> None:
    known = stored(stage="C3:NEW", entity_type=EntityType.DEAL)
    actions = plan(snapshot(remote(state="interview")), state(known), EXTENDED, NOW).actions
    assert actions == (
        UpdateEntity(
            "1001",
            EntityType.DEAL,
            77,
            "interview",
            "Интервью",
            stage=StageMove("C3:EXECUTING", expected="C3:NEW"),
        ),
    )


@pytest.mark.parametrize(
    ("known", "reason"),
    [
        # a lead made before the settings switched to deals: a deal stage is not a lead status
        (stored(stage="NEW", entity_type=EntityType.LEAD), StageMisfit.ENTITY_TYPE),
        # a deal of the general pipeline (unprefixed stages) after the switch to pipeline 3
        (stored(stage="PREPARATION", entity_type=EntityType.DEAL), StageMisfit.PIPELINE),
        # a deal of pipeline 1 after the switch to pipeline 3
        (stored(stage="C1:NEW", entity_type=EntityType.DEAL), StageMisfit.PIPELINE),
    ],
)
def test_an_entity_of_another_type_or_pipeline_gets_its_status_and_keeps_its_stage(
    known: StoredNegotiation, reason: StageMisfit
) -> None:
    """The settings page switches lead/deal and pipeline in one click; entities made before keep
    theirs, and the portal refuses a stage from another directory (with the status beside it)."""
    actions = plan(snapshot(remote(state="interview")), state(known), EXTENDED, NOW).actions
    assert actions == (
        UpdateEntity(
            "1001",
            known.crm_entity_type or EntityType.LEAD,
            77,
            "interview",
            "Интервью",
            stage_left=StageLeft("C3:EXECUTING", reason),
        ),
    )


def test_a_lead_status_map_never_moves_a_deal_even_where_the_ids_coincide() -> None:
    """``NEW`` is a lead status and a stage of the general pipeline alike: the type decides."""
    leads = PlanSettings(
        configured=True,
        stage_mode=StageMode.EXTENDED,
        stage_map={"response": "NEW", "interview": "IN_PROCESS", "consider": "NEW"},
    )
    known = stored(state="interview", stage="IN_PROCESS", entity_type=EntityType.DEAL)
    (update,) = plan(snapshot(remote(state="consider")), state(known), leads, NOW).actions
    assert isinstance(update, UpdateEntity)
    assert update.hh_status == "consider"
    assert update.stage is None
    assert update.stage_left == StageLeft("NEW", StageMisfit.ENTITY_TYPE)


def test_a_deal_whose_stage_is_unknown_is_moved_once_the_portal_shows_its_pipeline() -> None:
    """No stage recorded (the CRM's default was left): the writer reads the deal before moving."""
    known = stored(stage=None, entity_type=EntityType.DEAL)
    (update,) = plan(snapshot(remote(state="interview")), state(known), EXTENDED, NOW).actions
    assert isinstance(update, UpdateEntity)
    assert update.stage == StageMove("C3:EXECUTING", None)
    assert update.stage_left is None


def test_extended_mode_does_not_move_for_an_unmapped_state() -> None:
    known = stored(stage="C3:NEW", entity_type=EntityType.DEAL)
    actions = plan(snapshot(remote(state="consider")), state(known), EXTENDED, NOW).actions
    assert actions == (UpdateEntity("1001", EntityType.DEAL, 77, "consider", "Подумать"),)


def test_failed_update_is_retried_only_when_due() -> None:
    waiting = stored(hh_status="response", status=SyncStatus.FAILED, retry_at=NOW + timedelta(1))
    due = replace(waiting, next_retry_at=NOW)
    changed = snapshot(remote(state="offer"))
    assert plan(changed, state(waiting), SIMPLE, NOW).actions == ()
    assert plan(changed, state(due), SIMPLE, NOW).actions == (
        UpdateEntity("1001", EntityType.LEAD, 77, "offer", "Предложение о работе"),
    )


def test_resume_deleted_after_import_relinks() -> None:
    actions = plan(snapshot(remote(resume=None)), state(stored()), SIMPLE, NOW).actions
    assert actions == (UpdateEntity("1001", EntityType.LEAD, 77, resume=ResumeChange(None)),)


def test_a_state_change_and_another_resume_make_one_update() -> None:
    changed = remote(state="interview", resume="r-1001-new")
    known = stored(stage="C3:NEW", entity_type=EntityType.DEAL)
    actions = plan(snapshot(changed), state(known), EXTENDED, NOW).actions
    assert actions == (
        UpdateEntity(
            "1001",
            EntityType.DEAL,
            77,
            "interview",
            "Интервью",
            StageMove("C3:EXECUTING", "C3:NEW"),
            ResumeChange("r-1001-new"),
        ),
    )


def test_suspiciously_empty_vacancy_is_reported_and_left_alone() -> None:
    many = [
        stored(str(i), status=SyncStatus.FAILED, entity=None, retry_at=NOW - timedelta(1))
        for i in range(SUSPICIOUS_EMPTY_MIN)
    ]
    result = plan(snapshot(full=("501",)), state(*many), SIMPLE, NOW)
    assert result.actions == ()
    (anomaly,) = result.anomalies
    assert anomaly.vacancy_hh_id == "501"
    assert f"{SUSPICIOUS_EMPTY_MIN} stored" in anomaly.reason
    forced = plan(snapshot(full=("501",)), state(*many), SIMPLE, NOW, force=True)
    assert forced.anomalies == ()
    assert len(forced.actions) == SUSPICIOUS_EMPTY_MIN


def test_few_stored_negotiations_do_not_trigger_the_guard() -> None:
    known = stored(status=SyncStatus.PENDING, entity=None)
    result = plan(snapshot(full=("501",)), state(known), SIMPLE, NOW)
    assert result.anomalies == ()
    assert len(result.actions) == 1


def test_plan_never_deletes_unlisted_synced_negotiations() -> None:
    assert plan(snapshot(), state(stored("1"), stored("2")), SIMPLE, NOW).actions == ()


def test_entity_without_its_activity_gets_it_added_when_due() -> None:
    missing = replace(
        stored(), has_activity=False, sync_status=SyncStatus.FAILED, next_retry_at=NOW
    )
    assert plan(snapshot(remote()), state(missing), SIMPLE, NOW).actions == (
        AddActivity("1001", "501", NegotiationKind.RESPONSE, "response", EntityType.LEAD, 77),
    )
    # also when its vacancy was not read this pass
    assert plan(snapshot(), state(missing), SIMPLE, NOW).actions == (
        AddActivity("1001", "501", NegotiationKind.RESPONSE, "response", EntityType.LEAD, 77),
    )
    waiting = replace(missing, next_retry_at=NOW + timedelta(minutes=5))
    assert plan(snapshot(), state(waiting), SIMPLE, NOW).actions == ()


def test_activity_sent_with_no_recorded_outcome_is_looked_up_first_whatever_the_retry_time() -> (
    None
):
    # An activity add (or an adoption that could not check for it) in flight when the pass died.
    in_flight = replace(
        stored(),
        has_activity=False,
        sync_status=SyncStatus.IN_FLIGHT,
        next_retry_at=NOW + timedelta(hours=1),
    )
    lookup = AddActivity(
        "1001", "501", NegotiationKind.RESPONSE, "response", EntityType.LEAD, 77, lookup_first=True
    )
    assert plan(snapshot(remote()), state(in_flight), SIMPLE, NOW).actions == (lookup,)
    # also when its vacancy was not read this pass
    assert plan(snapshot(), state(in_flight), SIMPLE, NOW).actions == (lookup,)
    # and beside the updates hh.ru asks for
    assert plan(snapshot(remote(state="offer")), state(in_flight), SIMPLE, NOW).actions == (
        UpdateEntity("1001", EntityType.LEAD, 77, "offer", "Предложение о работе"),
        replace(lookup, employer_state="offer"),
    )


@pytest.mark.parametrize(
    "known",
    [
        # the portal refused the activity: its outcome is known, no lookup needed
        replace(stored(), has_activity=False, sync_status=SyncStatus.FAILED, next_retry_at=NOW),
        # adopted after a crash, and the lookup found no activity on the entity
        replace(stored(), has_activity=False, sync_status=SyncStatus.PENDING),
    ],
)
def test_activity_known_to_be_missing_is_added_without_a_lookup(known: StoredNegotiation) -> None:
    for remote_side in (snapshot(remote()), snapshot()):
        (action,) = plan(remote_side, state(known), SIMPLE, NOW).actions
        assert isinstance(action, AddActivity)
        assert not action.lookup_first


HOLD_END = NOW + timedelta(seconds=30)


@pytest.mark.parametrize(
    ("row", "at", "expected"),
    [
        # A create still possibly running at the portal: neither looked up nor sent.
        (stored(status=SyncStatus.IN_FLIGHT, entity=None), NOW, []),
        # Its request can no longer run: looked up by origin (adopt first), then created.
        (stored(status=SyncStatus.IN_FLIGHT, entity=None), HOLD_END, ["CreateEntity:adopt"]),
        # An activity-only add still possibly running: no lookup, no add yet.
        (stored(status=SyncStatus.IN_FLIGHT), NOW, []),
        (stored(status=SyncStatus.IN_FLIGHT), HOLD_END, ["AddActivity:lookup"]),
    ],
)
def test_in_flight_waits_until_its_request_can_no_longer_run(
    row: StoredNegotiation, at: datetime, expected: list[str]
) -> None:
    held = replace(row, in_flight_until=HOLD_END, has_activity=row.crm_entity_id is None)
    for listed in (RemoteSnapshot((remote(),)), RemoteSnapshot()):
        actions = plan(listed, StoredState({"1001": held}), SIMPLE, at).actions
        described = [
            f"{type(a).__name__}:adopt"
            if isinstance(a, CreateEntity) and a.adopt_first
            else f"{type(a).__name__}:lookup"
            if isinstance(a, AddActivity) and a.lookup_first
            else type(a).__name__
            for a in actions
        ]
        assert described == expected, (listed, at)


def test_a_status_write_that_did_not_go_through_is_retried_without_hh_listing_it_again() -> None:
    """The state hh.ru last showed is stored; a lost or refused write of it is followed up on the
    next pass, not at the vacancy's next full read."""
    lost = stored(state="offer", hh_status="response")  # the update's outcome was never recorded
    refused = replace(lost, sync_status=SyncStatus.FAILED, next_retry_at=NOW)
    waiting = replace(refused, next_retry_at=NOW + timedelta(1))
    expected = (UpdateEntity("1001", EntityType.LEAD, 77, "offer", "Предложение о работе"),)
    assert plan(snapshot(), state(lost), SIMPLE, NOW).actions == expected
    assert plan(snapshot(), state(refused), SIMPLE, NOW).actions == expected
    assert plan(snapshot(), state(waiting), SIMPLE, NOW).actions == ()


def test_an_adopted_entity_gets_its_status_written_and_moves_from_the_stage_it_shows() -> None:
    """An adoption records the stage the entity shows and no written status."""
    adopted = replace(
        stored(state="interview", stage="C3:NEW", entity_type=EntityType.DEAL), hh_status_set=None
    )
    (update,) = plan(snapshot(), state(adopted), EXTENDED, NOW).actions
    assert isinstance(update, UpdateEntity)
    assert update.hh_status == "interview"
    assert update.stage == StageMove("C3:EXECUTING", "C3:NEW")


def test_an_entity_deleted_in_the_crm_is_neither_created_again_nor_followed() -> None:
    """A person deleted it by hand: whatever hh.ru shows now (another state, another resume, its
    activity missing), the plan does nothing for it, listed or not."""
    deleted = replace(
        stored("1", "response"), sync_status=SyncStatus.CRM_DELETED, has_activity=False
    )
    moved = remote("1", "interview", resume="r-other")
    assert plan(snapshot(moved), state(deleted), EXTENDED, NOW).actions == ()
    assert plan(snapshot(), state(deleted), EXTENDED, NOW).actions == ()
    # Another negotiation of the same applicant is another row: created as usual.
    fresh = remote("2", "response", resume="r-1001")
    actions = plan(snapshot(moved, fresh), state(deleted), EXTENDED, NOW).actions
    assert [(type(a).__name__, a.hh_id) for a in actions] == [("CreateEntity", "2")]
