"""The planner on a portal whose row an install stored over a CRM that may hold our entities:
negotiations older than the row are looked up by origin before they are created, newer ones and
every negotiation of a portal without the mark are created at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hhsync.db.tables import EntityType, NegotiationKind, SyncStatus
from hhsync.model.snapshot import (
    HH_CLOCK_MARGIN,
    PlanSettings,
    RemoteNegotiation,
    RemoteSnapshot,
    StoredNegotiation,
    StoredState,
)
from hhsync.sync.actions import CreateEntity
from hhsync.sync.plan import plan

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
INSTALLED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
OLDER = INSTALLED - timedelta(days=10)
NEWER = INSTALLED + HH_CLOCK_MARGIN + timedelta(seconds=1)
SIMPLE = PlanSettings(configured=True, stage_map={"response": "NEW", "invitation": "IN_PROCESS"})


def remote(hh_id: str = "1001", created: datetime = OLDER) -> RemoteNegotiation:
    return RemoteNegotiation(
        hh_id, "501", NegotiationKind.RESPONSE, "response", created, created, f"r-{hh_id}"
    )


def pending(hh_id: str = "1001", created: datetime | None = OLDER) -> StoredNegotiation:
    """What a pass's read stores before planning: pending, never sent."""
    return StoredNegotiation(
        hh_id=hh_id,
        vacancy_hh_id="501",
        kind=NegotiationKind.RESPONSE,
        employer_state="response",
        hh_updated_at=created or OLDER,
        resume_id=f"r-{hh_id}",
        sync_status=SyncStatus.PENDING,
        hh_created_at=created,
    )


def creates(
    remotes: tuple[RemoteNegotiation, ...],
    rows: tuple[StoredNegotiation, ...],
    unrecorded_before: datetime | None,
) -> dict[str, CreateEntity]:
    stored = StoredState({n.hh_id: n for n in rows}, unrecorded_before)
    actions = plan(RemoteSnapshot(remotes), stored, SIMPLE, NOW).actions
    assert all(isinstance(a, CreateEntity) for a in actions)
    return {a.hh_id: a for a in actions if isinstance(a, CreateEntity)}


@pytest.mark.parametrize(
    ("unrecorded_before", "expected"), [(INSTALLED, True), (None, False)], ids=["marked", "not"]
)
def test_a_never_seen_negotiation_is_looked_up_first_only_on_a_marked_portal(
    unrecorded_before: datetime | None, expected: bool
) -> None:
    planned = creates((remote(),), (), unrecorded_before)
    assert planned["1001"].adopt_first is expected


@pytest.mark.parametrize(
    ("unrecorded_before", "expected"), [(INSTALLED, True), (None, False)], ids=["marked", "not"]
)
def test_a_row_the_read_just_stored_is_looked_up_first_only_on_a_marked_portal(
    unrecorded_before: datetime | None, expected: bool
) -> None:
    """The engine stores every listed negotiation (pending) before planning: this is the branch
    a real first import takes."""
    planned = creates((remote(),), (pending(),), unrecorded_before)
    assert planned["1001"].adopt_first is expected


def test_only_negotiations_older_than_the_portal_row_are_looked_up() -> None:
    """A negotiation hh.ru created after the install (beyond the clock margin) cannot have an
    entity from an earlier installation: it is created without a lookup."""
    at_margin = INSTALLED + HH_CLOCK_MARGIN - timedelta(seconds=1)
    planned = creates(
        (remote("1", OLDER), remote("2", at_margin), remote("3", NEWER)),
        (pending("1", OLDER), pending("2", at_margin), pending("3", NEWER)),
        INSTALLED,
    )
    assert {hh_id: a.adopt_first for hh_id, a in planned.items()} == {
        "1": True,
        "2": True,
        "3": False,
    }


def test_a_stored_row_not_listed_now_is_judged_by_its_stored_creation_time() -> None:
    planned = creates((), (pending("1", OLDER), pending("3", NEWER)), INSTALLED)
    assert planned["1"].adopt_first
    assert not planned["3"].adopt_first


def test_a_row_whose_creation_time_is_unknown_is_looked_up_on_a_marked_portal() -> None:
    assert creates((), (pending(created=None),), INSTALLED)["1001"].adopt_first
    assert not creates((), (pending(created=None),), None)["1001"].adopt_first


def test_a_create_still_running_at_the_portal_waits_on_a_marked_portal_too() -> None:
    sent = replace(
        pending(), sync_status=SyncStatus.IN_FLIGHT, attempts=1, in_flight_until=NOW + timedelta(1)
    )
    assert creates((remote(),), (sent,), INSTALLED) == {}


def test_entities_already_recorded_are_never_created_again() -> None:
    synced = replace(
        pending(),
        sync_status=SyncStatus.SYNCED,
        crm_entity_type=EntityType.LEAD,
        crm_entity_id=77,
        crm_stage_set="NEW",
        hh_status_set="response",
    )
    stored = StoredState({"1001": synced}, INSTALLED)
    assert plan(RemoteSnapshot((remote(),)), stored, SIMPLE, NOW).actions == ()


def test_the_mark_survives_narrowing_to_recent_changes() -> None:
    stored = StoredState({"1001": pending()}, INSTALLED)
    assert stored.updated_since(OLDER).unrecorded_before == INSTALLED


def test_a_create_carries_the_status_label_an_adoption_compares() -> None:
    named = replace(remote(), employer_state="interview", employer_state_name="Собеседование")
    planned = creates((named, remote("2")), (), INSTALLED)
    assert planned["1001"].hh_status_label == "Собеседование"
    assert planned["2"].hh_status_label == "Отклик"
