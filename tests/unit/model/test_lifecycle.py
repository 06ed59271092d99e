"""The negotiation lifecycle as a table: one row per (standing, event) and the standing after it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hhsync.db.tables import SyncStatus
from hhsync.model.lifecycle import (
    ERROR_MAX,
    ActivityAdded,
    Created,
    EntityDeleted,
    Event,
    Failed,
    MarkedInFlight,
    Standing,
    Updated,
    advance,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(hours=1)
HOLD_END = NOW + timedelta(seconds=97)
PAUSE_END = NOW + timedelta(hours=1)


def due(attempts: int) -> datetime:
    """A stand-in backoff: due ``attempts`` minutes from now."""
    return NOW + timedelta(minutes=attempts)


# The standings a negotiation can be in.
PENDING = Standing(SyncStatus.PENDING)
"""Seen on hh.ru, nothing sent yet."""
IN_FLIGHT = Standing(SyncStatus.IN_FLIGHT, attempts=1, in_flight_until=EARLIER)
"""Its create was sent; no outcome recorded."""
FAILED = Standing(SyncStatus.FAILED, attempts=2, next_retry_at=EARLIER, last_error="refused")
"""Its create failed twice; due again."""
SYNCED = Standing(
    SyncStatus.SYNCED, attempts=1, has_entity=True, has_activity=True, synced_at=EARLIER
)
UPDATE_FAILED = replace(
    SYNCED, status=SyncStatus.FAILED, next_retry_at=EARLIER, last_error="refused"
)
"""The entity and its activity exist; its last update failed."""
AWAITS_ACTIVITY = Standing(SyncStatus.PENDING, attempts=1, has_entity=True, synced_at=EARLIER)
"""Adopted, and the lookup found no activity: the planner adds it."""
ACTIVITY_IN_FLIGHT = Standing(
    SyncStatus.IN_FLIGHT, attempts=2, in_flight_until=EARLIER, has_entity=True, synced_at=EARLIER
)
"""Its activity's add was sent (or an adoption could not check for it); no outcome recorded."""
ACTIVITY_FAILED = Standing(
    SyncStatus.FAILED,
    attempts=1,
    next_retry_at=EARLIER,
    last_error="activity not added: refused",
    has_entity=True,
    synced_at=EARLIER,
)
"""The entity was created, its activity refused."""

ADDED = Created(activity_added=True)
REFUSED = Created(activity_added=False, activity_error="crm.activity.configurable.add: bad")
ADOPTED = Created(activity_added=True, adopted=True)
ADOPTED_NO_ACTIVITY = Created(activity_added=False, adopted=True)
ADOPTED_UNCHECKED = Created(activity_added=False, adopted=True, activity_unchecked=True)
CREATED_SYNCED = Standing(
    SyncStatus.SYNCED, attempts=1, in_flight_until=EARLIER, has_entity=True, has_activity=True
)

