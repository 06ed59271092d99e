"""Properties of the planner over generated situations.

Applying a plan (every action succeeding) and planning again yields nothing; no plan ever holds two
creates, or two updates, for one negotiation; whatever is stored without an entity and due is
always retried; an activity whose add has no recorded outcome is always looked up, and only such
activities are; a create the CRM may already hold (older than a marked portal's row) is always
looked up first, and on an unmarked portal a never-seen negotiation never is; a stage is moved
only within the entity's own type and pipeline, and a stage it cannot take never holds back its
status field.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hhsync.db.tables import EntityType, NegotiationKind, StageMode, SyncStatus
from hhsync.model.snapshot import (
    PlanSettings,
    RemoteNegotiation,
    RemoteSnapshot,
    StoredNegotiation,
    StoredState,
)
from hhsync.sync.actions import (
    Action,
    AddActivity,
    CreateEntity,
    UpdateEntity,
)
from hhsync.sync.plan import plan
from hhsync.sync.routing import deal_category, stage_for, state_has_own_stage

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
STATES = [
    "response",
    "consider",
    "phone_interview",
    "interview",
    "offer",
    "hired",
    "discard_by_employer",
]
IDS = [str(1000 + i) for i in range(12)]
VACANCIES = ["501", "502", "503"]

times = st.integers(min_value=0, max_value=10_000).map(lambda m: NOW - timedelta(minutes=m))


@st.composite
def remotes(draw: st.DrawFn) -> RemoteNegotiation:
    hh_id = draw(st.sampled_from(IDS))
    created = draw(times)
    return RemoteNegotiation(
        hh_id=hh_id,
        vacancy_hh_id=VACANCIES[int(hh_id) % 3],
        kind=draw(st.sampled_from(list(NegotiationKind))),
        employer_state=draw(st.sampled_from(STATES)),
        created_at=created,
        updated_at=created + timedelta(minutes=draw(st.integers(0, 500))),
        resume_id=draw(st.sampled_from([None, f"r{hh_id}", f"r{hh_id}-new"])),
    )


@st.composite
def storeds(draw: st.DrawFn, hh_id: str) -> StoredNegotiation:
    has_entity = draw(st.booleans())
    has_activity = draw(st.booleans()) if has_entity else True
    # An entity row is pending or in flight only while its activity is missing: adopted without
    # one found (pending), or its add sent with no recorded outcome (in flight).
    entity_statuses = [SyncStatus.SYNCED, SyncStatus.FAILED]
    if not has_activity:
        entity_statuses += [SyncStatus.PENDING, SyncStatus.IN_FLIGHT]
    status = (
        draw(st.sampled_from(entity_statuses))
        if has_entity
        else draw(st.sampled_from([SyncStatus.PENDING, SyncStatus.IN_FLIGHT, SyncStatus.FAILED]))
    )
    return StoredNegotiation(
        hh_id=hh_id,
        vacancy_hh_id=VACANCIES[int(hh_id) % 3],
        kind=draw(st.sampled_from(list(NegotiationKind))),
        employer_state=draw(st.sampled_from(STATES)),
        hh_updated_at=draw(times),
        resume_id=draw(st.sampled_from([None, f"r{hh_id}"])),
        sync_status=status,
        crm_entity_type=draw(st.sampled_from(list(EntityType))) if has_entity else None,
        crm_entity_id=int(hh_id) if has_entity else None,
        crm_stage_set=draw(st.sampled_from([None, "NEW", "C3:EXECUTING", "C1:LOSE"]))
        if has_entity
        else None,
        hh_status_set=draw(st.sampled_from(STATES)) if has_entity else None,
        attempts=draw(st.integers(0, 5)),
        next_retry_at=draw(st.one_of(st.none(), times, times.map(lambda t: t + timedelta(days=8)))),
        has_activity=has_activity,
        hh_created_at=draw(st.one_of(st.none(), times)),
    )


@st.composite
def stored_states(draw: st.DrawFn) -> StoredState:
    chosen = draw(st.sets(st.sampled_from(IDS), max_size=len(IDS)))
    return StoredState({hh_id: draw(storeds(hh_id)) for hh_id in chosen})


plan_settings = st.builds(
    PlanSettings,
    configured=st.just(True),
    entity_type=st.sampled_from(list(EntityType)),
    stage_mode=st.sampled_from(list(StageMode)),
    stage_map=st.dictionaries(
        st.sampled_from([*STATES, "invitation"]),
        st.sampled_from(["NEW", "C3:EXECUTING", "C1:NEW", "LOSE"]),
    ),
)


def apply_success(
    stored: StoredState, remote: RemoteSnapshot, actions: tuple[Action, ...]
) -> StoredState:
    """What the engine records when every action succeeds (plus what it saw on hh.ru)."""
    latest: dict[str, RemoteNegotiation] = {}
    for n in remote.negotiations:
        if n.hh_id not in latest or n.updated_at > latest[n.hh_id].updated_at:
            latest[n.hh_id] = n
    rows = dict(stored.negotiations)
    for action in actions:
        if isinstance(action, CreateEntity):
            seen = latest.get(action.hh_id)
            rows[action.hh_id] = StoredNegotiation(
                hh_id=action.hh_id,
                vacancy_hh_id=action.vacancy_hh_id,
                kind=action.kind,
                employer_state=action.employer_state,
                hh_updated_at=seen.updated_at if seen else NOW,
                resume_id=action.resume_id,
                sync_status=SyncStatus.SYNCED,
                crm_entity_type=action.entity_type,
                crm_entity_id=int(action.hh_id),
                crm_stage_set=action.stage,
                hh_status_set=action.employer_state,
            )
        elif isinstance(action, UpdateEntity):
            row = rows[action.hh_id]
            status = row.hh_status_set if action.hh_status is None else action.hh_status
            rows[action.hh_id] = replace(
                row,
                hh_status_set=status,
                employer_state=row.employer_state if action.hh_status is None else status,
                crm_stage_set=action.stage.to if action.stage else row.crm_stage_set,
                resume_id=action.resume.resume_id if action.resume else row.resume_id,
                sync_status=SyncStatus.SYNCED,
                next_retry_at=None,
            )
        elif isinstance(action, AddActivity):
            rows[action.hh_id] = replace(
                rows[action.hh_id],
                has_activity=True,
                sync_status=SyncStatus.SYNCED,
                next_retry_at=None,
            )
    return StoredState(rows)


@settings(max_examples=300, deadline=None)
@given(
    negotiations=st.lists(remotes(), max_size=20),
    stored=stored_states(),
    portal=plan_settings,
)
def test_planning_after_applying_the_plan_yields_nothing(
    negotiations: list[RemoteNegotiation], stored: StoredState, portal: PlanSettings
) -> None:
    remote = RemoteSnapshot(tuple(negotiations))
    first = plan(remote, stored, portal, NOW)
    after = apply_success(stored, remote, first.actions)
    second = plan(remote, after, portal, NOW)
    # Failed rows that are not yet due stay untouched by design; everything else is settled.
    assert second.actions == ()


@settings(max_examples=300, deadline=None)
@given(
    negotiations=st.lists(remotes(), max_size=30),
    stored=stored_states(),
    portal=plan_settings,
)
def test_never_two_creates_for_one_negotiation_nor_a_create_for_a_known_entity(
    negotiations: list[RemoteNegotiation], stored: StoredState, portal: PlanSettings
) -> None:
    actions = plan(RemoteSnapshot(tuple(negotiations)), stored, portal, NOW).actions
    created = [a.hh_id for a in actions if isinstance(a, CreateEntity)]
    assert len(created) == len(set(created))
    for hh_id in created:
        known = stored.negotiations.get(hh_id)
        assert known is None or not known.has_entity


@settings(max_examples=300, deadline=None)
@given(
    negotiations=st.lists(remotes(), max_size=30),
    stored=stored_states(),
    portal=plan_settings,
)
def test_one_complete_update_per_negotiation_and_only_for_a_known_entity(
    negotiations: list[RemoteNegotiation], stored: StoredState, portal: PlanSettings
) -> None:
    actions = plan(RemoteSnapshot(tuple(negotiations)), stored, portal, NOW).actions
    updates = [a for a in actions if isinstance(a, UpdateEntity)]
    assert len(updates) == len({a.hh_id for a in updates})
    for update in updates:
        known = stored.negotiations[update.hh_id]
        assert (update.entity_type, update.entity_id) == (
            known.crm_entity_type,
            known.crm_entity_id,
        )
        assert update.hh_status is not None or update.resume is not None  # never an empty one
        assert (update.hh_status is None) == (update.hh_status_label is None)
        assert update.stage is None or update.hh_status is not None


@settings(max_examples=200, deadline=None)
@given(stored=stored_states(), portal=plan_settings)
def test_every_due_negotiation_without_entity_is_retried(
    stored: StoredState, portal: PlanSettings
) -> None:
    actions = plan(RemoteSnapshot(), stored, portal, NOW).actions
    created = {a.hh_id for a in actions if isinstance(a, CreateEntity)}
    for hh_id, known in stored.negotiations.items():
        due = known.next_retry_at is None or known.next_retry_at <= NOW
        if not known.has_entity and (due or known.sync_status == SyncStatus.IN_FLIGHT):
            assert hh_id in created


@settings(max_examples=300, deadline=None)
@given(
    negotiations=st.lists(remotes(), max_size=20),
    stored=stored_states(),
    portal=plan_settings,
)
def test_an_activity_with_an_unknown_outcome_is_always_looked_up_and_only_such_are(
    negotiations: list[RemoteNegotiation], stored: StoredState, portal: PlanSettings
) -> None:
    actions = plan(RemoteSnapshot(tuple(negotiations)), stored, portal, NOW).actions
    adds = [a for a in actions if isinstance(a, AddActivity)]
    assert len(adds) == len({a.hh_id for a in adds})
    planned = {a.hh_id: a for a in adds}
    for hh_id, known in stored.negotiations.items():
        unknown = (
            known.has_entity
            and not known.has_activity
            and known.sync_status == SyncStatus.IN_FLIGHT
        )
        if unknown:
            # never left waiting, never re-added blindly
            assert planned[hh_id].lookup_first
        elif hh_id in planned:
            assert not planned[hh_id].lookup_first


@settings(max_examples=300, deadline=None)
@given(
    negotiations=st.lists(remotes(), max_size=20),
    stored=stored_states(),
    portal=plan_settings,
    unrecorded_before=st.one_of(st.none(), times),
)
def test_a_create_the_crm_may_already_hold_is_always_looked_up_first(
    negotiations: list[RemoteNegotiation],
    stored: StoredState,
    portal: PlanSettings,
    unrecorded_before: datetime | None,
) -> None:
    marked = replace(stored, unrecorded_before=unrecorded_before)
    actions = plan(RemoteSnapshot(tuple(negotiations)), marked, portal, NOW).actions
    latest: dict[str, RemoteNegotiation] = {}
    for n in negotiations:  # the planner's view of a negotiation listed twice: the later one
        if n.hh_id not in latest or n.updated_at > latest[n.hh_id].updated_at:
            latest[n.hh_id] = n
    listed = {hh_id: n.created_at for hh_id, n in latest.items()}
    for create in (a for a in actions if isinstance(a, CreateEntity)):
        known = stored.negotiations.get(create.hh_id)
        created_at = known.hh_created_at if known is not None else None
        if created_at is None:
            created_at = listed.get(create.hh_id)
        if marked.may_hold_unrecorded(created_at):
            assert create.adopt_first
        if known is None and unrecorded_before is None:
            assert not create.adopt_first


@settings(max_examples=300, deadline=None)
@given(
    negotiations=st.lists(remotes(), max_size=20),
    stored=stored_states(),
    portal=plan_settings,
)
def test_a_stage_moves_only_within_the_entitys_type_and_pipeline_and_never_holds_back_the_status(
    negotiations: list[RemoteNegotiation], stored: StoredState, portal: PlanSettings
) -> None:
    """The settings page changes entity type and pipeline in one click, while entities made under
    the old settings keep theirs: the map's stage reaches only an entity that can take it."""
    remote = RemoteSnapshot(tuple(negotiations))
    actions = plan(remote, stored, portal, NOW).actions
    updates = {a.hh_id: a for a in actions if isinstance(a, UpdateEntity)}
    for update in updates.values():
        known = stored.negotiations[update.hh_id]
        assert update.stage is None or update.stage_left is None
        if update.stage is not None:
            assert known.crm_entity_type == portal.entity_type
            if known.crm_entity_type == EntityType.DEAL and known.crm_stage_set is not None:
                assert deal_category(update.stage.to) == deal_category(known.crm_stage_set)
        if update.stage_left is not None:
            assert update.hh_status is not None  # the status field still follows hh.ru
    latest: dict[str, RemoteNegotiation] = {}
    for n in negotiations:
        if n.hh_id not in latest or n.updated_at > latest[n.hh_id].updated_at:
            latest[n.hh_id] = n
    for hh_id, seen in latest.items():
        known = stored.negotiations.get(hh_id)
        if known is None or not known.has_entity or seen.employer_state == known.hh_status_set:
            continue
        due = known.next_retry_at is None or known.next_retry_at <= NOW
        if known.sync_status == SyncStatus.FAILED and not due:
            continue
        target = stage_for(portal, seen.kind, seen.employer_state)
        wanted = state_has_own_stage(portal, seen.employer_state) and target not in (
            None,
            known.crm_stage_set,
        )
        update = updates[hh_id]  # a state change is always written, whatever its stage
        assert update.hh_status == seen.employer_state
        assert wanted == (update.stage is not None or update.stage_left is not None)
