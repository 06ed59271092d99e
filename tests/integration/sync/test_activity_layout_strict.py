"""The product's timeline activity passes a portal's strict checks, whatever the response holds.

The Bitrix24 sandbox checks a configurable activity as b24restdocs documents it (strict by
default: icon and logo codes from the portal's lists, text colours, ``fields``; see
:mod:`hhsync.sandbox.bitrix.activity_layout_rules`). Every kind of negotiation hhsync writes is
sent through it here: a response, an invitation, a hidden name, hidden contacts, hostile strings,
a deleted resume (no PDF) and one with its PDF. A layout the portal refuses keeps its lead (one,
never two) and is retried until it is accepted.
"""

from __future__ import annotations

from collections import Counter

import pytest

from hhsync.db import state
from hhsync.db.tables import Negotiation, RunStatus, SyncStatus
from hhsync.sync import activity
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World

HOSTILE = "</script><img src=x onerror=alert(1)>{{7*7}}\u202e\x00"


def _vacancy(world: World) -> str:
    listed = world.hh_admin("GET", "/_sandbox/state")["vacancies"]
    return str(
        next(v["id"] for v in listed if v["employer_id"] == world.employer_id and not v["archived"])
    )


def _add_every_kind(world: World) -> dict[str, str]:
    """One negotiation of each kind on an open vacancy: kind -> negotiation id."""
    vacancy = _vacancy(world)

    def add(**body: object) -> str:
        return str(
            world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy, **body)["id"]
        )

    added = {
        "response": add(hidden_fields=[]),
        "invitation": add(kind="invitation", hidden_fields=[]),
        "hidden_name": add(hidden_fields=["names_and_photo"]),
        "hidden_contacts": add(hidden_fields=["phones", "email", "other_contacts"]),
        "hostile": add(hidden_fields=[], first_name=HOSTILE, last_name="'\"<b>&amp;"),
    }
    no_pdf = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)
    world.hh_admin("POST", f"/_sandbox/resumes/{no_pdf['resume_id']}/delete")
    added["resume_deleted"] = str(no_pdf["id"])
    return added


async def _rows_by_id(world: World) -> dict[str, Negotiation]:
    async with world.ctx.database.session() as session:
        rows = await state.list_negotiations(session, world.portal_id)
    return {row.hh_negotiation_id: row for row in rows}


async def test_every_kind_of_response_passes_strict_activity_validation(world: World) -> None:
    assert world.bitrix_admin("GET", f"/_sandbox/portals/{world.domain}/activity-validation") == {
        "strict": True
    }
    added = _add_every_kind(world)
    report = await run_pass(world.ctx, world.portal_id)
    assert report.status == RunStatus.OK, report.errors
    assert report.writes.failed == 0
    leads = {lead["ORIGIN_ID"]: lead for lead in world.entities("lead")}
    activities = Counter(str(a["OWNER_ID"]) for a in world.entities("activity"))
    assert len(leads) == world.hh_negotiations()
    assert all(activities[str(lead["ID"])] == 1 for lead in leads.values())
    rows = await _rows_by_id(world)
    for kind, hh_id in added.items():
        row = rows[hh_id]
        assert row.sync_status == SyncStatus.SYNCED, (kind, row.last_error)
        assert row.crm_activity_id is not None, kind
    files = {str(f["owner_id"]) for f in world.entities("file")}
    assert str(leads[added["response"]]["ID"]) in files  # with its PDF
    assert str(leads[added["resume_deleted"]]["ID"]) not in files  # without one


async def test_a_refused_activity_keeps_one_lead_and_is_retried(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A layout the portal refuses: an icon code outside crm.timeline.icon.list.
    monkeypatch.setattr(activity, "ICON_CODE", "hh-ru")
    first = await run_pass(world.ctx, world.portal_id)
    expected = world.hh_negotiations()
    assert len(world.entities("lead")) == expected  # every lead is there, once
    assert world.entities("activity") == []
    assert first.writes.failed == expected
    rows = await _rows_by_id(world)
    assert all(r.crm_entity_id is not None for r in rows.values())
    assert all(r.sync_status == SyncStatus.FAILED for r in rows.values())
    assert all("ENUM_FIELD" in (r.last_error or "") for r in rows.values())

    monkeypatch.setattr(activity, "ICON_CODE", "info")
    retry_at = max(r.next_retry_at for r in rows.values() if r.next_retry_at is not None)
    world.clock.advance((retry_at - world.clock.now()).total_seconds() + 1)
    second = await run_pass(world.ctx, world.portal_id)
    assert second.writes.created == 0
    assert len(world.entities("lead")) == expected
    owners = Counter(str(a["OWNER_ID"]) for a in world.entities("activity"))
    assert sorted(owners.values()) == [1] * expected
    rows = await _rows_by_id(world)
    assert all(r.sync_status == SyncStatus.SYNCED for r in rows.values())
