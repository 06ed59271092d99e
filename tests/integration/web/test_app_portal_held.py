"""The app page says who must act when Bitrix24 refuses the portal until a person does.

Real PostgreSQL, both sandboxes over HTTP, the app's page as a portal opens it. The Bitrix24
sandbox answers 503 ``OVERLOAD_LIMIT`` "REST API is blocked due to overload" (Bitrix24 REST docs,
``_includes/system-errors.md``: a manual block only support lifts) and 401
``METHOD_CONFIRM_WAITING`` (``api-reference/scopes/confirmation.md``) until lifted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hhsync.metrics import Metrics
from hhsync.service.health import HealthRecorder
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from tests.integration.web.inbox_journal_kit import ADMIN, RECRUITER, AppWorld, app_world

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
async def app(world: World, db_url: str) -> AsyncIterator[AppWorld]:
    """The app on the world."""
    async with app_world(world, db_url) as opened:
        yield opened


async def held_pass(app: AppWorld, code: str, method: str) -> None:
    """A pass the portal refuses with ``code``, its verdict recorded as the daemon records it."""
    world = app.world
    answer = world.bitrix.post(
        f"/_sandbox/portals/{world.domain}/blocks", json={"code": code, "method": method}
    )
    assert answer.status_code == 200, answer.text
    report = await run_pass(world.ctx, world.portal_id)
    recorder = HealthRecorder(world.ctx.database, world.clock, Metrics())
    assert await recorder.passed(report, lease_owner=None) is not None


def banner_of(html: str) -> str:
    assert 'id="auth-banner-portal"' in html
    return html.split('id="auth-banner-portal"', 1)[1].split("</div>", 1)[0]


async def test_a_blocked_portal_shows_that_only_bitrix24_support_can_lift_it(
    app: AppWorld,
) -> None:
    await held_pass(app, "OVERLOAD_LIMIT", "batch")
    for user in (ADMIN, RECRUITER):
        banner = banner_of((await app.open(user)).html)
        assert "Битрикс24 заблокировал REST API портала" in banner
        assert "техподдержка" in banner.lower()
        assert "OVERLOAD_LIMIT" in banner  # the portal's own words, as the reason line
    english = banner_of((await app.open(ADMIN, lang="en")).html)
    assert "Only Bitrix24 support can lift it" in english


async def test_a_method_awaiting_confirmation_asks_the_administrator_to_confirm(
    app: AppWorld,
) -> None:
    await held_pass(app, "METHOD_CONFIRM_WAITING", "crm.lead.add")
    banner = banner_of((await app.open(ADMIN)).html)
    assert "Метод ждёт подтверждения администратора" in banner
    assert "crm.lead.add" in banner
    app.world.bitrix.delete(f"/_sandbox/portals/{app.world.domain}/blocks").raise_for_status()
    app.world.clock.advance(3 * app.world.ctx.settings.sync.retry_base_s)
    await held_pass_cleared(app)
    assert 'id="auth-banner-portal"' not in (await app.open(ADMIN)).html


async def held_pass_cleared(app: AppWorld) -> None:
    world = app.world
    report = await run_pass(world.ctx, world.portal_id)
    recorder = HealthRecorder(world.ctx.database, world.clock, Metrics())
    await recorder.passed(report, lease_owner=None)
