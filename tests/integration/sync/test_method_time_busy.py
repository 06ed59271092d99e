"""Operating time other callers already spent on the portal's method budget.

Source: b24restdocs ``limits.md`` ("Resource Intensity Limits"): a method may run 480 s within ten
minutes; every answer reports the seconds spent as ``time.operating`` and when the oldest of them
drop out as ``time.operating_reset_at``; past the budget the method answers 429
``OPERATION_TIME_LIMIT`` (earlier docs: blocked for every application of the portal). The Bitrix24
sandbox's ``busy_s`` knob books those seconds as spent by others. Real PostgreSQL and both
sandboxes over HTTP, on the documented cost profile (crm-lead-add.md: 3.3 s a create).

The window's ten minutes pass by moving the Bitrix24 sandbox's clock, the engine's clock and the
clock of the engine's limiter on together.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from hhsync.bitrix.limiter import BitrixLimits, LimiterRegistry
from hhsync.clock import SystemClock
from hhsync.db import state
from hhsync.db.tables import RunStatus, SyncStatus
from hhsync.sandbox.bitrix.limits import WINDOW_S
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sync.engine import run_pass
from hhsync.testing.world import FIRST_CREATE_BATCH, World
from hhsync.web.app_api.reasons import explain

pytestmark = pytest.mark.postgres

BUDGET_S = 480.0
"""limits.md: operating seconds per method per ten minutes."""


@pytest.fixture
def hh_sandbox_config() -> HhSandboxConfig:
    return HhSandboxConfig(
        seed=23,
        employers=1,
        managers_per_employer=1,
        vacancies_per_employer=1,
        archived_vacancies_per_employer=0,
        applicants=40,
        negotiations_per_vacancy=20,
        rate_limit_per_s=0,
        resume_views_per_day=10_000,
    )


class LimiterClock(SystemClock):
    """The real clock whose monotonic seconds a test can move on, as ten minutes passing."""

    def __init__(self) -> None:
        self._offset_s = 0.0

    def monotonic(self) -> float:
        return super().monotonic() + self._offset_s

    def advance(self, seconds: float) -> None:
        self._offset_s += seconds


def advancing_limiter(world: World) -> LimiterClock:
    """Give the engine a limiter whose clock the test moves with the portal's window."""
    clock = LimiterClock()
    settings = world.ctx.settings
    world.ctx.limiters = LimiterRegistry(
        BitrixLimits(
            requests_per_s=settings.bitrix.requests_per_s,
            burst=settings.bitrix.burst,
            max_in_flight=settings.bitrix.max_connections_per_portal,
        ),
        clock=clock,
    )
    return clock


def ten_minutes_later(world: World, limiter_clock: LimiterClock) -> None:
    """The portal's window moves on: the Bitrix24 sandbox, the engine's limiter and its clock."""
    world.bitrix_admin("POST", "/_sandbox/time/advance", seconds=WINDOW_S + 1)
    limiter_clock.advance(WINDOW_S + 1)
    world.clock.advance(WINDOW_S + 1)


def busy(world: World, seconds: float) -> None:
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/method_time",
        profile="documented",
        busy_s={"crm.lead.add": seconds},
    )


def refused_for_time(world: World) -> int:
    """OPERATION_TIME_LIMIT answers the engine received (whole requests and batch commands)."""
    sample = world.ctx.metrics.bitrix_errors.labels("OPERATION_TIME_LIMIT")
    return int(sample._value.get())


def lead_add_times(world: World) -> list[datetime]:
    """When each request carrying a crm.lead.add reached the portal (sandbox time)."""
    log = world.bitrix_admin("GET", f"/_sandbox/portals/{world.domain}/requests?limit=5000")
    return [
        datetime.fromisoformat(r["at"])
        for r in log
        if r["method"] == "crm.lead.add" or "crm.lead.add" in r["commands"]
    ]


def sandbox_now(world: World) -> datetime:
    return datetime.fromisoformat(world.bitrix_admin("GET", "/_sandbox/time")["now"])


async def counts(world: World) -> dict[str, int]:
    async with world.ctx.database.session() as session:
        return await state.count_by_status(session, world.portal_id)


