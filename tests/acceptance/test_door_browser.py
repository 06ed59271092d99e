"""The front door in a real Chromium: install from the portal, log in to hh.ru, leads arrive.

Three origins, as in production: the Bitrix24 sandbox's portal (``http://localhost:P1``), the
daemon with its web server (``http://127.0.0.1:P2``, a real in-process :class:`Runner` on real
PostgreSQL) and the hh.ru sandbox (``http://127.0.0.1:P3``). The administrator installs the app
from the portal's install page (the installer runs in the portal's frame and calls
``installFinish``), opens the app page, logs in to hh.ru in the popup «Войти» opens, and the
initial import brings hh.ru's negotiations into the CRM as leads. A recruiter then sees the page
read-only. Throughout, the browser must report no script error and no failed request, and every
frame answer must let the portal, and only it, frame it.

Screenshots go to ``tests/artifacts/door-*.png`` (not committed).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, Error, Page, Route, expect
from pydantic import AnyHttpUrl, SecretStr

from hhsync import texts
from hhsync.clock import SystemClock
from hhsync.config import Settings
from hhsync.db import portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import EntityType, StageMode
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.sandbox.hh.site import DEMO_PASSWORD
from hhsync.service.runner import Runner
from hhsync.testing.browser import BrowserWatch, app_frame, csp_directives
from hhsync.testing.portal import RESPONSE_AND_INVITATION_STAGES
from hhsync.testing.server import free_port, serve
from hhsync.testing.settings import runner_settings
from hhsync.testing.world import expected_leads, small_employer
from hhsync.web.i18n import translator

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ADMIN_EMAIL = "hr00@example.com"  # the first company's admin manager (hh.ru sandbox seed data)
RECRUITER = 2  # the portal's user without admin rights (Bitrix24 sandbox seed data)
WAIT_MS = 20_000  # a bound on each wait in the browser, never a timing assertion
IMPORT_DEADLINE_S = 90.0  # a bound on the wait for the initial import, not a timing assertion
FRAME_PATHS = ("/b24/install", "/b24/app")  # what the portal opens in its frame


def door_settings(hh_url: str, bitrix_url: str, db_url: str, web_port: int) -> Settings:
    """The daemon's settings: the sandboxes' applications, the Bitrix24 sandbox as the trusted
    OAuth server, the hh.ru sandbox's login, and its web server at ``127.0.0.1:web_port``."""
    base = runner_settings(hh_url, db_url)
    return base.model_copy(
        update={
            "hh": base.hh.model_copy(
                update={
                    "client_id": "hhsync-demo",
                    "client_secret": SecretStr("hhsync-demo-secret"),
                    "oauth_url": AnyHttpUrl(hh_url),
                }
            ),
            "bitrix": base.bitrix.model_copy(
                update={
                    "oauth_servers": [urlsplit(bitrix_url).netloc],
                    "oauth_url": AnyHttpUrl(bitrix_url),
                }
            ),
            "web": base.web.model_copy(
                update={
                    "host": "127.0.0.1",
                    "port": web_port,
                    "public_url": AnyHttpUrl(f"http://127.0.0.1:{web_port}"),
                }
            ),
        }
    )


class InstallHold:
    """Holds the portal's ``setInstallFinish`` command until the installer has been captured:
    after it the portal reloads the frame, so the installer is on screen only until then."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.released = asyncio.Event()

    async def route(self, route: Route) -> None:
        """The route handler of the portal's frame commands."""
        body = route.request.post_data_json or {}
        if body.get("command") == "setInstallFinish":
            self.asked.set()
            await self.released.wait()
        await route.continue_()


