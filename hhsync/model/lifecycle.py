"""Where a negotiation stands in its sync, and how each outcome of a write moves it. Pure.

A negotiation is *pending* (nothing sent yet, or adopted without its activity), *in flight* (a
write was sent and its outcome is not recorded: the next pass looks it up before sending again),
*synced* or *failed* (kept with its reason until ``next_retry_at``), or *deleted in the CRM* (a
person deleted its entity by hand: final, nothing is retried). :func:`advance` is the one
place that decides the next standing; the database only persists what it returns, and the planner
reads it back (:class:`~hhsync.model.snapshot.StoredNegotiation`). No I/O and no clock: ``now`` and
the retry timing are arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from hhsync.model.kinds import SyncStatus

ERROR_MAX = 2000
"""The longest reason kept with a failed negotiation (the column's size)."""

Due = Callable[[int], datetime]
"""When a negotiation that has failed ``attempts`` times is due again (the backoff, bound to the
negotiation and the pass's clock)."""


@dataclass(frozen=True)
class Standing:
    """A negotiation's sync standing: what the lifecycle reads and decides."""

    status: SyncStatus
    attempts: int = 0
    """Sends so far (counted when marked in flight) and failures of writes never marked."""
    next_retry_at: datetime | None = None
    last_error: str | None = None
    in_flight_until: datetime | None = None
    """In flight: the request that carried it may still run at the portal until then."""
    has_entity: bool = False
    has_activity: bool = False
    """The entity's timeline activity is recorded (never without an entity)."""
    synced_at: datetime | None = None
    outcome_at: datetime | None = None
    """When its latest outcome (created, updated, activity added, failed) was recorded: the
    app page's log orders by it. Being marked in flight is no outcome, and neither is a read."""

    @property
    def activity_in_flight(self) -> bool:
        """The entity exists, its activity's add was sent (or never checked) and no outcome is
        known: the next pass must look the activity up by origin before adding one."""
        return self.status == SyncStatus.IN_FLIGHT and self.has_entity and not self.has_activity


@dataclass(frozen=True)
class MarkedInFlight:
    """A batch carrying the negotiation's create or activity is about to be sent."""

    until: datetime


@dataclass(frozen=True)
class Created:
    """The entity exists: created now, or adopted (found by origin after an unknown outcome)."""

    activity_added: bool
    """Its activity was added with it, or found with it on adoption."""
    activity_error: str | None = None
    """The portal refused the activity (the entity is kept, the activity retried later)."""
    adopted: bool = False
    activity_unchecked: bool = False
    """Adopted, but the lookup of its activity failed: whether one exists is unknown."""


@dataclass(frozen=True)
class Updated:
    """The entity follows hh.ru again (status field, stage, resume)."""


@dataclass(frozen=True)
class ActivityAdded:
    """The missing activity is there now: added, or ``found`` by origin (an earlier add landed)."""

    found: bool = False


@dataclass(frozen=True)
class Failed:
    """A write or lookup for the negotiation failed; it is kept and tried again later."""

    error: str
    retry_at: datetime | None = None
    """A fixed time to try again (a pause); None: the backoff after its attempts."""
    activity_settled: bool = False
    """The failure is the activity's own, with a known outcome (refused, not sent, or looked up
    and not found): an activity in flight is no longer in doubt."""


@dataclass(frozen=True)
class EntityDeleted:
    """A write met the entity deleted in the CRM (the portal's «Not found»): a person removed it
    on purpose, so it is neither created again nor written to; final."""


Event = MarkedInFlight | Created | Updated | ActivityAdded | Failed | EntityDeleted


def advance(before: Standing, event: Event, now: datetime, due: Due) -> Standing:
    """The standing after ``event``; every event but the in-flight mark is an outcome at ``now``.

    Deleted in the CRM is final: a later outcome of the same pass (another write already on its
    way when the deletion was met) changes nothing."""
    if before.status == SyncStatus.CRM_DELETED:
        return before
    if isinstance(event, MarkedInFlight):
        return _marked(before, event)
    return replace(_outcome(before, event, now, due), outcome_at=now)


def _marked(before: Standing, event: MarkedInFlight) -> Standing:
    """A send is about to go: its attempt counts, the outcome is not known yet."""
    return replace(
        before,
        status=SyncStatus.IN_FLIGHT,
        in_flight_until=event.until,
        attempts=before.attempts + 1,
    )


def _outcome(
    before: Standing,
    event: Created | Updated | ActivityAdded | Failed | EntityDeleted,
    now: datetime,
    due: Due,
) -> Standing:
    """The standing an outcome leaves (its instant is set by :func:`advance`)."""
    if isinstance(event, EntityDeleted):
        return replace(
            before,
            status=SyncStatus.CRM_DELETED,
            last_error=None,
            next_retry_at=None,
            in_flight_until=None,
        )
    if isinstance(event, Failed):
        # A send counted its attempt when it went in flight; any other failure counts here.
        attempts = before.attempts + (before.status != SyncStatus.IN_FLIGHT)
        # Another write failed beside an activity in flight: whether it landed is still unknown.
        keeps_flight = before.activity_in_flight and not event.activity_settled
        return replace(
            before,
            status=before.status if keeps_flight else SyncStatus.FAILED,
            attempts=attempts,
            last_error=event.error[:ERROR_MAX],
            next_retry_at=event.retry_at or due(max(1, attempts)),
        )
    synced = replace(
        before, status=SyncStatus.SYNCED, last_error=None, next_retry_at=None, synced_at=now
    )
    if isinstance(event, ActivityAdded):
        return replace(synced, has_activity=True)
    if isinstance(event, Updated):
        awaits_activity = not before.has_activity and before.status == SyncStatus.PENDING
        if awaits_activity or before.activity_in_flight:
            # Pending (adopted without its activity) or in flight (the activity's add has no
            # known outcome) until the activity is settled: the update does not settle it.
            return replace(synced, status=before.status)
        return synced
    created = replace(synced, has_entity=True, has_activity=event.activity_added)
    if event.activity_error is not None:
        return replace(
            created,
            status=SyncStatus.FAILED,
            last_error=f"activity not added: {event.activity_error}"[:ERROR_MAX],
            next_retry_at=due(1),
        )
    if event.adopted and not event.activity_added:
        # Adopted without its activity: pending (the planner adds it), or still in flight when
        # nobody could check whether it exists (the planner looks it up before adding).
        status = SyncStatus.IN_FLIGHT if event.activity_unchecked else SyncStatus.PENDING
        return replace(created, status=status)
    return created
