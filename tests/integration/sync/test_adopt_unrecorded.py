"""A portal row stored over a CRM that already holds hhsync's entities (another installation's, or
ours before the database was lost) adopts them instead of creating them again, and follows them.

Real PostgreSQL and both sandboxes over HTTP: the world's portal imports, its rows are then lost,
the CRM is touched by hand (an activity deleted, a stage moved), hh.ru gets new responses, and
the app's tokens are stored again as a new row.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hhsync.db import portals, state
from hhsync.db.tables import RunStatus, SyncStatus
from hhsync.sync.engine import run_pass
from hhsync.testing.portal import link_and_configure
from hhsync.testing.world import World
from tests.integration.sync.test_engine import first_vacancy

pytestmark = pytest.mark.postgres


def rest(world: World, method: str, **params: Any) -> Any:
    """A REST call on the world's portal with a fresh administrator's token; its ``result``."""
    info = world.bitrix_admin("POST", f"/_sandbox/portals/{world.domain}/tokens", user_id=1)
    answer = world.bitrix.post(
        f"{info['client_endpoint']}{method}", json={"auth": info["access_token"], **params}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


async def store_portal_anew(world: World) -> int:
    """The database lost the portal: the app's next install stores it as a new row, then the HR
    team links hh.ru and saves the settings again."""
    async with world.ctx.database.session() as session:
        assert await portals.delete_portal(session, world.portal_id)
    info = world.bitrix_admin("POST", f"/_sandbox/portals/{world.domain}/tokens", user_id=1)
    now = world.clock.now()
    install = portals.PortalInstall(
        member_id=info["member_id"],
        domain=info["domain"],
        client_endpoint=info["client_endpoint"],
        server_endpoint=info["server_endpoint"],
        access_token=info["access_token"],
        refresh_token=info["refresh_token"],
        access_expires_at=now + timedelta(seconds=info["expires_in"]),
        application_token=info["application_token"],
    )
    async with world.ctx.database.session() as session:
        portal = await portals.install_portal(session, world.ctx.cipher, install, now)
    assert portal.id is not None
    assert portal.unrecorded_before == now
    async with httpx.AsyncClient(headers={"User-Agent": "hhsync-tests"}, timeout=30) as http:
        await link_and_configure(
            http,
            world.hh_url,
            world.ctx.database,
            world.ctx.cipher,
            portal.id,
            responsible_user_id=1,
            now=now,
        )
    return portal.id


def activities_per_origin(world: World) -> Counter[str]:
    return Counter(str(a["ORIGIN_ID"]) for a in world.entities("activity"))


async def test_a_crm_holding_our_entities_without_rows_is_adopted_not_duplicated(
    world: World,
) -> None:
    elsewhere = await run_pass(world.ctx, world.portal_id)
    imported = world.hh_negotiations()
    assert elsewhere.writes.created == imported > 3
    leads = {str(lead["ORIGIN_ID"]): int(lead["ID"]) for lead in world.entities("lead")}
    by_origin = {str(a["ORIGIN_ID"]): int(a["ID"]) for a in world.entities("activity")}
    lost_activity, moved_by_hand, *_ = sorted(leads)
    rest(world, "crm.activity.delete", id=by_origin[lost_activity])
    rest(world, "crm.lead.update", id=leads[moved_by_hand], fields={"STATUS_ID": "JUNK"})
    vacancy = first_vacancy(world)
    fresh = {str(world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)["id"])}

    portal_id = await store_portal_anew(world)
    first = await run_pass(world.ctx, portal_id)
    assert first.status == RunStatus.OK, first.errors
    assert first.writes.adopted == imported
    assert first.writes.created == len(fresh)
    origins = Counter(str(lead["ORIGIN_ID"]) for lead in world.entities("lead"))
    assert origins == Counter(set(leads) | fresh), "a lead was created twice"
    async with world.ctx.database.session() as session:
        rows = {r.hh_negotiation_id: r for r in await state.list_negotiations(session, portal_id)}
    assert {hh_id: rows[hh_id].crm_entity_id for hh_id in leads} == leads
    assert rows[moved_by_hand].crm_stage_set == "JUNK"  # what the lead shows, a person's choice
    assert rows[lost_activity].crm_activity_id is None
    assert rows[lost_activity].sync_status == SyncStatus.PENDING  # adopted, its activity to add

    settled = await run_pass(world.ctx, portal_id)
    assert settled.status == RunStatus.OK, settled.errors
    assert settled.writes.created == 0
    assert activities_per_origin(world) == Counter(set(leads) | fresh)
    shown = {str(lead["ORIGIN_ID"]): lead for lead in world.entities("lead")}
    assert shown[moved_by_hand]["STATUS_ID"] == "JUNK"
    async with world.ctx.database.session() as session:
        counts = await state.count_by_status(session, portal_id)
        rows = {r.hh_negotiation_id: r for r in await state.list_negotiations(session, portal_id)}
    assert counts[SyncStatus.SYNCED] == imported + len(fresh)
    assert all(
        row.crm_entity_id == int(shown[hh_id]["ID"]) and row.crm_activity_id is not None
        for hh_id, row in rows.items()
    )
