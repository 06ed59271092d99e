"""A portal so slow that the first create batch runs past the 60 s cut-off (limits.md: the
request "is interrupted by timeout", nginx answers 504, the creates finished before it stay).
The batch's outcome is unknown: its negotiations wait in flight and are adopted by ORIGIN_ID,
never created twice; the next batches are small enough to finish."""

from __future__ import annotations

from collections import Counter

import pytest

from hhsync.db import state
from hhsync.db.tables import RunStatus
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sync.engine import run_pass
from hhsync.testing.world import FIRST_CREATE_BATCH, World

SLOW_LEAD_S = 40.0
"""Seconds one crm.lead.add takes: two in one batch cannot finish within 60 s."""


@pytest.fixture
def hh_sandbox_config() -> HhSandboxConfig:
    return HhSandboxConfig(
        seed=17,
        employers=1,
        managers_per_employer=1,
        vacancies_per_employer=1,
        archived_vacancies_per_employer=0,
        applicants=10,
        negotiations_per_vacancy=6,
        rate_limit_per_s=0,
    )


def batch_statuses(world: World) -> Counter[int]:
    log = world.bitrix_admin("GET", f"/_sandbox/portals/{world.domain}/requests?limit=5000")
    return Counter(r["status"] for r in log if r["method"] == "batch")


async def test_a_504_on_a_create_batch_is_adopted_and_the_next_batches_shrink(
    world: World,
) -> None:
    assert FIRST_CREATE_BATCH * SLOW_LEAD_S > 60
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/method_time",
        profile="documented",
        base_s={"crm.lead.add": SLOW_LEAD_S},
    )
    expected = world.hh_negotiations()
    first = await run_pass(world.ctx, world.portal_id)
    assert first.status == RunStatus.OK, first.errors
    assert first.writes.outcome_unknown == FIRST_CREATE_BATCH  # one batch, not a storm
    assert batch_statuses(world)[504] == 1
    assert first.writes.created == expected - FIRST_CREATE_BATCH  # the rest went through

    world.wait_out_in_flight()
    second = await run_pass(world.ctx, world.portal_id)
    assert second.status == RunStatus.OK, second.errors
    leads = world.entities("lead")
    assert len(leads) == expected
    assert len({lead["ORIGIN_ID"] for lead in leads}) == expected  # no duplicates
    assert second.writes.adopted + second.writes.created == FIRST_CREATE_BATCH
    assert second.writes.adopted >= 1  # the lead the cut-off batch finished
    activities = world.entities("activity")
    assert Counter(str(a["OWNER_ID"]) for a in activities) == Counter(
        {str(lead["ID"]): 1 for lead in leads}
    )
    assert batch_statuses(world)[504] == 1  # recovered: no further cut-off
    async with world.ctx.database.session() as session:
        counts = await state.count_by_status(session, world.portal_id)
    assert counts == {
        "pending": 0,
        "in_flight": 0,
        "synced": expected,
        "failed": 0,
        "crm_deleted": 0,
    }
