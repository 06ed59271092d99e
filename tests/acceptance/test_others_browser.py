"""«Другие отклики» in a real Chromium: from a lead's timeline to the applicant's other leads.

Two origins, as in production: the Bitrix24 sandbox's portal (``http://localhost:P1``) and the
daemon's web app (``http://127.0.0.1:P2``) on real PostgreSQL. A pass imports responses of which
one applicant sent several; a person opens the portal's CRM, clicks the activity's «Другие
отклики» button (``openRestApp``: the portal frames the app with the click's
``PLACEMENT_OPTIONS``, b24restdocs ``api-reference/crm/timeline/activities/structure/action.md``),
sees every other response of that applicant, and follows one to its lead's card in the top window.
No script error and no failed request on the way.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import RunStatus
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.service.web_server import WebServer, bind
from hhsync.sync.engine import run_pass
from hhsync.testing.browser import BrowserWatch, app_frame
from hhsync.testing.server import free_port, serve
from hhsync.testing.world import open_world
from hhsync.web.context import WebContext
from tests.integration.web.door_kit import door_app, door_settings, netloc
from tests.integration.web.others_kit import one_applicant_config

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WAIT_MS = 20_000  # a bound on each wait in the browser, never a timing assertion


async def test_a_click_in_the_timeline_lists_the_others_and_leads_to_their_card(
    browser: Browser, database: Database, cipher: TokenCipher, db_url: str, artifacts: Path
) -> None:
    door_port, portal_port = free_port(), free_port()
    app_origin = f"http://127.0.0.1:{door_port}"
    domain = f"localhost:{portal_port}"
    bitrix_app = create_bitrix(
        BitrixSandboxConfig(seed=7, speed=50.0, demo_portals=(), app_url=f"{app_origin}/b24/app")
    )
    with (
        serve(create_hh(one_applicant_config(4))) as hh_url,
        serve(bitrix_app, port=portal_port) as bitrix_url,
    ):
        async with open_world(
            (hh_url, bitrix_url), database, cipher, db_url, domain=domain
        ) as world:
            outcome = await run_pass(world.ctx, world.portal_id)
            assert outcome.status == RunStatus.OK, outcome.errors
            settings = door_settings(
                db_url, [netloc(bitrix_url)], HHSYNC_WEB__PUBLIC_URL=app_origin
            )
            async with httpx.AsyncClient(timeout=30) as outbound:
                ctx = WebContext(settings, database, cipher, outbound)
                server = WebServer(door_app(ctx), bind("127.0.0.1", door_port))
                await server.start()  # in this loop: the app shares its database and clients
                try:
                    context = await browser.new_context()
                    watch = BrowserWatch(app_origin, ("/b24/app",))
                    watch.attach(context)
                    page = await context.new_page()
                    await page.goto(f"http://{domain}/crm/")
                    first = page.locator(".activity").first
                    await first.locator('a.activity-button[data-button="others"]').click()

                    frame = app_frame(page)
                    rows = frame.locator("section#others li[data-negotiation-id]")
                    await expect(rows).to_have_count(3, timeout=WAIT_MS)
                    await page.screenshot(path=str(artifacts / "others-slider.png"))
                    link = rows.first.locator("a.others-entity")
                    href = await link.get_attribute("href")
                    assert href is not None
                    assert href.startswith(f"http://{domain}/crm/lead/details/")
                    await link.click()

                    await page.wait_for_url(href, timeout=WAIT_MS)
                    await expect(page.locator("#crm-card")).to_be_visible(timeout=WAIT_MS)
                    await context.close()
                finally:
                    await server.stop()
    assert watch.errors == []
    assert watch.failed == []