@asynccontextmanager
async def running(runner: Runner) -> AsyncIterator[None]:
    """The daemon running in this event loop until the block ends."""
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop, handle_signals=False), name="daemon")
    started = asyncio.create_task(runner.started.wait())
    await asyncio.wait([task, started], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # what stopped it from starting
    assert runner.started.is_set(), "the daemon did not start"
    try:
        yield
    finally:
        stop.set()
        started.cancel()
        await task


async def wait_for_leads(bitrix: httpx.AsyncClient, domain: str, expected: int) -> int:
    """Poll the sandbox until the portal holds ``expected`` leads or the deadline passes."""
    count = -1
    try:
        async with asyncio.timeout(IMPORT_DEADLINE_S):
            while count != expected:
                answer = await bitrix.get(f"/_sandbox/portals/{domain}")
                count = answer.json()["counts"]["leads"]
                if count != expected:
                    await asyncio.sleep(0.5)
    except TimeoutError:
        pass  # the caller's assertion shows both counts
    return count


async def configure(database: Database, domain: str) -> int:
    """Save the portal's settings as the settings page will (lead mode, simple stages); the
    first save starts the initial import. The settings page is the next piece of work, so the
    test saves them through the database layer for now."""
    async with database.session() as session:
        stored = [p for p in await portals.list_portals(session) if p.domain == domain]
        assert len(stored) == 1, stored
        portal_id = stored[0].id
        assert portal_id is not None
        _, first = await portals.save_settings(
            session,
            portal_id,
            {
                "entity_type": EntityType.LEAD.value,
                "stage_mode": StageMode.SIMPLE.value,
                "stage_map": dict(RESPONSE_AND_INVITATION_STAGES),
                "responsible_user_id": 1,
            },
            SystemClock().now(),
        )
    assert first
    return portal_id


async def shot(page: Page, artifacts: Path, name: str, *, full_page: bool = True) -> None:
    """A screenshot ``tests/artifacts/door-<name>.png``, of the whole page by default."""
    await page.screenshot(path=str(artifacts / f"door-{name}.png"), full_page=full_page)


async def install(page: Page, portal: dict[str, Any], artifacts: Path) -> None:
    """Step 1: the administrator presses «Установить»; the installer runs in the frame and calls
    ``installFinish``; the portal reloads the frame with the app page."""
    hold = InstallHold()
    await page.route("**/_sandbox/frames/*/commands", hold.route)
    await page.goto(portal["pages"]["install"])
    await page.click("#b24-install")
    frame = app_frame(page)
    try:
        async with asyncio.timeout(WAIT_MS / 1000):
            await hold.asked.wait()
    except TimeoutError:
        shown = await frame.locator("body").text_content()
        raise AssertionError(f"the installer never called installFinish: {shown}") from None
    await expect(frame.locator("#hhsync-install-state")).to_have_text(texts.INSTALL_DONE)
    await shot(page, artifacts, "1-installer-finishing")
    hold.released.set()
    await expect(frame.locator("#hhsync-app")).to_be_visible(timeout=WAIT_MS)
    await page.unroute("**/_sandbox/frames/*/commands")


async def log_in_to_hh(page: Page, artifacts: Path, app_origin: str) -> None:
    """Step 2: «Войти» opens hh.ru's login in a popup; the login form, the consent, the
    callback page, which tells the app page and closes."""
    frame = app_frame(page)
    await expect(frame.locator("#hh-accounts .hh-accounts-empty")).to_be_visible()
    async with page.expect_popup(timeout=WAIT_MS) as opened:
        await frame.locator("#hh-accounts button.hh-login").click()
    popup = await opened.value
    closed = asyncio.Event()
    popup.on("close", lambda _: closed.set())
    await expect(popup.locator("#email")).to_be_visible(timeout=WAIT_MS)
    await popup.fill("#email", ADMIN_EMAIL)
    await popup.fill("#password", DEMO_PASSWORD)
    await shot(popup, artifacts, "3-hh-login")
    await popup.click("form[action='/oauth/authorize/login'] button[type=submit]")
    allow = popup.locator("button[name=decision][value=allow]")
    await expect(allow).to_be_visible(timeout=WAIT_MS)
    await shot(popup, artifacts, "4-hh-consent")
    await allow.click()
    await popup.wait_for_url(f"{app_origin}/oauth/hh/callback?**", timeout=WAIT_MS)
    # The page closes itself a few seconds after it loads: read and capture it first.
    await expect(popup.locator("h1")).to_have_text(texts.HH_ACCOUNT_LINKED)
    message = await popup.locator("p.message").text_content()
    try:
        await shot(popup, artifacts, "5-hh-callback")
    except Error:
        if not popup.is_closed():
            raise
    async with asyncio.timeout(WAIT_MS / 1000):
        await closed.wait()
    assert message is not None
    assert message.startswith("Подключён аккаунт: ")


@dataclass
class Stage:
    """The running world of the test: the sandboxes' control APIs, the daemon's database and
    origin, and the portal the administrator is about to install on."""

    bitrix: httpx.AsyncClient
    hh: httpx.AsyncClient
    database: Database
    app_origin: str
    portal: dict[str, Any]

    @property
    def domain(self) -> str:
        """The portal's domain, ``localhost:P1``."""
        domain: str = self.portal["domain"]
        return domain

    @property
    def portal_origin(self) -> str:
        """The origin a browser opens the portal at."""
        return f"http://{self.domain}"

    async def admin_account_label(self) -> str:
        """How the app page names the first company's admin manager's account."""
        company = (await self.hh.get("/_sandbox/state")).json()["employers"][0]
        manager = next(m for m in company["managers"] if m["email"] == ADMIN_EMAIL)
        return f"{company['name']} — {manager['name']}"


@asynccontextmanager
async def stage(db_url: str, cipher: TokenCipher, lang: str = "ru") -> AsyncIterator[Stage]:
    """Both sandboxes, the daemon serving the app, and a portal (its ``LANG`` given) without the
    app yet."""
    web_port = free_port()
    app_origin = f"http://127.0.0.1:{web_port}"
    hh_config = replace(small_employer(), registered_redirect_uri=f"{app_origin}/oauth/hh/callback")
    bitrix_config = BitrixSandboxConfig(
        seed=5,
        demo_portals=(),
        app_url=f"{app_origin}/b24/app",
        install_url=f"{app_origin}/b24/install",
    )
    database = Database(db_url, pool_size=8)
    try:
        with (
            serve(create_hh(hh_config)) as hh_url,
            serve(create_bitrix(bitrix_config)) as bitrix_url,
        ):
            settings = door_settings(hh_url, bitrix_url, db_url, web_port)
            runner = Runner(settings, database, cipher, instance_id="door", tick_s=0.2)
            async with (
                httpx.AsyncClient(base_url=bitrix_url, timeout=30) as bitrix,
                httpx.AsyncClient(base_url=hh_url, timeout=30) as hh,
                running(runner),
            ):
                created = await bitrix.post(
                    "/_sandbox/portals",
                    json={"domain_is_host": True, "installed": False, "lang": lang},
                )
                assert created.status_code == 200, created.text
                yield Stage(bitrix, hh, database, app_origin, created.json())
    finally:
        await database.dispose()


async def test_an_admin_installs_logs_in_and_leads_arrive_then_a_recruiter_reads(
    browser: Browser, artifacts: Path, db_url: str, cipher: TokenCipher
) -> None:
    async with stage(db_url, cipher) as world:
        account_label = await world.admin_account_label()
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        watch = BrowserWatch(world.app_origin, FRAME_PATHS)
        watch.attach(context)
        page = await context.new_page()

        # 1. the administrator installs the app from the portal
        await install(page, world.portal, artifacts)
        app_state = (await world.bitrix.get(f"/_sandbox/portals/{world.domain}/app")).json()
        installed = await context.new_page()
        await installed.goto(world.portal["pages"]["install"])
        await expect(installed.locator("body")).to_contain_text("Приложение уже установлено")
        await shot(installed, artifacts, "1-install-page-after-finish")
        await installed.close()

        # 2. the app page in the frame: status, «Войти», the popup, the account listed
        frame = app_frame(page)
        await expect(frame.locator("#hhsync-status")).to_be_visible()
        await log_in_to_hh(page, artifacts, world.app_origin)
        names = frame.locator("#hh-accounts .hh-accounts-list .hh-account-name")
        await expect(names).to_have_text([account_label], timeout=WAIT_MS)
        # said only when the popup's message reached the page (origin and source checked)
        await expect(frame.locator("#hh-accounts .hh-accounts-status")).to_have_text(
            translator("ru")("auth.logged_in")
        )
        await shot(page, artifacts, "2-app-page-with-account")

        # 3. settings saved (the settings page is the next piece of work), the import runs
        await configure(world.database, world.domain)
        expected = await expected_leads(world.hh)
        leads = await wait_for_leads(world.bitrix, world.domain, expected)
        crm = await context.new_page()
        await crm.goto(f"{world.portal_origin}/crm/")
        await shot(crm, artifacts, "6-crm-with-leads", full_page=False)  # the top of a long list
        await crm.close()
        await page.reload()
        await expect(app_frame(page).locator("[data-field=synced]")).to_have_text(
            str(expected), timeout=WAIT_MS
        )
        await shot(page, artifacts, "6-app-page-synced")

        # 4. a recruiter (no admin rights) opens the app: read-only
        recruiter = await context.new_page()
        await recruiter.goto(f"{world.portal_origin}/marketplace/app/1/?user_id={RECRUITER}")
        read_only = app_frame(recruiter)
        await expect(read_only.locator("#hhsync-app")).to_be_visible(timeout=WAIT_MS)
        await expect(read_only.locator(".hh-account-name")).to_have_text([account_label])
        await expect(read_only.locator("#hhsync-app")).to_contain_text(texts.READ_ONLY_NOTE)
        # no «Войти», no «Выйти» (only the tab bar is clickable)
        await expect(read_only.locator("#panel-auth button")).to_have_count(0)
        await shot(recruiter, artifacts, "7-recruiter-read-only")

        headers = [(r.url, await r.all_headers()) for r in watch.frame_answers]
        await context.close()

    assert app_state["install_finish_count"] == 1
    assert (app_state["installed"], app_state["install_finished"]) == (True, True)
    toolbars = {(p["placement"], p["handler"]) for p in app_state["placements"]}
    assert toolbars == {
        (placement, f"{world.app_origin}/b24/app")
        for placement in ("CRM_LEAD_LIST_TOOLBAR", "CRM_DEAL_LIST_TOOLBAR")
    }
    assert expected > 0
    assert leads == expected
    # 5. nothing failed in the browser, and each frame answer may be framed by the portal only
    assert (watch.errors, watch.failed) == ([], [])
    opened = [urlsplit(url).path for url, _ in headers]
    # the installer once; the app page after it, after the import, for the recruiter
    assert opened == ["/b24/install", "/b24/app", "/b24/app", "/b24/app"], opened
    for url, header in headers:
        policy = csp_directives(header.get("content-security-policy", ""))
        assert policy["frame-ancestors"] == world.portal_origin, url
        assert "x-frame-options" not in header, url
