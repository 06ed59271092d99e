"""The «Настройки» tab in a real Chromium, inside the Bitrix24 sandbox portal's frame.

Two origins: the portal (``http://localhost:P1``, whose page hosts the app's frame and answers the
frame SDK's commands, ``selectUser`` among them) and the app (``http://127.0.0.1:P2``, the door on
real PostgreSQL). The administrator picks the responsible person in the portal's own dialog,
switches to deals and a pipeline (whose stages load), turns on extended mode, reads the warning
about a required field (its label hostile markup, shown as text), saves, watches the import's
progress until a pass ends, and gets the form back with «Настройки сохранены.». A recruiter sees
the same form disabled. The browser must report no script error and no failed request.

Screenshots go to ``tests/artifacts/settings-*.png`` (not committed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from hhsync.db import portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.service.web_server import WebServer, bind
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import run_pass
from hhsync.testing.browser import BrowserWatch, app_frame
from hhsync.testing.server import serve
from hhsync.testing.settings import engine_settings
from hhsync.web.context import WebContext
from tests.integration.web.door_kit import door_app, door_settings, netloc

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WAIT_MS = 20_000  # a bound on each wait in the browser, never a timing assertion
HOSTILE = "</script><img src=x onerror=alert(1)>"


@dataclass
class Stage:
    """The portal, the app's origin and the database."""

    bitrix: httpx.AsyncClient
    database: Database
    cipher: TokenCipher
    db_url: str
    app_origin: str
    portal: dict[str, Any]

    @property
    def domain(self) -> str:
        """``localhost:P1``."""
        domain: str = self.portal["domain"]
        return domain

    async def admin_rest(self, method: str, **params: Any) -> Any:
        """A REST call on the portal with its administrator's fresh token."""
        grant = (await self.bitrix.post(f"/_sandbox/portals/{self.domain}/tokens", json={})).json()
        answer = await self.bitrix.post(
            f"{grant['client_endpoint']}{method}", json={"auth": grant["access_token"], **params}
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["result"]

    async def portal_id(self) -> int:
        """The portal's row, stored when the administrator first opened the app."""
        async with self.database.session() as session:
            stored = [p for p in await portals.list_portals(session) if p.domain == self.domain]
        assert len(stored) == 1
        assert stored[0].id is not None
        return stored[0].id


@asynccontextmanager
async def stage(db_url: str, cipher: TokenCipher) -> AsyncIterator[Stage]:
    """The Bitrix24 sandbox, the app served over HTTP in this event loop (it shares the test's
    database pool), and a portal with the app on it."""
    sock = bind("127.0.0.1", 0)
    app_origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    bitrix_config = BitrixSandboxConfig(
        seed=5,
        demo_portals=(),
        app_url=f"{app_origin}/b24/app",
        install_url=f"{app_origin}/b24/install",
    )
    database = Database(db_url, pool_size=8)
    try:
        with serve(create_bitrix(bitrix_config)) as bitrix_url:
            settings = door_settings(
                db_url, [netloc(bitrix_url)], HHSYNC_WEB__PUBLIC_URL=app_origin
            )
            async with httpx.AsyncClient(timeout=30) as outbound:
                server = WebServer(door_app(WebContext(settings, database, cipher, outbound)), sock)
                await server.start()
                try:
                    async with httpx.AsyncClient(base_url=bitrix_url, timeout=30) as bitrix:
                        created = await bitrix.post(
                            "/_sandbox/portals",
                            json={"domain_is_host": True, "install_finished": True},
                        )
                        assert created.status_code == 200, created.text
                        yield Stage(bitrix, database, cipher, db_url, app_origin, created.json())
                finally:
                    await server.stop()
    finally:
        await database.dispose()


async def shot(page: Page, artifacts: Path, name: str) -> None:
    """A screenshot ``tests/artifacts/settings-<name>.png``."""
    await page.screenshot(path=str(artifacts / f"settings-{name}.png"), full_page=True)


async def test_an_admin_sets_up_the_import_and_a_recruiter_reads_it(
    browser: Browser, artifacts: Path, db_url: str, cipher: TokenCipher
) -> None:
    async with stage(db_url, cipher) as world:
        await world.admin_rest(
            "crm.deal.userfield.add",
            fields={"FIELD_NAME": "PASSPORT", "USER_TYPE_ID": "string", "EDIT_FORM_LABEL": HOSTILE},
        )
        required = {"entity": "deal", "field": "UF_CRM_PASSPORT"}
        await world.bitrix.post(f"/_sandbox/portals/{world.domain}/required", json=required)
        context = await browser.new_context(viewport={"width": 1280, "height": 1000})
        watch = BrowserWatch(world.app_origin, ("/b24/app",))
        watch.attach(context)
        page = await context.new_page()
        await page.goto(world.portal["pages"]["app"])
        frame = app_frame(page)

        await frame.locator("button[data-tab=settings]").click()
        form = frame.locator("form#settings-form")
        await expect(form).to_have_attribute("data-loading", "false", timeout=WAIT_MS)
        await expect(frame.locator("#settings-progress")).to_be_hidden()  # nothing saved yet
        await expect(frame.locator("#settings-progress")).to_have_attribute("data-state", "idle")
        await expect(frame.locator("select[name=category_id]")).to_be_hidden()
        stages = frame.locator("#settings-stages tr[data-stage-key]:visible")
        await expect(stages).to_have_count(2)
        await expect(frame.locator("#settings-stages tfoot p")).to_be_hidden()

        await expect(form.locator("[data-settings-loading]")).to_be_hidden()
        # the searchable list (when the portal's dialog cannot answer): what is typed is asked of
        # the portal once typing pauses, and a match picked from the list; then the dialog
        search = frame.locator("input#settings-responsible-search")
        await search.fill("Игорь")
        match = frame.locator("#settings-responsible-list option[value='Игорь Белов · #2']")
        await expect(match).to_have_count(1, timeout=WAIT_MS)
        await search.fill("Игорь Белов · #2")
        await expect(frame.locator("#settings-responsible-name")).to_have_text("Игорь Белов")
        await expect(frame.locator("input[name=responsible_user_id]")).to_have_value("2")
        await frame.locator("button#settings-responsible-pick").click()
        await page.locator("#b24-dialog button[data-user-id='3']").click()
        await expect(frame.locator("#settings-responsible-name")).to_have_text("Светлана Крылова")
        await expect(frame.locator("input[name=responsible_user_id]")).to_have_value("3")

        # deals: the pipeline select shows, its stages load, the warning names the field
        await frame.locator("input[name=entity_type][value=deal]").check()
        await expect(frame.locator("select[name=category_id]")).to_be_visible()
        await expect(form).to_have_attribute("data-loading", "false", timeout=WAIT_MS)
        await frame.locator("select[name=category_id]").select_option("1")
        await expect(form).to_have_attribute("data-loading", "false", timeout=WAIT_MS)
        response_stage = frame.locator("tr[data-stage-key=response] select")
        await expect(response_stage.locator("option[value='C1:NEW']")).to_have_count(1)
        warning = frame.locator("#settings-required-warning")
        await expect(warning).to_be_visible()
        await expect(warning.locator("li[data-field=UF_CRM_PASSPORT]")).to_have_text(HOSTILE)

        await frame.locator("input[type=checkbox][name=extended]").check()
        await expect(stages).to_have_count(10)
        # states without a row of their own: the note under the table says where they go
        await expect(frame.locator("#settings-stages tfoot p")).to_contain_text("Вакансия закрыта")
        # the invitation row stays, for invitations in states that have no row of their own
        invitation = frame.locator("tr[data-stage-key=invitation]")
        await expect(invitation.locator("th span:visible")).to_have_text("Приглашения (остальные)")
        await response_stage.select_option("C1:NEW")
        await frame.locator("tr[data-stage-key=hired] select").select_option("C1:WON")
        await frame.locator("select[name=source_id]").select_option("WEB")
        await shot(page, artifacts, "1-form")

        # the save starts the import: the form gives way to its progress until a pass ends
        await frame.locator("button#settings-save").click()
        progress = frame.locator("#settings-progress")
        await expect(progress).to_have_attribute("data-state", "running", timeout=WAIT_MS)
        await expect(form).to_be_hidden()
        await shot(page, artifacts, "2-progress")
        portal_id = await world.portal_id()
        sync = SyncContext.create(
            engine_settings("http://127.0.0.1:9", world.db_url),
            world.database,
            world.cipher,
            instance_id="settings-test",
        )
        try:
            await run_pass(sync, portal_id)  # no hh.ru account yet: the pass ends at once
        finally:
            await sync.aclose()
        await expect(progress).to_have_attribute("data-state", "done", timeout=WAIT_MS)
        await expect(form).to_be_visible()
        await expect(frame.locator("#settings-saved")).to_be_visible()
        await expect(progress.locator("[data-progress=loaded]")).to_have_text("0")
        await shot(page, artifacts, "3-saved")
        async with world.database.session() as session:
            saved = await portals.get_settings(session, portal_id)
        assert saved is not None
        assert (saved.entity_type, saved.responsible_user_id, saved.category_id) == ("deal", 3, 1)
        assert (saved.source_id, saved.stage_mode) == ("WEB", "extended")
        assert saved.stage_map == {"response": "C1:NEW", "hired": "C1:WON"}

        # a recruiter reads the same settings, every control disabled, no «Сохранить»
        recruiter = await context.new_page()
        await recruiter.goto(world.portal["pages"]["app"] + "?user_id=2")
        read_only = app_frame(recruiter)
        await read_only.locator("button[data-tab=settings]").click()
        await expect(read_only.locator("#settings-read-only")).to_be_visible(timeout=WAIT_MS)
        await expect(read_only.locator("form#settings-form")).to_have_attribute(
            "data-loading", "false", timeout=WAIT_MS
        )
        await expect(read_only.locator("#settings-responsible-name")).to_have_text(
            "Светлана Крылова"
        )
        await expect(read_only.locator("button#settings-save")).to_have_count(0)
        await expect(read_only.locator("select[name=source_id]")).to_be_disabled()
        await expect(read_only.locator("select[name=source_id]")).to_have_value(
            "WEB", timeout=WAIT_MS
        )
        await shot(recruiter, artifacts, "4-recruiter")

        await context.close()
        assert watch.errors == []
        assert watch.failed == []
