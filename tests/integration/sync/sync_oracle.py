"""What must hold between hh.ru, our database and the CRM, whatever happened: pure checks.

Each check takes one :class:`Observed` picture (the stored rows, the portal's leads and activities,
and hh.ru's negotiations) and returns the problems it sees, one line each, so a failing state
machine step says exactly which negotiation broke which rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hhsync.db.tables import Negotiation, SyncStatus
from hhsync.sandbox.hh.store import EMPLOYER_STATES
from hhsync.sync import mapping

LEAD_OWNER_TYPE = "1"


@dataclass(frozen=True)
class Row:
    """The fields of a stored negotiation the checks read."""

    hh_id: str
    status: SyncStatus
    entity_id: int | None
    activity_id: int | None
    attempts: int
    last_error: str | None
    next_retry_at: datetime | None
    employer_state: str
    hh_status_set: str | None

    def adopts_first(self) -> bool:
        """Whether the next create looks up an entity an earlier one may have left (the
        planner's rule: in flight, failed, or tried before)."""
        return self.entity_id is None and (
            self.status in (SyncStatus.IN_FLIGHT, SyncStatus.FAILED) or self.attempts > 0
        )

    @classmethod
    def of(cls, row: Negotiation) -> Row:
        """The stored row as the checks see it."""
        return cls(
            row.hh_negotiation_id,
            SyncStatus(row.sync_status),
            row.crm_entity_id,
            row.crm_activity_id,
            row.attempts,
            row.last_error,
            row.next_retry_at,
            row.employer_state,
            row.hh_status_set,
        )


@dataclass(frozen=True)
class Observed:
    """One picture of all three sides, taken between steps (nothing is running)."""

    rows: Mapping[str, Row]
    leads: Sequence[Mapping[str, Any]]
    activities: Sequence[Mapping[str, Any]]
    hh_states: Mapping[str, str]
    """hh.ru's negotiations of the employer's active vacancies: id -> employer state."""

    def leads_by_id(self) -> dict[int, Mapping[str, Any]]:
        """The portal's leads by their ID."""
        return {int(lead["ID"]): lead for lead in self.leads}

    def activities_by_lead(self) -> dict[int, list[int]]:
        """Activity ids on each lead."""
        found: dict[int, list[int]] = {}
        for activity in self.activities:
            if str(activity["OWNER_TYPE_ID"]) == LEAD_OWNER_TYPE:
                found.setdefault(int(activity["OWNER_ID"]), []).append(int(activity["ID"]))
        return found


def status_labels(employer_state: str | None) -> set[str]:
    """What UF_CRM_HH_STATUS may read for a state: hh.ru's own name for it, or our label."""
    if employer_state is None:
        return set()
    return {
        mapping.state_label(employer_state),
        mapping.state_label(employer_state, EMPLOYER_STATES.get(employer_state)),
    }


def duplicates(seen: Observed) -> list[str]:
    """One CRM entity per negotiation: no ORIGIN_ID twice, none the database does not know."""
    origins = Counter(str(lead.get("ORIGIN_ID")) for lead in seen.leads)
    problems = [f"negotiation {hh_id}: {n} leads" for hh_id, n in origins.items() if n > 1]
    problems += [
        f"lead {lead['ID']}: ORIGIN_ID {lead.get('ORIGIN_ID')!r} is no stored negotiation"
        for lead in seen.leads
        if str(lead.get("ORIGIN_ID")) not in seen.rows
    ]
    return problems


def activity_problems(seen: Observed) -> list[str]:
    """At most one activity per lead; a recorded activity is on its lead; synced means one."""
    on_lead = seen.activities_by_lead()
    problems = [
        f"lead {lead_id}: {len(ids)} activities {sorted(ids)}"
        for lead_id, ids in on_lead.items()
        if len(ids) > 1
    ]
    for row in seen.rows.values():
        if row.entity_id is None:
            continue
        carried = on_lead.get(row.entity_id, [])
        if row.activity_id is not None and row.activity_id not in carried:
            problems.append(
                f"negotiation {row.hh_id}: activity {row.activity_id} is not on lead"
                f" {row.entity_id} (it carries {carried})"
            )
        if row.status == SyncStatus.SYNCED and len(carried) != 1:
            problems.append(f"negotiation {row.hh_id}: synced, lead carries {carried}")
    return problems


def lost(seen: Observed, must_be_stored: set[str]) -> list[str]:
    """Nothing dropped: every negotiation a clean pass read is stored; each stored one is
    synced with an entity, or kept pending / in flight / failed (failed says why and when)."""
    problems = [
        f"negotiation {hh_id}: read by a pass, not stored"
        for hh_id in sorted(must_be_stored - set(seen.rows))
    ]
    problems += [
        f"negotiation {hh_id}: stored, unknown to hh.ru"
        for hh_id in sorted(set(seen.rows) - set(seen.hh_states))
    ]
    for row in seen.rows.values():
        if row.status == SyncStatus.SYNCED and row.entity_id is None:
            problems.append(f"negotiation {row.hh_id}: synced without an entity")
        if row.status == SyncStatus.FAILED and not (row.last_error and row.next_retry_at):
            problems.append(f"negotiation {row.hh_id}: failed without a reason or retry time")
    return problems


def disagreements(seen: Observed) -> list[str]:
    """The database agrees with the CRM: linked leads exist with our ORIGIN_ID; a synced row's
    lead shows the state it recorded writing; a lead the database has not linked yet belongs to
    a row whose next create looks it up first."""
    leads = seen.leads_by_id()
    problems: list[str] = []
    linked_origins = set()
    for row in seen.rows.values():
        if row.entity_id is None:
            continue
        linked_origins.add(row.hh_id)
        lead = leads.get(row.entity_id)
        if lead is None:
            problems.append(f"negotiation {row.hh_id}: lead {row.entity_id} does not exist")
            continue
        if str(lead.get("ORIGIN_ID")) != row.hh_id:
            problems.append(
                f"negotiation {row.hh_id}: lead {row.entity_id} has ORIGIN_ID"
                f" {lead.get('ORIGIN_ID')!r}"
            )
        if row.status != SyncStatus.SYNCED or row.hh_status_set is None:
            # No status recorded: an adoption found the lead but not which status it shows; the
            # row lags hh.ru, so the next pass writes it (``unsettled`` checks that it did).
            continue
        shown = lead.get("UF_CRM_HH_STATUS")
        # The last state stored is also accepted: a status update whose outcome was never
        # recorded (500 after the write, a crash) may have landed; the row keeps the state it
        # had written until the next pass writes it again (test_status_follows.py).
        if shown not in status_labels(row.hh_status_set) | status_labels(row.employer_state):
            problems.append(
                f"negotiation {row.hh_id}: synced as {row.hh_status_set!r} (hh.ru state stored:"
                f" {row.employer_state!r}), lead {row.entity_id} shows {shown!r}"
            )
    for lead in seen.leads:
        row = seen.rows.get(str(lead.get("ORIGIN_ID")))
        if row is None or row.hh_id in linked_origins:
            continue
        if not row.adopts_first():
            problems.append(
                f"negotiation {row.hh_id}: lead {lead['ID']} exists, the row ({row.status})"
                " would create another"
            )
    return problems


def unsettled(seen: Observed) -> list[str]:
    """After the faults are gone and time has passed: hh.ru, database and CRM say the same."""
    problems = [
        f"negotiation {row.hh_id}: still {row.status} ({row.last_error})"
        for row in seen.rows.values()
        if row.status != SyncStatus.SYNCED
    ]
    problems += [
        f"negotiation {hh_id}: on hh.ru, not stored"
        for hh_id in sorted(set(seen.hh_states) - set(seen.rows))
    ]
    by_origin = {str(lead.get("ORIGIN_ID")): lead for lead in seen.leads}
    for hh_id, employer_state in seen.hh_states.items():
        lead = by_origin.get(hh_id)
        if lead is None:
            problems.append(f"negotiation {hh_id}: no lead")
        elif lead.get("UF_CRM_HH_STATUS") not in status_labels(employer_state):
            problems.append(
                f"negotiation {hh_id}: {employer_state!r} on hh.ru, lead {lead['ID']} shows"
                f" {lead.get('UF_CRM_HH_STATUS')!r}"
            )
    return problems
