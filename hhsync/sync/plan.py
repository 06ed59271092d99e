"""The planner: hh.ru's side + our stored side + settings → the actions of one pass. Pure.

No I/O and no clock: ``now`` is an argument. Every branch below names the case it covers. The plan
never deletes anything (hh.ru's side is partial by design: only changed vacancies are read, and
hh.ru caps how deep a list pages), so a negotiation missing from the snapshot is simply left alone.
An entity a person deleted in the CRM (recorded ``crm_deleted`` when a write met it) is left alone
too: never created again, never written to.

A create is looked up by origin first (``adopt_first``) whenever the CRM may already hold its
entity: an earlier create's outcome is unknown or it failed, or the portal's row is younger than
the negotiation (:attr:`~hhsync.model.snapshot.StoredState.unrecorded_before`: installed again
after an uninstall deleted our rows, or over a CRM another installation filled). That last case
costs one lookup (leads, deals and activities of its origin: three commands) per negotiation hh.ru
created before the install, in the lookup batch that precedes each create batch: the initial
import pays it once, later responses do not.

An existing entity keeps the type and pipeline it was made under when the settings change: a
state change moves its stage only to one it can take, and otherwise writes its status field alone
(:func:`~hhsync.sync.routing.stage_misfit`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from hhsync.model.kinds import NegotiationKind, SyncStatus
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
    Anomaly,
    CreateEntity,
    ResumeChange,
    StageLeft,
    StageMove,
    UpdateEntity,
)
from hhsync.sync.mapping import state_label
from hhsync.sync.routing import stage_for, stage_misfit, state_has_own_stage

# A fully read vacancy that suddenly shows nothing while we stored at least this many negotiations
# of it looks like an hh.ru or access problem, not like reality (vdirsyncer's empty-side guard).
SUSPICIOUS_EMPTY_MIN = 5


@dataclass(frozen=True)
class Plan:
    """The ordered actions of a pass and what the planner refused to act on."""

    actions: tuple[Action, ...]
    anomalies: tuple[Anomaly, ...] = ()
    skipped_reason: str | None = None


def plan(
    remote: RemoteSnapshot,
    stored: StoredState,
    settings: PlanSettings,
    now: datetime,
    *,
    force: bool = False,
) -> Plan:
    """Decide what this pass does. ``force`` (an operator's resync) lifts the emptiness guard."""
    if not settings.configured:
        # Case: the app is installed but the HR team has not saved settings: import nothing yet.
        return Plan((), skipped_reason="settings not saved yet")

    anomalies = () if force else tuple(_suspicious_empty_vacancies(remote, stored))
    blocked = {a.vacancy_hh_id for a in anomalies}
    latest = _latest_by_id(n for n in remote.negotiations if n.vacancy_hh_id not in blocked)

    creates: list[CreateEntity] = []
    updates: list[Action] = []
    for hh_id, negotiation in latest.items():
        known = stored.negotiations.get(hh_id)
        if known is not None and known.sync_status == SyncStatus.CRM_DELETED:
            # Case: a person deleted its entity in the CRM on purpose (a write met «Not found»):
            # neither create it again nor follow hh.ru into it. Another negotiation of the same
            # applicant is another row and syncs as usual.
            continue
        if known is None:
            # Case: a negotiation we have never seen: create its entity, looking it up first if
            # it is older than the portal's row over a CRM that may hold ours (exactly once).
            adopt = stored.may_hold_unrecorded(negotiation.created_at)
            creates.append(_create(negotiation, settings, adopt_first=adopt))
        elif not known.has_entity:
            creates.extend(_retry_create(known, negotiation, settings, now, stored))
        else:
            updates.extend(_follow_changes(known, negotiation, settings, now))

    # Stored negotiations hh.ru did not list this pass still get their due retries.
    for hh_id, known in stored.negotiations.items():
        if hh_id in latest or known.vacancy_hh_id in blocked:
            continue
        if known.sync_status == SyncStatus.CRM_DELETED:
            continue  # Case: deleted in the CRM by a person, as above: nothing is due.
        if not known.has_entity:
            creates.extend(_retry_create(known, None, settings, now, stored))
        else:
            # Case: an entity on a vacancy not read this pass whose last write did not go
            # through (a status update refused, lost to a 5xx or cut by a crash; an adoption that
            # could not tell what the entity shows) or whose activity is missing: follow what we
            # stored of hh.ru, so it does not wait for the vacancy's next full read.
            updates.extend(_follow_changes(known, _as_remote(known), settings, now))

    creates.sort(key=lambda a: (_created_order(a, latest, stored), a.hh_id))
    return Plan((*creates, *updates), anomalies)


def _retry_create(
    known: StoredNegotiation,
    negotiation: RemoteNegotiation | None,
    settings: PlanSettings,
    now: datetime,
    stored: StoredState,
) -> list[CreateEntity]:
    source = negotiation or _as_remote(known)
    if known.awaits_portal(now):
        # Case: a create was sent and its request may still be running at the portal (the
        # sender died, gave up or lost its lease): a lookup now could miss what it is about to
        # write, so neither look up nor create before the request can no longer run.
        return []
    if known.sync_status == SyncStatus.IN_FLIGHT:
        # Case: a create was sent but its outcome never recorded (crash, timeout, 5xx after
        # send): adopt an existing entity by ORIGIN_ID before creating one.
        return [_create(source, settings, adopt_first=True)]
    if _due(known, now):
        # Case: pending or failed without an entity and its retry time has come: create again;
        # a failed create may have reached the CRM, so adopt first as well. Pending and never
        # sent (stored by this pass's read): adopt first when it is older than the portal's row
        # over a CRM that may hold ours.
        adopt = (
            known.sync_status == SyncStatus.FAILED
            or known.attempts > 0
            or stored.may_hold_unrecorded(_created_at(known, negotiation))
        )
        return [_create(source, settings, adopt_first=adopt)]
    # Case: failed recently; wait for next_retry_at.
    return []


def _follow_changes(
    known: StoredNegotiation,
    negotiation: RemoteNegotiation,
    settings: PlanSettings,
    now: datetime,
) -> list[Action]:
    entity_type, entity_id = known.crm_entity_type, known.crm_entity_id
    if entity_type is None or entity_id is None:
        return []  # unreachable: the caller checked has_entity; kept for the type checker
    if known.sync_status == SyncStatus.FAILED and not _due(known, now):
        # Case: an update failed recently; wait for next_retry_at before touching it again.
        return []
    status: str | None = None
    stage: StageMove | None = None
    left: StageLeft | None = None
    if negotiation.employer_state != known.hh_status_set:
        # Case: the employer state changed on hh.ru (or its last write failed): update the
        # status field, and in extended mode move the stage mapped to the new state.
        status = negotiation.employer_state
        if state_has_own_stage(settings, status):
            target = stage_for(settings, negotiation.kind, status)
            if target is not None and target != known.crm_stage_set:
                misfit = stage_misfit(settings, entity_type, known.crm_stage_set, target)
                if misfit is None:
                    stage = StageMove(target, known.crm_stage_set)
                else:
                    # Case: the entity was made under another entity type or pipeline than the
                    # saved settings name (they changed since): the portal would refuse the map's
                    # stage, and the status field with it. Write the status alone, say why.
                    left = StageLeft(target, misfit)
    resume: ResumeChange | None = None
    if negotiation.resume_id != known.resume_id:
        # Case: hh.ru now shows another resume, or none (deleted): update the resume fields.
        resume = ResumeChange(negotiation.resume_id)
    actions: list[Action] = []
    if status is not None or resume is not None:
        label = None if status is None else state_label(status, negotiation.employer_state_name)
        actions.append(
            UpdateEntity(known.hh_id, entity_type, entity_id, status, label, stage, resume, left)
        )
    if not known.has_activity and not known.awaits_portal(now):
        # Case: the entity exists but its activity was refused, adoption found none, or an add
        # was sent with no recorded outcome (then it is looked up by origin before any add, once
        # the request that carried it can no longer be running at the portal).
        actions.append(_add_activity(known, negotiation.kind, negotiation.employer_state))
    # Case: nothing changed: no action.
    return actions


def _activity_unknown(known: StoredNegotiation) -> bool:
    """An entity without a recorded activity, still in flight: the activity's add was sent (or
    the entity was adopted with its activity unchecked) and nobody knows whether it landed."""
    return known.has_entity and not known.has_activity and known.sync_status == SyncStatus.IN_FLIGHT


def _add_activity(
    known: StoredNegotiation, kind: NegotiationKind, employer_state: str
) -> AddActivity:
    if known.crm_entity_type is None or known.crm_entity_id is None:
        raise ValueError("an activity needs an entity")
    return AddActivity(
        known.hh_id,
        known.vacancy_hh_id,
        kind,
        employer_state,
        known.crm_entity_type,
        known.crm_entity_id,
        lookup_first=_activity_unknown(known),
    )


def _create(
    negotiation: RemoteNegotiation, settings: PlanSettings, *, adopt_first: bool
) -> CreateEntity:
    return CreateEntity(
        hh_id=negotiation.hh_id,
        vacancy_hh_id=negotiation.vacancy_hh_id,
        kind=negotiation.kind,
        employer_state=negotiation.employer_state,
        entity_type=settings.entity_type,
        stage=stage_for(settings, negotiation.kind, negotiation.employer_state),
        resume_id=negotiation.resume_id,
        adopt_first=adopt_first,
        hh_status_label=state_label(negotiation.employer_state, negotiation.employer_state_name),
    )


def _created_at(known: StoredNegotiation, negotiation: RemoteNegotiation | None) -> datetime | None:
    """When hh.ru created the negotiation: as stored, else as listed now, else unknown."""
    if known.hh_created_at is not None:
        return known.hh_created_at
    return None if negotiation is None else negotiation.created_at


def _due(known: StoredNegotiation, now: datetime) -> bool:
    return known.next_retry_at is None or known.next_retry_at <= now


def _latest_by_id(negotiations: Iterable[RemoteNegotiation]) -> dict[str, RemoteNegotiation]:
    """One view per negotiation: a negotiation that moved between collections while we paged is
    listed twice; the later ``updated_at`` is the truth."""
    latest: dict[str, RemoteNegotiation] = {}
    for negotiation in negotiations:
        seen = latest.get(negotiation.hh_id)
        if seen is None or negotiation.updated_at > seen.updated_at:
            latest[negotiation.hh_id] = negotiation
    return latest


def _suspicious_empty_vacancies(remote: RemoteSnapshot, stored: StoredState) -> Iterable[Anomaly]:
    listed = {n.vacancy_hh_id for n in remote.negotiations}
    stored_per_vacancy: dict[str, int] = {}
    for known in stored.negotiations.values():
        stored_per_vacancy[known.vacancy_hh_id] = stored_per_vacancy.get(known.vacancy_hh_id, 0) + 1
    for vacancy in sorted(remote.fully_read_vacancies - listed):
        count = stored_per_vacancy.get(vacancy, 0)
        if count >= SUSPICIOUS_EMPTY_MIN:
            yield Anomaly(
                vacancy,
                f"hh.ru lists no negotiations for a vacancy with {count} stored ones; "
                "nothing is changed for it until a forced resync confirms",
            )


def _created_order(
    action: CreateEntity,
    latest: dict[str, RemoteNegotiation],
    stored: StoredState,
) -> datetime:
    """Oldest responses first, so the CRM fills in the order applicants responded."""
    remote = latest.get(action.hh_id)
    if remote is not None:
        return remote.created_at
    known = stored.negotiations[action.hh_id]
    return known.hh_created_at or known.hh_updated_at


def _as_remote(known: StoredNegotiation) -> RemoteNegotiation:
    return RemoteNegotiation(
        hh_id=known.hh_id,
        vacancy_hh_id=known.vacancy_hh_id,
        kind=NegotiationKind(known.kind),
        employer_state=known.employer_state,
        created_at=known.hh_created_at or known.hh_updated_at,
        updated_at=known.hh_updated_at,
        resume_id=known.resume_id,
    )