TABLE: list[tuple[str, Standing, Event, Standing]] = [
    # --- marked in flight: counts the attempt, holds until the request can no longer run
    (
        "pending, sent",
        PENDING,
        MarkedInFlight(HOLD_END),
        replace(PENDING, status=SyncStatus.IN_FLIGHT, attempts=1, in_flight_until=HOLD_END),
    ),
    (
        "failed, sent again",
        FAILED,
        MarkedInFlight(HOLD_END),
        replace(FAILED, status=SyncStatus.IN_FLIGHT, attempts=3, in_flight_until=HOLD_END),
    ),
    (
        "activity refused, its add sent",
        ACTIVITY_FAILED,
        MarkedInFlight(HOLD_END),
        replace(ACTIVITY_FAILED, status=SyncStatus.IN_FLIGHT, attempts=2, in_flight_until=HOLD_END),
    ),
    (
        "awaiting its activity, its add sent",
        AWAITS_ACTIVITY,
        MarkedInFlight(HOLD_END),
        replace(AWAITS_ACTIVITY, status=SyncStatus.IN_FLIGHT, attempts=2, in_flight_until=HOLD_END),
    ),
    # --- created: synced, unless its activity is refused, missing or unchecked
    ("in flight, created with activity", IN_FLIGHT, ADDED, replace(CREATED_SYNCED, synced_at=NOW)),
    (
        "in flight, created, activity refused",
        IN_FLIGHT,
        REFUSED,
        replace(
            CREATED_SYNCED,
            status=SyncStatus.FAILED,
            has_activity=False,
            last_error="activity not added: crm.activity.configurable.add: bad",
            next_retry_at=due(1),
            synced_at=NOW,
        ),
    ),
    (
        "in flight, adopted with activity",
        IN_FLIGHT,
        ADOPTED,
        replace(CREATED_SYNCED, synced_at=NOW),
    ),
    (
        "in flight, adopted, no activity found",
        IN_FLIGHT,
        ADOPTED_NO_ACTIVITY,
        replace(CREATED_SYNCED, status=SyncStatus.PENDING, has_activity=False, synced_at=NOW),
    ),
    (
        "in flight, adopted, activity unchecked",
        IN_FLIGHT,
        ADOPTED_UNCHECKED,
        replace(CREATED_SYNCED, status=SyncStatus.IN_FLIGHT, has_activity=False, synced_at=NOW),
    ),
    (
        "failed, adopted with activity",
        FAILED,
        ADOPTED,
        replace(
            FAILED,
            status=SyncStatus.SYNCED,
            next_retry_at=None,
            last_error=None,
            has_entity=True,
            has_activity=True,
            synced_at=NOW,
        ),
    ),
    (
        "pending, created with no activity reported",  # (a created entity's activity is
        PENDING,  # always answered; kept synced as recorded)
        Created(activity_added=False),
        replace(PENDING, status=SyncStatus.SYNCED, has_entity=True, synced_at=NOW),
    ),
    # --- updated: synced, unless its activity is still to be added or in doubt
    ("synced, updated", SYNCED, Updated(), replace(SYNCED, synced_at=NOW)),
    (
        "update failed, updated",
        UPDATE_FAILED,
        Updated(),
        replace(SYNCED, synced_at=NOW),
    ),
    (
        "awaiting its activity, updated",
        AWAITS_ACTIVITY,
        Updated(),
        replace(AWAITS_ACTIVITY, synced_at=NOW),
    ),
    (
        "activity in flight, updated",
        ACTIVITY_IN_FLIGHT,
        Updated(),
        replace(ACTIVITY_IN_FLIGHT, synced_at=NOW),
    ),
    (
        "activity refused, updated",  # synced; the planner still adds the missing activity
        ACTIVITY_FAILED,
        Updated(),
        replace(
            ACTIVITY_FAILED,
            status=SyncStatus.SYNCED,
            next_retry_at=None,
            last_error=None,
            synced_at=NOW,
        ),
    ),
    # --- activity added or found: synced
    (
        "activity in flight, found",
        ACTIVITY_IN_FLIGHT,
        ActivityAdded(found=True),
        replace(ACTIVITY_IN_FLIGHT, status=SyncStatus.SYNCED, has_activity=True, synced_at=NOW),
    ),
    (
        "activity in flight, added",
        ACTIVITY_IN_FLIGHT,
        ActivityAdded(),
        replace(ACTIVITY_IN_FLIGHT, status=SyncStatus.SYNCED, has_activity=True, synced_at=NOW),
    ),
    (
        "awaiting its activity, added",
        AWAITS_ACTIVITY,
        ActivityAdded(),
        replace(AWAITS_ACTIVITY, status=SyncStatus.SYNCED, has_activity=True, synced_at=NOW),
    ),
    (
        "activity refused, added",
        ACTIVITY_FAILED,
        ActivityAdded(),
        replace(
            ACTIVITY_FAILED,
            status=SyncStatus.SYNCED,
            has_activity=True,
            next_retry_at=None,
            last_error=None,
            synced_at=NOW,
        ),
    ),
    # --- failed: counts an attempt unless the send already did; retried after the backoff
    (
        "pending, failed",
        PENDING,
        Failed("hh.ru: 403"),
        replace(
            PENDING,
            status=SyncStatus.FAILED,
            attempts=1,
            last_error="hh.ru: 403",
            next_retry_at=due(1),
        ),
    ),
    (
        "pending, paused",
        PENDING,
        Failed("view limit", retry_at=PAUSE_END),
        replace(
            PENDING,
            status=SyncStatus.FAILED,
            attempts=1,
            last_error="view limit",
            next_retry_at=PAUSE_END,
        ),
    ),
    (
        "in flight, refused",
        IN_FLIGHT,
        Failed("required field"),
        replace(
            IN_FLIGHT,
            status=SyncStatus.FAILED,
            last_error="required field",
            next_retry_at=due(1),
        ),
    ),
    (
        "failed, failed again",
        FAILED,
        Failed("refused again"),
        replace(FAILED, attempts=3, last_error="refused again", next_retry_at=due(3)),
    ),
    (
        "synced, update refused",
        SYNCED,
        Failed("bad value"),
        replace(
            SYNCED,
            status=SyncStatus.FAILED,
            attempts=2,
            last_error="bad value",
            next_retry_at=due(2),
        ),
    ),
    (
        "activity in flight, another write failed",  # still in doubt: looked up later
        ACTIVITY_IN_FLIGHT,
        Failed("bad value"),
        replace(ACTIVITY_IN_FLIGHT, last_error="bad value", next_retry_at=due(2)),
    ),
    (
        "activity in flight, its own add refused",
        ACTIVITY_IN_FLIGHT,
        Failed("activity not added: busy", activity_settled=True),
        replace(
            ACTIVITY_IN_FLIGHT,
            status=SyncStatus.FAILED,
            last_error="activity not added: busy",
            next_retry_at=due(2),
        ),
    ),
    (
        "activity refused, refused again",
        ACTIVITY_FAILED,
        Failed("activity not added: bad", activity_settled=True),
        replace(
            ACTIVITY_FAILED,
            attempts=2,
            last_error="activity not added: bad",
            next_retry_at=due(2),
        ),
    ),
]


