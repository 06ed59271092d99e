"""What the planner sees: plain values of hh.ru's side, our stored side and the portal's settings.

The engine builds these from API payloads and database rows; the planner never touches either,
so every decision can be tested with literals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from hhsync.model.kinds import EntityType, NegotiationKind, StageMode, SyncStatus

HH_CLOCK_MARGIN: Final = timedelta(minutes=5)
"""How far hh.ru's timestamps may run ahead of our clock: a negotiation stamped up to this long
after :attr:`StoredState.unrecorded_before` is still treated as older than it."""


@dataclass(frozen=True)
class RemoteNegotiation:
    """One negotiation as hh.ru lists it now."""

    hh_id: str
    vacancy_hh_id: str
    kind: NegotiationKind
    employer_state: str
    created_at: datetime
    updated_at: datetime
    resume_id: str | None
    """None when hh.ru shows ``resume: null`` (the applicant deleted or hid the resume)."""
    employer_state_name: str | None = None
    """hh.ru's own name of the employer state, when it sent one (the CRM shows it as is)."""
    applicant_name: str | None = None
    """The applicant as the list names them (cleaned), for the app page's log."""
    hh_listing: str | None = None
    """The leaf listing it was found in (stored as ``negotiation.hh_listing``); None: not told,
    the stored one is kept."""


@dataclass(frozen=True)
class RemoteSnapshot:
    """hh.ru's side of one pass: the negotiations read, and which vacancies were read in full."""

    negotiations: tuple[RemoteNegotiation, ...] = ()
    fully_read_vacancies: frozenset[str] = frozenset()
    """Vacancies whose every collection was listed to the end this pass (emptiness guard input)."""

    def updated_since(self, since: datetime) -> RemoteSnapshot:
        """Only negotiations hh.ru changed at or after ``since`` (``hhsync resync --since``)."""
        return RemoteSnapshot(
            tuple(n for n in self.negotiations if n.updated_at >= since),
            self.fully_read_vacancies,
        )


@dataclass(frozen=True)
class StoredNegotiation:
    """What we remember of a negotiation and the CRM entity it became."""

    hh_id: str
    vacancy_hh_id: str
    kind: NegotiationKind
    employer_state: str
    hh_updated_at: datetime
    resume_id: str | None
    sync_status: SyncStatus
    crm_entity_type: EntityType | None = None
    crm_entity_id: int | None = None
    crm_stage_set: str | None = None
    hh_status_set: str | None = None
    attempts: int = 0
    next_retry_at: datetime | None = None
    has_activity: bool = True
    """False when the entity exists but its timeline activity was not added."""
    in_flight_until: datetime | None = None
    """In flight: the request that carried it may still run at the portal until then."""
    hh_created_at: datetime | None = None
    """When hh.ru says the negotiation was created; None when not known (treated as oldest)."""

    def awaits_portal(self, now: datetime) -> bool:
        """In flight, and the request that carried it may still be running at the portal: no
        lookup can be trusted yet, so nothing is looked up or sent for it before then."""
        return (
            self.sync_status == SyncStatus.IN_FLIGHT
            and self.in_flight_until is not None
            and self.in_flight_until > now
        )

    @property
    def has_entity(self) -> bool:
        """Whether a CRM entity is known for this negotiation."""
        return self.crm_entity_id is not None and self.crm_entity_type is not None


@dataclass(frozen=True)
class StoredState:
    """Our side: the portal's stored negotiations by hh.ru id, and how complete they are."""

    negotiations: Mapping[str, StoredNegotiation] = field(default_factory=dict)
    unrecorded_before: datetime | None = None
    """The portal's row was created at this instant by an install, over a CRM that may already
    hold entities of ours with no row here (the app removed with its data and installed again, a
    second deployment, a lost database). A negotiation hh.ru created before it may be one of
    them; one created later cannot, since no installation of ours followed the portal between
    the old rows' end and this one's start. None: every entity of ours has a row."""

    def may_hold_unrecorded(self, hh_created_at: datetime | None) -> bool:
        """Whether the CRM may hold an entity of ours for a negotiation created at
        ``hh_created_at`` that no stored row records (None: unknown, so it may)."""
        if self.unrecorded_before is None:
            return False
        return hh_created_at is None or hh_created_at < self.unrecorded_before + HH_CLOCK_MARGIN

    def updated_since(self, since: datetime) -> StoredState:
        """Only negotiations whose last known hh.ru change is at or after ``since``."""
        return StoredState(
            {k: n for k, n in self.negotiations.items() if n.hh_updated_at >= since},
            self.unrecorded_before,
        )


@dataclass(frozen=True)
class PlanSettings:
    """The part of the portal's settings that decides what the plan does."""

    configured: bool
    """False until the HR team first saves the settings: nothing is imported before that."""
    entity_type: EntityType = EntityType.LEAD
    stage_mode: StageMode = StageMode.SIMPLE
    stage_map: Mapping[str, str] = field(default_factory=dict)
    """Simple mode: ``response``/``invitation`` → stage; extended: employer state → stage."""
