"""Новые отклики over real passes and the daemon's scheduler: the waiting figures after a pass
with failures, «Проверить сейчас» marking the portal due once however often it is pressed, never
while a pass holds the lease, refused on a paused portal; the daemon's claim tick runs the pass
it asked for; a recruiter reads only; another portal is never touched."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from hhsync.db import leases, portals, state, waiting
from hhsync.db.tables import PortalStatus, SyncStatus
from hhsync.metrics import Metrics
from hhsync.service.scheduler import PassScheduler
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from tests.integration.web.door_kit import snapshot
from tests.integration.web.inbox_journal_kit import ADMIN, RECRUITER, AppWorld, app_world

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DAEMON = "daemon-a"
WAIT_S = 90.0
"""The longest a test waits for the scheduler's passes (a bound, never an assertion)."""


@pytest.fixture
async def app(world: World, db_url: str) -> AsyncIterator[AppWorld]:
    """The app on the world."""
    async with app_world(world, db_url) as opened:
        yield opened


async def daemon_pass(app: AppWorld) -> None:
    """One pass as the daemon runs it: leased, then released with the next pass an interval on."""
    world = app.world
    ttl_s = world.ctx.settings.sync.lease_ttl_s
    async with world.ctx.database.session() as session:
        assert await leases.claim_portal(session, DAEMON, world.portal_id, world.clock.now(), ttl_s)
    await run_pass(world.ctx, world.portal_id)
    now = world.clock.now()
    async with world.ctx.database.session() as session:
        assert await leases.release(
            session, DAEMON, world.portal_id, now + timedelta(seconds=60), now
        )


async def check_events(app: AppWorld) -> int:
    async with app.world.ctx.database.session() as session:
        trail = await state.audit_trail(session, app.world.portal_id, limit=1000)
    return sum(e.event == waiting.CHECK_REQUESTED for e in trail)


async def test_the_waiting_figures_after_a_pass_with_failures(app: AppWorld) -> None:
    app.require_company()
    await daemon_pass(app)
    page = await app.open(ADMIN)
    answer = await page.get("/inbox")
    assert answer.status_code == 200, answer.text
    view = answer.json()
    async with app.world.ctx.database.session() as session:
        counts = await state.count_by_status(session, app.world.portal_id)
        vacancies = await state.list_vacancies(session, app.world.portal_id)
    assert counts[SyncStatus.FAILED] > 0
    assert view["waiting"] == {
        "total": counts["pending"] + counts["in_flight"] + counts["failed"],
        "pending": counts["pending"],
        "in_flight": counts["in_flight"],
        "failed": counts["failed"],
    }
    open_vacancies = [v for v in vacancies if not v.archived]
    assert view["hh"]["vacancies"] == len(open_vacancies)
    assert view["hh"]["responses"] == sum(v.counters["responses"] for v in open_vacancies)
    assert view["hh"]["responses"] > 0
    assert view["hh"]["invitations"] == sum(v.counters["invitations"] for v in open_vacancies)
    assert view["hh"]["unread"] == sum(v.counters["unread_responses"] for v in open_vacancies)
    portal = await app.portal()
    assert portal.next_pass_at is not None
    assert view["next_pass_at"] == portal.next_pass_at.isoformat()
    assert view["running"] is False
    assert view["due"] is False
    assert view["last_pass"]["status"] == "partial"
    assert view["can_check"] is True
    total = view["waiting"]["total"]
    assert f'<strong id="inbox-waiting" data-inbox="total">{total}</strong>' in page.html
    assert f'<time id="inbox-next-pass" datetime="{portal.next_pass_at.isoformat()}">' in page.html
    assert 'id="inbox-check-now" class="ui-btn --air ui-btn-md --style-filled"' in page.html


async def test_check_now_twice_makes_one_due_mark(app: AppWorld) -> None:
    await daemon_pass(app)
    page = await app.open(ADMIN)
    first = await page.post("/inbox/check")
    assert first.status_code == 200, first.text
    assert first.json()["result"] == "queued"
    assert first.json()["inbox"]["due"] is True
    marked = (await app.portal()).next_pass_at
    assert marked is not None
    assert marked <= app.world.clock.now()

    english = await (await app.open(ADMIN, lang="en")).post("/inbox/check")
    assert english.json()["message"] == "A check is already scheduled and starts in a few seconds."

    second = await page.post("/inbox/check")
    assert second.status_code == 200
    assert second.json()["result"] == "already_queued"
    assert (await app.portal()).next_pass_at == marked
    assert await check_events(app) == 1

    # The daemon's due query takes it once: a second claimer finds nothing.
    ttl_s = app.world.ctx.settings.sync.lease_ttl_s
    async with app.world.ctx.database.session() as session:
        now = app.world.clock.now()
        assert await leases.claim_due_portals(session, DAEMON, now, ttl_s, 10) == [
            app.world.portal_id
        ]
    async with app.world.ctx.database.session() as session:
        assert await leases.claim_due_portals(session, "daemon-b", now, ttl_s, 10) == []


