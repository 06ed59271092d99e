"""A portal switched to simple CRM (no leads) after leads were chosen: responses wait, named once.

Real PostgreSQL and both sandboxes over HTTP. The Bitrix24 sandbox's ``crm-mode`` knob makes
``crm.settings.mode.get`` answer 2 and converts every new lead into a deal at once (b24restdocs
``crm/crm-settings-mode-get.md``, ``crm/leads/index.md``). The pass asks the mode once before its
first lead write, sends nothing else, keeps every response pending with the reason in the run
(what ``hhsync status`` shows), and writes them as deals once an administrator chooses deals.
"""

from __future__ import annotations

import pytest

from hhsync.db import portals, runs, state
from hhsync.db.tables import EntityType, RunStatus, SyncStatus
from hhsync.service.status import portal_views
from hhsync.sync.crm_mode_memory import CLASSIC_TRUSTED_S
from hhsync.sync.engine import run_pass
from hhsync.sync.options import PassOptions
from hhsync.testing.world import World
from tests.integration.sync.test_engine import first_vacancy

pytestmark = pytest.mark.postgres


async def _counts(world: World) -> dict[str, int]:
    async with world.ctx.database.session() as session:
        return await state.count_by_status(session, world.portal_id)


async def test_simple_crm_keeps_responses_pending_until_deals_are_chosen(world: World) -> None:
    first = await run_pass(world.ctx, world.portal_id)
    assert first.status == RunStatus.OK, first.errors
    leads_before = len(world.entities("lead"))
    world.bitrix_admin("POST", f"/_sandbox/portals/{world.domain}/crm-mode", mode=2)
    world.clock.advance(CLASSIC_TRUSTED_S)  # the first pass's «classic» answer is no longer trusted
    vacancy = first_vacancy(world)
    new_ids = {
        str(world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=vacancy)["id"])
        for _ in range(3)
    }

    blocked = await run_pass(world.ctx, world.portal_id)
    assert blocked.skipped == runs.SKIPPED_LEADS_OFF
    assert blocked.writes.failed == 0  # not one failure per response
    assert blocked.bitrix_requests == 1  # crm.settings.mode.get, once
    assert len(world.entities("lead")) == leads_before
    assert world.entities("deal") == []
    async with world.ctx.database.session() as session:
        pending = await state.list_negotiations(session, world.portal_id, SyncStatus.PENDING)
    assert {row.hh_negotiation_id for row in pending} == new_ids
    (view,) = await portal_views(world.ctx.database, world.clock.now(), world.portal_id)
    assert view.last_pass_error == runs.SKIPPED_LEADS_OFF
    assert (await _counts(world))["pending"] == 3

    again = await run_pass(world.ctx, world.portal_id, PassOptions(force=True))
    assert again.skipped == runs.SKIPPED_LEADS_OFF  # a simple-CRM answer is asked again each pass
    assert again.bitrix_requests == 1
    assert (await _counts(world))["failed"] == 0

    async with world.ctx.database.session() as session:
        await portals.save_settings(
            session,
            world.portal_id,
            {"entity_type": EntityType.DEAL.value, "category_id": None, "stage_map": {}},
            world.clock.now(),
        )
    switched = await run_pass(world.ctx, world.portal_id)
    assert switched.skipped is None, switched.skipped
    assert switched.writes.created >= 3
    deals = {deal["ORIGIN_ID"] for deal in world.entities("deal")}
    assert new_ids <= deals
    assert (await _counts(world))["pending"] == 0
