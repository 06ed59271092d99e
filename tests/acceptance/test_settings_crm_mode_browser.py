"""The «Настройки» tab in a real Chromium on a simple-CRM portal (no leads): «Лид» is disabled
with the reason, the form stands on deals with the main pipeline's stages, and a save keeps deals.

The portal is the Bitrix24 sandbox with its ``crm-mode`` knob at 2 (``crm.settings.mode.get``,
b24restdocs ``crm/crm-settings-mode-get.md``). The browser must report no script error and no
failed request. Screenshots go to ``tests/artifacts/settings-simple-crm-*.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from hhsync.db import portals
from hhsync.db.crypto import TokenCipher
from hhsync.testing.browser import BrowserWatch, app_frame
from tests.acceptance.test_settings_browser import WAIT_MS, shot, stage

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


async def test_leads_are_disabled_with_the_reason_and_deals_are_saved(
    browser: Browser, artifacts: Path, db_url: str, cipher: TokenCipher
) -> None:
    async with stage(db_url, cipher) as world:
        mode = await world.bitrix.post(
            f"/_sandbox/portals/{world.domain}/crm-mode", json={"mode": 2}
        )
        assert mode.status_code == 200, mode.text
        context = await browser.new_context(viewport={"width": 1280, "height": 1000})
        watch = BrowserWatch(world.app_origin, ("/b24/app",))
        watch.attach(context)
        page = await context.new_page()
        await page.goto(world.portal["pages"]["app"])
        frame = app_frame(page)

        await frame.locator("button[data-tab=settings]").click()
        form = frame.locator("form#settings-form")
        await expect(form).to_have_attribute("data-loading", "false", timeout=WAIT_MS)
        lead = frame.locator("input[name=entity_type][value=lead]")
        await expect(lead).to_be_disabled()
        await expect(frame.locator("input[name=entity_type][value=deal]")).to_be_checked()
        explained = frame.locator("#settings-leads-off")
        await expect(explained).to_be_visible()
        await expect(explained).to_contain_text("простой режим CRM")
        await expect(frame.locator("select[name=category_id]")).to_be_visible()
        hired = frame.locator("tr[data-stage-key=hired] select")
        await expect(hired.locator("option[value=WON]")).to_have_count(1)  # a deal stage
        await shot(page, artifacts, "simple-crm-1-form")

        search = frame.locator("input#settings-responsible-search")
        await search.fill("Игорь")
        match = frame.locator("#settings-responsible-list option[value='Игорь Белов · #2']")
        await expect(match).to_have_count(1, timeout=WAIT_MS)
        await search.fill("Игорь Белов · #2")
        await expect(frame.locator("input[name=responsible_user_id]")).to_have_value("2")
        await frame.locator("button#settings-save").click()
        progress = frame.locator("#settings-progress")
        await expect(progress).to_have_attribute("data-state", "running", timeout=WAIT_MS)
        await shot(page, artifacts, "simple-crm-2-saved")
        async with world.database.session() as session:
            saved = await portals.get_settings(session, await world.portal_id())
        assert saved is not None
        assert saved.entity_type == "deal"

        await context.close()
        assert watch.errors == []
        assert watch.failed == []
