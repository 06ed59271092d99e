"""Employer states the stage table has no row for, said once per state and portal.

hh.ru says the states a negotiation can be in depend on the vacancy and the employer (hh.ru
OpenAPI spec, ``employer_states``), so a state the settings page does not list is expected: the
planner routes it by a fallback row (:func:`hhsync.sync.routing.fallback_row`) and the pass goes
on. The HR team should still learn of it: the first time a portal's pass meets such a state in
extended mode, one ``state.unmapped`` audit line and one log line name it, its hh.ru name and the
row it uses; later passes stay quiet (the audit trail remembers).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hhsync.db import state
from hhsync.db.session import Database
from hhsync.log import EVENT_STATE_UNMAPPED, get_logger
from hhsync.model.snapshot import PlanSettings, RemoteNegotiation
from hhsync.sync.routing import fallback_row, unmapped_states

log = get_logger(__name__)


async def note_unmapped_states(
    database: Database,
    portal_id: int,
    settings: PlanSettings,
    negotiations: Sequence[RemoteNegotiation],
    *,
    now: datetime,
    run_id: int | None,
) -> list[str]:
    """Audit and log each unmapped state of ``negotiations`` not yet told; the states told now."""
    first_seen: dict[str, RemoteNegotiation] = {}
    for negotiation in negotiations:
        first_seen.setdefault(negotiation.employer_state, negotiation)
    states = unmapped_states(settings, first_seen)
    if not states:
        return []
    async with database.session() as session:
        told = await state.audited_details(session, portal_id, EVENT_STATE_UNMAPPED, "state")
        fresh = [s for s in states if s not in told]
        for employer_state in fresh:
            example = first_seen[employer_state]
            row = fallback_row(settings, example.kind, employer_state)
            detail = {"state": employer_state, "name": example.employer_state_name, "row": row}
            await state.add_audit(
                session,
                portal_id=portal_id,
                event=EVENT_STATE_UNMAPPED,
                now=now,
                sync_run_id=run_id,
                detail=detail,
            )
            log.info(EVENT_STATE_UNMAPPED, **detail)
    return fresh