@pytest.mark.parametrize(
    ("before", "event", "after"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_each_event_moves_the_standing_as_the_table_says(
    before: Standing, event: Event, after: Standing
) -> None:
    # every outcome is stamped with its instant (the log's order); the in-flight mark is none
    stamped = after if isinstance(event, MarkedInFlight) else replace(after, outcome_at=NOW)
    assert advance(before, event, NOW, due) == stamped


@pytest.mark.parametrize(
    ("before", "event"),
    [row[1:3] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_only_an_outcome_moves_the_outcome_instant(before: Standing, event: Event) -> None:
    earlier = replace(before, outcome_at=EARLIER)
    after = advance(earlier, event, NOW, due)
    if isinstance(event, MarkedInFlight):
        assert after.outcome_at == EARLIER  # a send on its way is no news for the log
    else:
        assert after.outcome_at == NOW


def test_a_long_reason_is_kept_to_the_columns_size() -> None:
    failed = advance(PENDING, Failed("x" * (ERROR_MAX + 500)), NOW, due)
    refused = advance(IN_FLIGHT, Created(False, activity_error="y" * ERROR_MAX), NOW, due)
    assert failed.last_error == "x" * ERROR_MAX
    assert refused.last_error is not None
    assert len(refused.last_error) == ERROR_MAX
    assert refused.last_error.startswith("activity not added: y")


def test_only_an_entity_without_its_activity_in_flight_has_its_activity_in_flight() -> None:
    assert ACTIVITY_IN_FLIGHT.activity_in_flight
    assert not IN_FLIGHT.activity_in_flight  # a create in flight: its entity is in doubt
    assert not AWAITS_ACTIVITY.activity_in_flight
    assert not SYNCED.activity_in_flight


def test_an_entity_deleted_in_the_crm_is_final_and_due_for_nothing() -> None:
    """A write met the entity deleted by a person: deleted in the CRM, no retry, no error; any
    later outcome of the same pass (another write already on its way) leaves it so."""
    for before in (SYNCED, UPDATE_FAILED, ACTIVITY_FAILED, ACTIVITY_IN_FLIGHT):
        deleted = advance(before, EntityDeleted(), NOW, due)
        assert deleted.status == SyncStatus.CRM_DELETED
        assert deleted.next_retry_at is None
        assert deleted.last_error is None
        assert deleted.in_flight_until is None
        assert deleted.has_entity
        assert deleted.outcome_at == NOW
        later = NOW + timedelta(seconds=5)
        for event in (Failed("busy"), Updated(), ActivityAdded(), MarkedInFlight(later)):
            assert advance(deleted, event, later, due) == deleted
