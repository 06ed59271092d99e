"""A failing portal is announced once and its recovery once, whichever instance runs the passes.

Real daemons (:class:`Runner`) on real PostgreSQL with both sandboxes over HTTP. The first failure
is the portal taking the app's admin rights away (hhsync cannot create its user fields, so every
pass fails before it reads anything); the second is the app being uninstalled (its tokens die, so
the portal is parked until it is installed again).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from structlog.testing import capture_logs

from hhsync.db import portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import Portal, PortalStatus, RunStatus, SyncRun
from hhsync.metrics import Metrics
from hhsync.service.runner import Runner
from hhsync.service.scheduler import EVENT_PASS_CRASHED
from hhsync.service.status import PortalView, portal_views
from hhsync.sync.health import EVENT_FAILING, EVENT_PARKED, EVENT_RECOVERED
from hhsync.testing.portal import add_portal
from hhsync.testing.settings import runner_settings

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

HEALTH_EVENTS = {EVENT_FAILING, EVENT_RECOVERED, EVENT_PARKED}


async def finished_runs(database: Database, portal_id: int) -> list[SyncRun]:
    async with database.session() as session:
        query = (
            select(SyncRun)
            .where(col(SyncRun.portal_id) == portal_id, col(SyncRun.finished_at).is_not(None))
            .order_by(col(SyncRun.started_at))
        )
        return list((await session.exec(query)).all())


async def portal_status(database: Database, portal_id: int) -> str:
    async with database.session() as session:
        portal = await session.get(Portal, portal_id)
        assert portal is not None
        return portal.status


async def view(database: Database, runner: Runner, portal_id: int) -> PortalView:
    [one] = await portal_views(database, runner.ctx.clock.now(), portal_id)
    return one


async def run_until(runner: Runner, done: Callable[[], Awaitable[bool]]) -> None:
    """Run the daemon until ``done()`` holds, then stop it gracefully."""
    stop = asyncio.Event()
    running = asyncio.create_task(runner.run(stop, handle_signals=False))
    try:
        async with asyncio.timeout(90):  # a bound on the wait, not a timing assertion
            while not await done():  # noqa: ASYNC110 - the state is in the database
                await asyncio.sleep(0.1)
    finally:
        stop.set()
        await running


def health_gauge(metrics: Metrics, portal_id: int, state: str) -> float | None:
    return metrics.registry.get_sample_value(
        "hhsync_portal_health", {"portal": str(portal_id), "state": state}
    )


def transitions(metrics: Metrics, state: str) -> float | None:
    return metrics.registry.get_sample_value(
        "hhsync_portal_health_transitions_total", {"state": state}
    )


def events(logs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [entry for entry in logs if entry["event"] == name]


async def test_three_failed_passes_log_one_warning_and_the_recovery_one_line(
    sandboxes: tuple[str, str], db_url: str, cipher: TokenCipher
) -> None:
    hh_url, bitrix_url = sandboxes
    hh = httpx.AsyncClient(base_url=hh_url, headers={"User-Agent": "hhsync-tests"}, timeout=30)
    bitrix = httpx.AsyncClient(base_url=bitrix_url, timeout=30)
    database = Database(db_url, pool_size=8)
    settings = runner_settings(hh_url, db_url)
    domain = "failing.bitrix24.ru"
    try:
        portal_id = await add_portal(database, cipher, hh, bitrix, domain)
        # The app's user is no longer a portal administrator: creating user fields is refused.
        demoted = await bitrix.post(
            f"/_sandbox/portals/{domain}/users", json={"id": 1, "admin": False}
        )
        assert demoted.status_code == 200, demoted.text

        async def three_failed() -> bool:
            runs = await finished_runs(database, portal_id)
            return sum(r.status == RunStatus.FAILED for r in runs) >= 3

        alpha = Runner(settings, database, cipher, instance_id="alpha", serve_web=False, tick_s=0.2)
        with capture_logs() as failing_logs:
            await run_until(alpha, three_failed)

        runs = await finished_runs(database, portal_id)
        failed = [r for r in runs if r.status == RunStatus.FAILED]
        assert len(failed) >= 3
        assert all(r.status == RunStatus.FAILED for r in runs)  # nothing else happened
        [failing] = events(failing_logs, EVENT_FAILING)
        assert failing["log_level"] == "warning"
        assert failing["portal"] == portal_id
        assert "Access denied" in failing["reason"]
        # One warning for the whole streak: no line per failed pass at warning level or above.
        loud = [e for e in failing_logs if e["log_level"] in ("warning", "error", "critical")]
        assert [e["event"] for e in loud] == [EVENT_FAILING]
        assert not events(failing_logs, EVENT_PASS_CRASHED)

        during = await view(database, alpha, portal_id)
        assert during.health == "failing"
        assert during.failing_passes == len(failed)
        assert during.failing_since is not None
        assert failed[0].finished_at is not None
        assert failed[0].finished_at <= during.failing_since <= failed[1].started_at
        assert during.health_reason is not None
        assert "Access denied" in during.health_reason
        assert during.as_json()["failing_since"] == during.failing_since.isoformat()
        assert health_gauge(alpha.metrics, portal_id, "failing") == 1
        assert health_gauge(alpha.metrics, portal_id, "ok") == 0
        assert transitions(alpha.metrics, "failing") == 1

        # Rights are back; another instance (or this one restarted) takes the portal over.
        restored = await bitrix.post(
            f"/_sandbox/portals/{domain}/users", json={"id": 1, "admin": True}
        )
        assert restored.status_code == 200, restored.text
        beta = Runner(settings, database, cipher, instance_id="beta", serve_web=False, tick_s=0.2)

        async def recovered() -> bool:
            return beta.scheduler.tally.passes >= 1

        with capture_logs() as recovery_logs:
            await run_until(beta, recovered)

        last = (await finished_runs(database, portal_id))[-1]
        assert last.instance_id == "beta"
        assert last.status in (RunStatus.OK, RunStatus.PARTIAL)
        [recovery] = events(recovery_logs, EVENT_RECOVERED)
        assert recovery["log_level"] == "info"
        assert recovery["was"] == "failing"
        assert recovery["failing_passes"] == len(failed)
        assert recovery["failing_s"] > 0
        assert not events(recovery_logs, EVENT_FAILING)
        assert transitions(beta.metrics, "ok") == 1
        assert health_gauge(beta.metrics, portal_id, "ok") == 1
        assert health_gauge(beta.metrics, portal_id, "failing") == 0

        after = await view(database, beta, portal_id)
        assert (after.health, after.failing_passes, after.failing_since) == ("ok", 0, None)
        assert after.health_reason is None
        assert after.health_since is not None
        assert last.finished_at is not None
        assert after.health_since >= last.finished_at
    finally:
        await hh.aclose()
        await bitrix.aclose()
        await database.dispose()


async def test_a_parked_portal_is_announced_once_and_recovers_after_a_reinstall(
    sandboxes: tuple[str, str], db_url: str, cipher: TokenCipher
) -> None:
    hh_url, bitrix_url = sandboxes
    hh = httpx.AsyncClient(base_url=hh_url, headers={"User-Agent": "hhsync-tests"}, timeout=30)
    bitrix = httpx.AsyncClient(base_url=bitrix_url, timeout=30)
    database = Database(db_url, pool_size=8)
    settings = runner_settings(hh_url, db_url)
    domain = "parked.bitrix24.ru"
    try:
        portal_id = await add_portal(database, cipher, hh, bitrix, domain)
        gone = await bitrix.post(f"/_sandbox/portals/{domain}/uninstall", json={})
        assert gone.status_code == 200, gone.text
        runner = Runner(
            settings, database, cipher, instance_id="alpha", serve_web=False, tick_s=0.2
        )

        # Nobody is told of the uninstall (no handler bound): the pass that finds the app gone
        # marks the portal uninstalled and parks it.
        async def parked() -> bool:
            return await portal_status(database, portal_id) == PortalStatus.UNINSTALLED

        with capture_logs() as parked_logs:
            await run_until(runner, parked)

        [announced] = events(parked_logs, EVENT_PARKED)
        assert announced["log_level"] == "warning"
        assert {e["event"] for e in parked_logs} & HEALTH_EVENTS == {EVENT_PARKED}
        during = await view(database, runner, portal_id)
        assert during.health == "parked"
        assert during.health_reason == announced["reason"]
        assert during.failing_since is None
        assert health_gauge(runner.metrics, portal_id, "parked") == 1
        assert transitions(runner.metrics, "parked") == 1

        # The app is installed again: the install handler stores the new tokens.
        again = await bitrix.post(f"/_sandbox/portals/{domain}/reinstall", json={})
        assert again.status_code == 200, again.text
        info = again.json()
        now = runner.ctx.clock.now()
        async with database.session() as session:
            await portals.install_portal(
                session,
                cipher,
                portals.PortalInstall(
                    member_id=info["member_id"],
                    domain=info["domain"],
                    client_endpoint=info["client_endpoint"],
                    server_endpoint=info["server_endpoint"],
                    access_token=info["access_token"],
                    refresh_token=info["refresh_token"],
                    access_expires_at=now + timedelta(seconds=info["expires_in"]),
                    application_token=info["application_token"],
                ),
                now,
            )
        # Until a pass proves the new tokens, the stored health stays what the last pass found.
        assert (await view(database, runner, portal_id)).health == "parked"

        restarted = Runner(
            settings, database, cipher, instance_id="alpha", serve_web=False, tick_s=0.2
        )

        async def synced() -> bool:
            return restarted.scheduler.tally.passes >= 1

        with capture_logs() as recovery_logs:
            await run_until(restarted, synced)

        [recovery] = events(recovery_logs, EVENT_RECOVERED)
        assert recovery["was"] == "parked"
        assert {e["event"] for e in recovery_logs} & HEALTH_EVENTS == {EVENT_RECOVERED}
        assert (await view(database, restarted, portal_id)).health == "ok"
        assert health_gauge(restarted.metrics, portal_id, "ok") == 1
    finally:
        await hh.aclose()
        await bitrix.aclose()
        await database.dispose()
