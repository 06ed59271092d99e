"""A deep vacancy's gap on «Новые отклики» in a real Chromium, the app over real HTTP on real
PostgreSQL: hh.ru (the sandbox, refusing pages past 50 items) will not hand over part of one
vacancy's responses and no filter can split them finer, the full read stores the gap, and the tab
names the vacancy and the count, the vacancy's hostile name shown as text, never as markup.

Screenshot: ``tests/artifacts/app-inbox-deep-gap.png`` (not committed).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import update
from sqlmodel import col

from hhsync.db import accounts, state
from hhsync.db.tables import Vacancy
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.service.web_server import WebServer, bind
from hhsync.sync.reading import read_account
from hhsync.testing.browser import BrowserWatch
from hhsync.testing.world import World
from hhsync.web.context import WebContext
from tests.acceptance.test_app_inbox_journal_browser import open_app
from tests.integration.web.door_kit import door_app, door_settings, netloc
from tests.integration.web.inbox_journal_kit import ADMIN

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WAIT_MS = 20_000  # a bound on each wait in the browser, never a timing assertion
HOSTILE = "</li><img src=x onerror=alert(1)> «Курьер» & <b>"
FACELESS = {
    "gender": None,
    "birth_year": None,
    "salary": None,
    "total_experience_months": 100,
    "education_level": "higher",
}


@pytest.fixture
def hh_sandbox_config() -> HhSandboxConfig:
    """One employer with one open vacancy."""
    return HhSandboxConfig(
        seed=5,
        employers=1,
        managers_per_employer=1,
        vacancies_per_employer=1,
        archived_vacancies_per_employer=0,
        applicants=20,
        negotiations_per_vacancy=10,
        rate_limit_per_s=0,
    )


@pytest.fixture
async def app_url(world: World, db_url: str) -> AsyncIterator[str]:
    """The app with the door over real HTTP in this event loop, as the daemon serves it."""
    sock = bind("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = door_settings(db_url, [netloc(world.bitrix_url)], HHSYNC_WEB__PUBLIC_URL=url)
    async with httpx.AsyncClient(timeout=10) as outbound:
        ctx = WebContext(settings, world.ctx.database, world.ctx.cipher, outbound, world.clock)
        server = WebServer(door_app(ctx), sock)
        await server.start()
        try:
            yield url
        finally:
            await server.stop()


async def test_the_gap_is_named_on_the_inbox_tab(
    world: World, app_url: str, browser: Browser, artifacts: Path
) -> None:
    [vacancy] = world.hh_admin("GET", "/_sandbox/state")["vacancies"]
    world.hh_admin(
        "POST", f"/_sandbox/vacancies/{vacancy['id']}/responses", count=120, resume=FACELESS
    )
    world.hh_admin("POST", "/_sandbox/limits", depth_limit=50)
    async with world.ctx.database.session() as session:
        [account] = await accounts.list_accounts(session, world.portal_id)
    await read_account(
        world.ctx.database,
        world.ctx.hh_client(account),
        account,
        include_archived=False,
        reconcile_s=21_600,
        watch_s=world.ctx.settings.sync.state_watch_period_s,
        now=world.clock.now(),
        force=True,
    )
    async with world.ctx.database.session() as session:
        [row] = await state.list_vacancies(session, world.portal_id)
        gap = row.missing_negotiations
        assert gap > 0
        await session.exec(update(Vacancy).where(col(Vacancy.id) == row.id).values(name=HOSTILE))

    context = await browser.new_context(locale="ru-RU")
    watch = BrowserWatch(app_url)
    watch.attach(context)
    alerts: list[str] = []
    page = await context.new_page()
    page.on("dialog", lambda dialog: alerts.append(dialog.message))
    await open_app(page, world, app_url, ADMIN)
    await page.click("button[data-tab=inbox]")

    item = page.locator(f'#inbox-gaps li[data-vacancy="{vacancy["id"]}"]')
    await expect(item).to_be_visible(timeout=WAIT_MS)
    await expect(item).to_contain_text(f"Вакансия «{HOSTILE}»")
    await expect(item).to_contain_text(f"не прочитано: {gap}")
    assert await page.locator("#inbox-gaps li").count() == 1
    assert await page.locator("#inbox img, #inbox-gaps b").count() == 0
    await page.screenshot(path=str(artifacts / "app-inbox-deep-gap.png"), full_page=True)

    assert alerts == []
    errors = [e for e in watch.errors if "/favicon.ico" not in e]
    assert errors == [], json.dumps(errors, ensure_ascii=False)
    assert watch.failed == [], watch.failed
    await context.close()
