"""A portal Bitrix24 support blocked (``OVERLOAD_LIMIT``) waits minutes, then longer; others go on.

Real daemon (:class:`Runner`) on real PostgreSQL with both sandboxes over HTTP. The Bitrix24
sandbox answers the documented 503 ``OVERLOAD_LIMIT`` "REST API is blocked due to overload" to
every call of one portal until it is lifted (Bitrix24 REST docs, ``_includes/system-errors.md``:
a manual block only support lifts), while a second portal works normally.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import Portal, RunStatus
from hhsync.service.runner import Runner
from hhsync.service.scheduler import EVENT_HELD
from hhsync.sync.health import EVENT_FAILING
from hhsync.testing.portal import add_portal
from hhsync.testing.settings import runner_settings
from tests.integration.service.test_portal_health import events, finished_runs, run_until, view

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


async def refusals(bitrix: httpx.AsyncClient, domain: str) -> int:
    answer = await bitrix.get(f"/_sandbox/portals/{domain}/requests?limit=1000")
    log: list[dict[str, Any]] = answer.json()
    return sum(1 for entry in log if entry["error"] == "OVERLOAD_LIMIT")


async def due_now(database: Database, portal_id: int) -> None:
    """Pretend the hold has passed (the test does not wait ten minutes)."""
    async with database.session() as session:
        portal = await session.get(Portal, portal_id)
        assert portal is not None
        portal.next_pass_at = None
        session.add(portal)


async def test_a_blocked_portal_waits_longer_each_time_and_the_other_portal_goes_on(
    sandboxes: tuple[str, str], db_url: str, cipher: TokenCipher
) -> None:
    hh_url, bitrix_url = sandboxes
    hh = httpx.AsyncClient(base_url=hh_url, headers={"User-Agent": "hhsync-tests"}, timeout=30)
    bitrix = httpx.AsyncClient(base_url=bitrix_url, timeout=30)
    database = Database(db_url, pool_size=8)
    settings = runner_settings(hh_url, db_url)
    try:
        blocked_id = await add_portal(database, cipher, hh, bitrix, "blocked.bitrix24.ru")
        other_id = await add_portal(database, cipher, hh, bitrix, "other.bitrix24.ru")
        answer = await bitrix.post(
            "/_sandbox/portals/blocked.bitrix24.ru/blocks", json={"code": "OVERLOAD_LIMIT"}
        )
        assert answer.status_code == 200, answer.text
        runner = Runner(
            settings, database, cipher, instance_id="alpha", serve_web=False, tick_s=0.2
        )

        async def other_ran_thrice() -> bool:
            return len(await finished_runs(database, other_id)) >= 3

        with capture_logs() as logs:
            await run_until(runner, other_ran_thrice)

        [blocked_run] = await finished_runs(database, blocked_id)  # one pass, then it waits
        assert blocked_run.status == RunStatus.FAILED
        assert await refusals(bitrix, "blocked.bitrix24.ru") == 1  # asked once, no tight loop
        other_runs = await finished_runs(database, other_id)
        assert other_runs[0].status in (RunStatus.OK, RunStatus.PARTIAL)
        seen = await view(database, runner, blocked_id)
        assert seen.health == "failing"
        assert seen.health_reason is not None
        assert "OVERLOAD_LIMIT" in seen.health_reason
        assert seen.next_pass_at is not None
        assert blocked_run.finished_at is not None
        first_wait = (seen.next_pass_at - blocked_run.finished_at).total_seconds()
        assert first_wait >= 600
        [failing] = events(logs, EVENT_FAILING)
        assert failing["portal"] == blocked_id
        assert (await view(database, runner, other_id)).health == "ok"

        await due_now(database, blocked_id)

        async def blocked_ran_again() -> bool:
            return len(await finished_runs(database, blocked_id)) >= 2

        restarted = Runner(
            settings, database, cipher, instance_id="beta", serve_web=False, tick_s=0.2
        )
        with capture_logs() as later_logs:
            await run_until(restarted, blocked_ran_again)
        second_run = (await finished_runs(database, blocked_id))[1]
        again = await view(database, restarted, blocked_id)
        assert again.next_pass_at is not None
        assert second_run.finished_at is not None
        second_wait = (again.next_pass_at - second_run.finished_at).total_seconds()
        assert second_wait >= 2 * 600 - 1  # it doubles while the block lasts
        [held] = [e for e in later_logs if e["event"] == EVENT_HELD]
        assert held["next_pass_in_s"] == 1200
        assert again.failing_passes == 2
        assert not events(later_logs, EVENT_FAILING)  # said once per streak
    finally:
        await hh.aclose()
        await bitrix.aclose()
        await database.dispose()
