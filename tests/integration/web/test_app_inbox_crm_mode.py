"""Новые отклики and the Авторизация tab's sync line on a portal switched to simple CRM (no leads)
while leads are chosen: the responses wait, and the app says why and what to do, until the last
pass wrote again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hhsync.db import portals
from hhsync.db.tables import EntityType
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from tests.integration.web.inbox_journal_kit import ADMIN, AppWorld, app_world

pytestmark = [pytest.mark.postgres]


@pytest.fixture
async def app(world: World, db_url: str) -> AsyncIterator[AppWorld]:
    """The app on the world."""
    async with app_world(world, db_url) as opened:
        yield opened


async def test_the_tab_says_leads_are_off_until_deals_are_chosen(app: AppWorld) -> None:
    world = app.world
    world.bitrix_admin("POST", f"/_sandbox/portals/{world.domain}/crm-mode", mode=2)
    await run_pass(world.ctx, world.portal_id)
    page = await app.open(ADMIN)
    view = (await page.get("/inbox")).json()
    assert "простой режим CRM" in view["leads_off"]
    assert view["waiting"]["pending"] == world.hh_negotiations()
    assert view["waiting"]["failed"] == 0
    assert 'id="inbox-leads-off"' in page.html
    assert view["leads_off"] in page.html
    assert 'data-state="sync_leads_off"' in page.html  # the Авторизация tab's sync line
    assert 'data-leads-off="true"' in page.html

    async with world.ctx.database.session() as session:
        await portals.save_settings(
            session, world.portal_id, {"entity_type": EntityType.DEAL.value}, world.clock.now()
        )
    await run_pass(world.ctx, world.portal_id)
    view = (await page.get("/inbox")).json()
    assert view["leads_off"] is None
    assert view["waiting"]["pending"] == 0
    assert 'data-state="sync_active"' in (await app.open(ADMIN)).html