async def test_a_budget_mostly_spent_by_others_is_waited_out_not_exceeded(world: World) -> None:
    """limits.md: 480 s per method per ten minutes, ``time.operating`` and ``operating_reset_at`` in
    every answer. 450 of the 480 s are gone: hhsync's first creates show it (``time.operating``), so
    it sends no more crm.lead.add until ``operating_reset_at`` instead of running the method into
    the block. The responses it could not send wait, failed with the reason and retried at that
    instant (not sooner), and every one lands once the window frees."""
    limiter_clock = advancing_limiter(world)
    expected = world.hh_negotiations()
    assert expected >= 8  # far more creates than the 30 s left allow (3.3 s each)
    busy(world, BUDGET_S - 30)
    preloaded_at = sandbox_now(world)

    first = await run_pass(world.ctx, world.portal_id)

    assert refused_for_time(world) == 0  # never pushed the method into the block
    created = len(world.entities("lead"))
    assert 0 < created < expected
    assert created * 3.3 < 30  # what the others left, no more
    async with world.ctx.database.session() as session:
        waiting = await state.list_negotiations(session, world.portal_id, SyncStatus.FAILED)
    assert len(waiting) == expected - created == first.writes.failed
    assert {explain(n.last_error).code for n in waiting} == {"crm_time_limit"}
    assert all("crm.lead.add" in (n.last_error or "") for n in waiting)
    # retried when the others' seconds drop out, not at the ordinary backoff
    retry_in = {
        (n.next_retry_at - world.ctx.clock.now()).total_seconds()
        for n in waiting
        if n.next_retry_at is not None
    }
    assert len(retry_in) > 0
    assert all(WINDOW_S - 120 < seconds <= WINDOW_S for seconds in retry_in)

    sent = len(lead_add_times(world))
    await run_pass(world.ctx, world.portal_id)  # still inside the window: nothing is sent
    assert len(lead_add_times(world)) == sent

    ten_minutes_later(world, limiter_clock)
    last = await run_pass(world.ctx, world.portal_id)

    assert last.status == RunStatus.OK, last.errors
    assert refused_for_time(world) == 0
    leads = world.entities("lead")
    assert len(leads) == expected
    assert len({lead["ORIGIN_ID"] for lead in leads}) == expected
    assert await counts(world) == {
        "pending": 0,
        "in_flight": 0,
        "synced": expected,
        "failed": 0,
        "crm_deleted": 0,
    }
    freed = preloaded_at.timestamp() + WINDOW_S
    early = [t for t in lead_add_times(world) if t.timestamp() < freed]
    assert len(early) == sent


async def test_a_budget_spent_entirely_by_others_keeps_the_responses_with_a_reason(
    world: World,
) -> None:
    """limits.md: a method whose budget is spent answers 429 ``OPERATION_TIME_LIMIT`` until the
    window frees. All 480 s are gone before hhsync's first create: the portal refuses crm.lead.add
    (429 ``OPERATION_TIME_LIMIT``); the responses stay unsynced with a reason a person can read,
    are retried later (not in a tight loop: a bounded number of refused creates per pass), and
    land once the window frees."""
    limiter_clock = advancing_limiter(world)
    expected = world.hh_negotiations()
    busy(world, BUDGET_S)

    report = await run_pass(world.ctx, world.portal_id)

    assert world.entities("lead") == []
    refused = refused_for_time(world)
    # only the first create batches, those in flight before the first refusal came back: no storm
    in_flight = world.ctx.settings.bitrix.max_connections_per_portal
    assert 0 < refused <= in_flight * FIRST_CREATE_BATCH < expected
    left = await counts(world)
    assert left["synced"] == 0
    assert left["pending"] + left["failed"] + left["in_flight"] == expected
    async with world.ctx.database.session() as session:
        failed = await state.list_negotiations(session, world.portal_id, SyncStatus.FAILED)
    assert failed
    assert {explain(n.last_error).code for n in failed} == {"crm_time_limit"}
    assert all(n.next_retry_at is not None for n in failed)
    assert report.status in (RunStatus.OK, RunStatus.PARTIAL)

    # The same pass again before the retry is due sends nothing.
    before = len(lead_add_times(world))
    await run_pass(world.ctx, world.portal_id)
    assert len(lead_add_times(world)) == before

    # Ten minutes later the others' seconds dropped out; the retry lands everything once.
    ten_minutes_later(world, limiter_clock)
    world.clock.advance(world.ctx.settings.sync.retry_max_s)
    await run_pass(world.ctx, world.portal_id)
    leads = world.entities("lead")
    assert len(leads) == expected
    assert len({lead["ORIGIN_ID"] for lead in leads}) == expected
