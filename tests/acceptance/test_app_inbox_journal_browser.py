"""Новые отклики and Журнал in a real Chromium, the app served over real HTTP on real PostgreSQL.

The app page is opened as Bitrix24 opens it (the portal's form POSTed to ``/b24/app``). The inbox
shows the responses not in the CRM; «Проверить сейчас» says the check is scheduled and, once
the daemon's pass (run here under its lease, as the daemon does) has ended, that it is done. The
log lists the failures in words, a hostile applicant name shows as text and never as markup,
«Повторить» and «Повторить все» make them due, and the next pass turns the rows into links to
their cards on the portal. The browser reports no script error and no failed request.

Screenshots go to ``tests/artifacts/app-*.png`` (not committed).
"""

from __future__ import annotations

import html
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import update
from sqlmodel import col

from hhsync.db import leases, state
from hhsync.db.tables import Negotiation, SyncStatus
from hhsync.service.web_server import WebServer, bind
from hhsync.sync.engine import run_pass
from hhsync.testing.browser import BrowserWatch
from hhsync.testing.world import World
from hhsync.web.context import WebContext
from tests.integration.sync.test_crm_deleted import delete_in_crm
from tests.integration.web.door_kit import door_app, door_settings, netloc
from tests.integration.web.inbox_journal_kit import (
    ADMIN,
    REQUIRED_FIELD,
    REQUIRED_LABEL,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WAIT_MS = 20_000  # a bound on each wait in the browser, never a timing assertion
HOSTILE = '</script><img src=x onerror=alert(1)> "Иван" & <b>'
DAEMON = "daemon-a"


@pytest.fixture
async def app_url(world: World, db_url: str) -> AsyncIterator[str]:
    """The app with the door over real HTTP in this event loop (as the daemon serves it), its
    public URL its own address."""
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


async def daemon_pass(world: World) -> None:
    """A pass as the daemon runs it: leased, then released with the next pass a minute on."""
    ttl_s = world.ctx.settings.sync.lease_ttl_s
    async with world.ctx.database.session() as session:
        assert await leases.claim_portal(session, DAEMON, world.portal_id, world.clock.now(), ttl_s)
    await run_pass(world.ctx, world.portal_id)
    now = world.clock.now()
    async with world.ctx.database.session() as session:
        next_at = now + timedelta(seconds=60)
        assert await leases.release(session, DAEMON, world.portal_id, next_at, now)


async def open_app(page: Page, world: World, app_url: str, user_id: int) -> None:
    """POST the portal's frame form to ``/b24/app`` as Bitrix24 does (top level here)."""
    info = world.bitrix_admin("POST", f"/_sandbox/portals/{world.domain}/tokens", user_id=user_id)
    query = str(httpx.QueryParams(info["app_query"]))
    fields = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(str(v))}">'
        for k, v in info["app_form"].items()
    )
    await page.set_content(
        f'<form id="f" method="post" action="{app_url}/b24/app?{query}">{fields}</form>'
    )
    async with page.expect_navigation():
        await page.evaluate("document.getElementById('f').submit()")