async def test_check_now_while_a_pass_holds_the_lease_changes_nothing(app: AppWorld) -> None:
    await daemon_pass(app)
    page = await app.open(ADMIN)
    ttl_s = app.world.ctx.settings.sync.lease_ttl_s
    async with app.world.ctx.database.session() as session:
        assert await leases.claim_portal(
            session, DAEMON, app.world.portal_id, app.world.clock.now(), ttl_s
        )
    before = await snapshot(app.world.ctx.database)
    for _ in range(2):
        answer = await page.post("/inbox/check")
        assert answer.status_code == 200, answer.text
        assert answer.json()["result"] == "running"
        assert answer.json()["message"] == "Проверка уже идёт"
        assert answer.json()["inbox"]["running"] is True
    assert await snapshot(app.world.ctx.database) == before
    view = (await page.get("/inbox")).json()
    assert view["running"] is True
    assert view["check_status"] == "Проверка уже идёт"
    async with app.world.ctx.database.session() as session:
        now = app.world.clock.now()
        assert await leases.claim_due_portals(session, "daemon-b", now, ttl_s, 10) == []


async def test_check_now_is_refused_on_a_paused_or_unconfigured_portal(app: AppWorld) -> None:
    await daemon_pass(app)
    page = await app.open(ADMIN)
    async with app.world.ctx.database.session() as session:
        await portals.set_portal_status(
            session,
            app.world.portal_id,
            PortalStatus.PAUSED,
            "paused by an operator",
            app.world.clock.now(),
        )
    before = await snapshot(app.world.ctx.database)
    refused = await page.post("/inbox/check")
    assert refused.status_code == 409
    assert refused.json()["reason"] == "paused"
    assert "paused by an operator" in refused.json()["error"]
    assert refused.json()["error"].startswith("Синхронизация приостановлена")
    assert await snapshot(app.world.ctx.database) == before
    view = (await page.get("/inbox")).json()
    assert view["can_check"] is False
    assert "paused by an operator" in view["blocked"]


async def test_a_recruiter_sees_the_figures_and_cannot_check(app: AppWorld) -> None:
    await daemon_pass(app)
    page = await app.open(RECRUITER)
    assert (await page.get("/inbox")).status_code == 200
    before = await snapshot(app.world.ctx.database)
    refused = await page.post("/inbox/check")
    assert refused.status_code == 403
    assert refused.json()["reason"] == "not_admin"
    assert await snapshot(app.world.ctx.database) == before
    button = page.html.split('id="inbox-check-now"', 1)[1].split(">", 1)[0]
    assert "disabled" in button
    assert 'id="inbox-read-only"' in page.html
    assert (await app.client.post("/app/api/inbox/check")).status_code == 401


async def test_the_daemon_s_scheduler_runs_the_pass_check_now_asked_for(app: AppWorld) -> None:
    world = app.world
    scheduler = PassScheduler(world.ctx, Metrics())
    page = await app.open(ADMIN)
    scheduler.start()
    try:
        await until(lambda: scheduler.tally.by_portal.get(world.portal_id, 0) >= 1)
        await until_released(app)
        portal = await app.portal()
        assert portal.next_pass_at is not None
        assert portal.next_pass_at > world.clock.now()  # the next pass is an interval away

        answer = await page.post("/inbox/check")
        assert answer.json()["result"] in ("queued", "running")
        await until(lambda: scheduler.tally.by_portal.get(world.portal_id, 0) >= 2)
        await until_released(app)
        assert (await page.get("/inbox")).json()["running"] is False
    finally:
        await scheduler.stop_claiming()
        await scheduler.wait_passes(30)
        await scheduler.release_all()
        scheduler.shutdown()
    assert scheduler.tally.by_portal[world.portal_id] == 2


async def until(condition: object) -> None:
    """Wait (bounded) until ``condition()`` holds."""
    assert callable(condition)
    for _ in range(int(WAIT_S / 0.1)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the scheduler did not get there")


async def until_released(app: AppWorld) -> None:
    """Wait (bounded) until no pass holds the world's portal."""
    for _ in range(int(WAIT_S / 0.1)):
        async with app.world.ctx.database.session() as session:
            if not await waiting.pass_running(session, app.world.portal_id, app.world.clock.now()):
                return
        await asyncio.sleep(0.1)
    raise AssertionError("the lease was not released")
