"""An import on a portal as slow as the documented examples (crm-lead-add.md: 3.3 s a create;
limits.md: a request is cut off at 60 s, 480 s of method time per 10 minutes): every response
synced once, batches sized so that none runs into the cut-off, none refused for method time."""

from __future__ import annotations

from collections import Counter

import pytest

from hhsync.db import state
from hhsync.db.tables import RunStatus
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World


@pytest.fixture
def hh_sandbox_config() -> HhSandboxConfig:
    return HhSandboxConfig(
        seed=13,
        employers=1,
        managers_per_employer=1,
        vacancies_per_employer=3,
        archived_vacancies_per_employer=0,
        applicants=60,
        negotiations_per_vacancy=16,
        rate_limit_per_s=0,
        resume_views_per_day=10_000,
    )


def batch_statuses(world: World) -> Counter[int]:
    log = world.bitrix_admin("GET", f"/_sandbox/portals/{world.domain}/requests?limit=5000")
    return Counter(r["status"] for r in log if r["method"] == "batch")


async def test_an_import_on_the_documented_portal_is_exact_without_504s(world: World) -> None:
    world.bitrix_admin(
        "POST", f"/_sandbox/portals/{world.domain}/method_time", profile="documented"
    )
    expected = world.hh_negotiations()
    assert expected >= 40
    report = await run_pass(world.ctx, world.portal_id)
    assert report.status == RunStatus.OK, report.errors
    leads = world.entities("lead")
    assert len(leads) == expected
    assert len({lead["ORIGIN_ID"] for lead in leads}) == expected
    assert len(world.entities("activity")) == expected
    assert report.writes.outcome_unknown == 0
    statuses = batch_statuses(world)
    assert statuses[504] == 0  # sized by time, no batch nears the cut-off
    assert statuses[429] == 0
    assert statuses[200] > expected / 16  # smaller batches than the 16 a count would give
    async with world.ctx.database.session() as session:
        counts = await state.count_by_status(session, world.portal_id)
    assert counts == {
        "pending": 0,
        "in_flight": 0,
        "synced": expected,
        "failed": 0,
        "crm_deleted": 0,
    }