async def test_the_two_tabs_in_a_browser(
    world: World, app_url: str, browser: Browser, artifacts: Path
) -> None:
    world.bitrix_admin(
        "POST",
        f"/_sandbox/portals/{world.domain}/required",
        entity="lead",
        field=REQUIRED_FIELD,
        label=REQUIRED_LABEL,
    )
    await daemon_pass(world)
    async with world.ctx.database.session() as session:
        failed_rows = (
            await session.exec(
                update(Negotiation)
                .where(
                    col(Negotiation.portal_id) == world.portal_id,
                    col(Negotiation.sync_status) == SyncStatus.FAILED,
                )
                .values(applicant_name=HOSTILE)
                .returning(col(Negotiation.id))
            )
        ).all()
    failed = len(failed_rows)
    assert failed > 0

    context = await browser.new_context(locale="ru-RU", timezone_id="Asia/Yekaterinburg")
    watch = BrowserWatch(app_url)
    watch.attach(context)
    alerts: list[str] = []
    page = await context.new_page()
    page.on("dialog", lambda dialog: alerts.append(dialog.message))
    await open_app(page, world, app_url, ADMIN)

    # Новые отклики: the figure, then «Проверить сейчас» until the pass it asked for is over.
    await page.click("button[data-tab=inbox]")
    async with world.ctx.database.session() as session:
        counts = await state.count_by_status(session, world.portal_id)
    waiting = counts["pending"] + counts["in_flight"] + counts["failed"]
    await expect(page.locator("#inbox-waiting")).to_have_text(str(waiting), timeout=WAIT_MS)
    next_pass = page.locator("#inbox-next-pass")
    assert await next_pass.get_attribute("datetime")
    assert "UTC" not in (await next_pass.text_content() or "")  # shown in the reader's zone
    await page.click("#inbox-check-now")
    status = page.locator("#inbox-check-status")
    await expect(status).to_have_text(
        "Проверка запланирована и начнётся в ближайшие секунды.", timeout=WAIT_MS
    )
    await page.screenshot(path=str(artifacts / "app-inbox-queued.png"), full_page=True)
    await daemon_pass(world)
    await expect(status).to_have_text("Проверка завершена.", timeout=WAIT_MS)

    # Журнал: failures in words, the hostile name as text, «Повторить» on a row and for all.
    await page.click("button[data-tab=journal]")
    rows = page.locator("#journal-table tr[data-status=failed]")
    await expect(rows.first).to_be_visible(timeout=WAIT_MS)
    assert await rows.count() == min(failed, 25)
    first = rows.first
    await expect(first.locator(".journal-reason")).to_contain_text(f"«{REQUIRED_LABEL}»")
    await expect(first.locator(".journal-applicant")).to_have_text(HOSTILE)
    assert await page.locator("#journal-table img, #journal-table b").count() == 0
    await page.screenshot(path=str(artifacts / "app-journal-failed.png"), full_page=True)

    await first.locator("button.journal-retry").click()
    await expect(page.locator("#journal-status")).to_have_text(
        "Отклик будет отправлен снова при ближайшей проверке.", timeout=WAIT_MS
    )
    await page.click("#journal-retry-all")
    await expect(page.locator("#journal-status")).to_contain_text(
        f"Откликов к повтору: {failed}", timeout=WAIT_MS
    )

    world.bitrix_admin(
        "DELETE", f"/_sandbox/portals/{world.domain}/required", entity="lead", field=REQUIRED_FIELD
    )
    await daemon_pass(world)
    await page.select_option("#journal-filter", "synced")
    synced = page.locator("#journal-table tr[data-status=synced]")
    await expect(synced.first).to_be_visible(timeout=WAIT_MS)
    link = synced.first.locator("a.journal-entity")
    href = await link.get_attribute("href")
    assert href is not None
    assert href.startswith(f"https://{world.domain}/crm/lead/details/")
    assert await link.get_attribute("target") == "_top"
    assert await page.locator("#journal-table tr[data-status=failed]").count() == 0
    await page.screenshot(path=str(artifacts / "app-journal-synced.png"), full_page=True)

    # A lead the HR team deleted by hand (b24restdocs crm.lead.delete), met by the next write:
    # listed as deleted in the CRM, named without a link, with a note and no «Повторить».
    lead = world.entities("lead")[0]
    delete_in_crm(world, "lead", lead["ID"])
    world.hh_admin(
        "POST", f"/_sandbox/negotiations/{lead['ORIGIN_ID']}/state", employer_state="interview"
    )
    await daemon_pass(world)  # an in-progress state moves the vacancy's counters: read at once
    await page.select_option("#journal-filter", "deleted")
    gone = page.locator("#journal-table tr[data-status=crm_deleted]")
    await expect(gone).to_have_count(1, timeout=WAIT_MS)
    await expect(gone.locator(".journal-status")).to_have_text("Удалён в CRM")
    await expect(gone.locator(".journal-note")).to_contain_text("удалили в Битрикс24 вручную")
    await expect(gone.locator(".journal-entity-gone")).to_have_text(f"Лид №{lead['ID']} (удалён)")
    assert await gone.locator("a.journal-entity, button.journal-retry").count() == 0
    await page.screenshot(path=str(artifacts / "app-journal-deleted.png"), full_page=True)

    assert alerts == []
    # Opened at the top level (not in the portal's frame), the browser also asks for a favicon.
    errors = [e for e in watch.errors if "/favicon.ico" not in e]
    assert errors == [], json.dumps(errors, ensure_ascii=False)
    assert watch.failed == [], watch.failed
    await context.close()
