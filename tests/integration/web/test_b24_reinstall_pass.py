"""Install, uninstall and reinstall through the door around real engine passes: polling stops
while the app is gone, and after the reinstall a pass creates no second lead, also when the
uninstall deleted every row of the portal."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hhsync.db import accounts, state
from hhsync.db.tables import AccountStatus, PortalStatus, SyncStatus
from hhsync.metrics import Metrics
from hhsync.sync.engine import run_pass
from hhsync.testing.portal import link_and_configure
from hhsync.testing.world import World
from hhsync.web.app import create_app
from hhsync.web.context import WebContext
from hhsync.web.door import door_routes
from tests.integration.web.door_kit import (
    Recorder,
    asgi_client,
    door_settings,
    netloc,
    open_page,
    stored_portal,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
async def door_client(world: World, db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app with the door, trusting the world's Bitrix24 sandbox, on the world's clock."""
    settings = door_settings(db_url, [netloc(world.bitrix_url)])
    async with httpx.AsyncClient(timeout=10) as outbound:
        ctx = WebContext(settings, world.ctx.database, world.ctx.cipher, outbound, world.clock)
        app = create_app(ctx.database, Metrics(), routes=door_routes(ctx))
        async with asgi_client(app) as client:
            yield client


async def test_reinstall_after_uninstall_duplicates_nothing(
    world: World, door_client: httpx.AsyncClient, recorder: tuple[Recorder, str]
) -> None:
    first = await run_pass(world.ctx, world.portal_id)
    leads = world.entities("lead")
    assert first.writes.created > 0
    assert len(leads) == first.writes.created
    portal_path = f"/_sandbox/portals/{world.domain}"

    installer = world.bitrix_admin("POST", f"{portal_path}/tokens", user_id=1)
    installed = await open_page(door_client, "/b24/install", installer)
    assert installed.status_code == 200, installed.text
    assert 'data-complete="1"' in installed.text
    member_id = installer["member_id"]

    recording, url = recorder
    world.bitrix_admin("POST", f"{portal_path}/uninstall", handler_url=f"{url}/hook")
    (uninstall_event,) = recording.forms()
    gone = await door_client.post("/b24/events", data=uninstall_event)
    assert gone.json() == {"result": "uninstalled"}
    stopped = await run_pass(world.ctx, world.portal_id)
    assert stopped.skipped is not None
    assert stopped.skipped.startswith("portal is uninstalled")

    again = world.bitrix_admin("POST", f"{portal_path}/reinstall", user_id=1)
    reinstalled = await open_page(door_client, "/b24/install", again)
    assert reinstalled.status_code == 200, reinstalled.text
    portal = await stored_portal(world.ctx.database, member_id)
    assert portal is not None
    assert portal.id == world.portal_id
    assert portal.status == PortalStatus.ACTIVE
    async with world.ctx.database.session() as session:
        linked = await accounts.list_accounts(session, world.portal_id, AccountStatus.ACTIVE)
    assert [a.id for a in linked] == [world.account_id]  # the hh.ru login survived

    after = await run_pass(world.ctx, world.portal_id)
    assert after.errors == []
    assert after.writes.created == 0
    assert [lead["ID"] for lead in world.entities("lead")] == [lead["ID"] for lead in leads]


async def relink_and_configure(world: World, portal_id: int) -> None:
    """What the HR team does again on a portal stored anew: the hh.ru login, the settings."""
    async with httpx.AsyncClient(headers={"User-Agent": "hhsync-tests"}, timeout=30) as http:
        await link_and_configure(
            http,
            world.hh_url,
            world.ctx.database,
            world.ctx.cipher,
            portal_id,
            responsible_user_id=1,
            now=world.clock.now(),
        )


async def test_reinstall_after_an_uninstall_that_deleted_the_data_adopts_every_lead(
    world: World, door_client: httpx.AsyncClient, recorder: tuple[Recorder, str]
) -> None:
    """``data[CLEAN]=1`` deletes our rows but the CRM keeps its leads: the portal stored anew
    looks each negotiation up by origin before creating it, so none is created twice."""
    first = await run_pass(world.ctx, world.portal_id)
    imported = world.hh_negotiations()
    assert first.writes.created == imported > 0
    before = {lead["ORIGIN_ID"]: lead["ID"] for lead in world.entities("lead")}
    assert len(before) == imported
    portal_path = f"/_sandbox/portals/{world.domain}"
    installer = world.bitrix_admin("POST", f"{portal_path}/tokens", user_id=1)
    installed = await open_page(door_client, "/b24/install", installer)
    assert installed.status_code == 200, installed.text

    recording, url = recorder
    world.bitrix_admin("POST", f"{portal_path}/uninstall", handler_url=f"{url}/hook", clean=True)
    (uninstall_event,) = recording.forms()
    assert uninstall_event["data[CLEAN]"] == "1"
    gone = await door_client.post("/b24/events", data=uninstall_event)
    assert gone.json() == {"result": "deleted"}
    assert await stored_portal(world.ctx.database, installer["member_id"]) is None

    again = world.bitrix_admin("POST", f"{portal_path}/reinstall", user_id=1)
    reinstalled = await open_page(door_client, "/b24/install", again)
    assert reinstalled.status_code == 200, reinstalled.text
    portal = await stored_portal(world.ctx.database, installer["member_id"])
    assert portal is not None
    assert portal.id is not None
    assert portal.id != world.portal_id
    await relink_and_configure(world, portal.id)

    after = await run_pass(world.ctx, portal.id)
    assert after.errors == []
    assert after.writes.created == 0
    assert after.writes.adopted == imported
    leads = world.entities("lead")
    origins = [lead["ORIGIN_ID"] for lead in leads]
    assert sorted(origins) == sorted(before), "a lead was created twice"
    assert len(world.entities("activity")) == imported
    async with world.ctx.database.session() as session:
        rows = await state.list_negotiations(session, portal.id)
    assert len(rows) == imported
    assert all(row.sync_status == SyncStatus.SYNCED for row in rows)
    assert {row.hh_negotiation_id: row.crm_entity_id for row in rows} == {
        origin: int(lead_id) for origin, lead_id in before.items()
    }
    assert all(row.crm_activity_id is not None for row in rows)
    # the status field shows each state already: nothing to write for it
    assert all(row.hh_status_set == row.employer_state for row in rows)

    # The portal follows its leads from here on: a state change moves the status field, and
    # nothing is created.
    moved = next(iter(before))
    world.hh_admin("POST", f"/_sandbox/negotiations/{moved}/state", employer_state="interview")
    world.clock.advance(world.ctx.settings.sync.reconcile_period_s)
    follows = await run_pass(world.ctx, portal.id)
    assert follows.errors == []
    assert follows.writes.created == 0
    assert follows.writes.updated == 1
    shown = {lead["ORIGIN_ID"]: lead for lead in world.entities("lead")}
    assert len(shown) == imported
    assert shown[moved]["UF_CRM_HH_STATUS"] == "Интервью"
