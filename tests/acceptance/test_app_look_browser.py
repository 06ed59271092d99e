"""The app page looks like part of Bitrix24, in a real Chromium at the Market's 1280-px frame.

What Bitrix24's Market asks of an app page: its styles load (no broken asset link), no script
error, no horizontal scrollbar in a 1280-px wide window, and Bitrix24's own look: the vendored
Air design tokens and ``ui-btn`` buttons (a primary button's background is the token
``--ui-color-accent-main-primary`` resolved in the page). The «Авторизация» tab's banners appear
when an hh.ru account must log in again and when the portal is paused for payment. The world is
the front door's (:mod:`hhsync.testing.app_journey`): both sandboxes, the daemon serving the app
on real PostgreSQL, the app installed from the portal's page.

Screenshots go to ``tests/artifacts/app-*.png`` (not committed).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Error, FrameLocator, Page, expect

from hhsync.clock import SystemClock
from hhsync.db import accounts, portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import PortalStatus
from hhsync.db.tokens import mark_account_needs_reauth, park_portal
from hhsync.testing.app_journey import (
    FRAME_PATHS,
    WAIT_MS,
    assert_frame_fits_content,
    install_from_portal,
    log_in_to_hh,
    open_app_stage,
)
from hhsync.testing.browser import BrowserWatch, app_frame
from hhsync.web.i18n import translator

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

WIDTH, HEIGHT = 1280, 800  # the Market's check: no scrollbars in a 1280-px frame
T = translator("ru")
VENDORED_CSS = (
    "/static/vendor/b24ui/001_b24_global.css",
    "/static/vendor/b24ui/003_b24_context_light.css",
    "/static/vendor/b24ui/007_b24_global.css",
    "/static/vendor/b24ui/button.css",
    "/static/app/app.css",
)
LONG_NAME = "ООО «" + "Оченьдлинноеназваниекомпаниибезпробелов" * 8 + "» — " + "Я" * 120

# The token's colour as the page resolves it: a probe painted with the variable.
TOKEN_COLOUR = """() => {
  const probe = document.createElement("div");
  probe.style.background = "var(--ui-color-accent-main-primary)";
  document.body.appendChild(probe);
  const colour = getComputedStyle(probe).backgroundColor;
  probe.remove();
  return {
    raw: getComputedStyle(document.documentElement)
      .getPropertyValue("--ui-color-accent-main-primary").trim(),
    colour: colour,
  };
}"""
SCROLL = """() => ({
  scroll: document.documentElement.scrollWidth,
  client: document.documentElement.clientWidth,
})"""


async def frame_eval(frame: FrameLocator, script: str) -> dict[str, object]:
    """Run ``script`` (an arrow function) in the app's frame."""
    result: dict[str, object] = await frame.locator("html").evaluate(f"(_) => ({script})()")
    return result


async def assert_no_horizontal_scroll(frame: FrameLocator, where: str) -> None:
    """The frame's document is no wider than its window."""
    widths = await frame_eval(frame, SCROLL)
    assert int(str(widths["scroll"])) <= int(str(widths["client"])), (where, widths)


async def shot(page: Page, artifacts: Path, name: str) -> None:
    """A screenshot ``tests/artifacts/app-<name>.png`` of the whole portal page."""
    await page.screenshot(path=str(artifacts / f"app-{name}.png"), full_page=True)


async def portal_id_of(database: Database, domain: str) -> int:
    """The stored portal of the sandbox's ``domain``."""
    async with database.session() as session:
        found = [p.id for p in await portals.list_portals(session) if p.domain == domain]
    assert len(found) == 1, found
    portal_id = found[0]
    assert portal_id is not None
    return portal_id


async def test_the_app_page_looks_like_bitrix24_in_a_1280_px_frame(
    browser: Browser, artifacts: Path, db_url: str, cipher: TokenCipher
) -> None:
    async with open_app_stage(db_url, cipher) as world:
        context = await browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        watch = BrowserWatch(world.app_origin, FRAME_PATHS)
        watch.attach(context)
        loaded: list[tuple[str, int]] = []
        context.on(
            "response",
            lambda r: (
                loaded.append((urlsplit(r.url).path, r.status))
                if r.url.startswith(world.app_origin + "/static/")
                else None
            ),
        )
        page = await context.new_page()
        await install_from_portal(page, world.portal["pages"]["install"])
        frame = app_frame(page)
        await expect(frame.locator("#panel-auth")).to_be_visible(timeout=WAIT_MS)

        # Bitrix24's styles loaded, from the package, every one of them
        for path in VENDORED_CSS:
            assert (path, 200) in loaded, (path, loaded)

        # the tab bar and the auth tab before any account: «Войти» is the primary ui-btn
        login = frame.locator("#hh-accounts button.hh-login")
        await expect(login).to_have_text(T("auth.login"))
        await expect(login).to_have_class("ui-btn --air ui-btn-md --style-filled hh-login")
        token = await frame_eval(frame, TOKEN_COLOUR)
        assert token["raw"] == "#0075ff", (
            token
        )  # the light context's accent (003_b24_context_light)
        background = await login.evaluate("(b) => getComputedStyle(b).backgroundColor")
        assert background == token["colour"], (background, token)
        # an Air md button: height and radius from button.css's variables (34 px, radius-md)
        shape = await login.evaluate(
            "(b) => [getComputedStyle(b).height, getComputedStyle(b).borderRadius]"
        )
        assert shape == ["34px", "10px"], shape
        await expect(frame.locator("#auth-sync-state")).to_have_attribute(
            "data-state", "sync_needs_account"
        )
        await expect(frame.locator("#auth-banner-reauth")).to_be_hidden()
        await expect(frame.locator("#auth-banner-portal")).to_have_count(0)
        await assert_no_horizontal_scroll(frame, "before login")

        # an account linked: the button now adds another, the settings are what is missing
        await log_in_to_hh(page, login, world.app_origin)
        await expect(login).to_have_text(T("auth.add_account"), timeout=WAIT_MS)
        await expect(frame.locator("#auth-sync-state")).to_have_text(T("auth.sync_needs_settings"))
        await shot(page, artifacts, "auth-ru")
        await assert_no_horizontal_scroll(frame, "with an account")

        # a name with no place to break wraps instead of widening the page
        await frame.locator(".hh-account-name").first.evaluate(
            "(node, name) => { node.textContent = name; }", LONG_NAME
        )
        await assert_no_horizontal_scroll(frame, "a long account name")

        # the account's password changed: the re-login banner with its login button
        portal_id = await portal_id_of(world.database, world.domain)
        async with world.database.session() as session:
            linked = await accounts.list_accounts(session, portal_id, logged_in=True)
            assert len(linked) == 1
            assert linked[0].id is not None
            await mark_account_needs_reauth(
                session,
                portal_id=portal_id,
                account_id=linked[0].id,
                reason="password changed",
                now=SystemClock().now(),
            )
        await page.reload()
        frame = app_frame(page)
        banner = frame.locator("#auth-banner-reauth")
        await expect(banner).to_be_visible(timeout=WAIT_MS)
        await expect(banner.locator("button.hh-login")).to_have_text(T("auth.reauth_button"))
        await expect(frame.locator("#auth-sync-state")).to_have_attribute(
            "data-state", "sync_needs_relogin"
        )
        await shot(page, artifacts, "auth-reauth-ru")
        await assert_no_horizontal_scroll(frame, "the re-login banner")
        async with page.expect_popup(timeout=WAIT_MS) as opened:
            await banner.locator("button.hh-login").click()
        popup = await opened.value
        # hh.ru remembers the browser's login: only the consent, then the callback page
        await popup.locator("button[name=decision][value=allow]").click(timeout=WAIT_MS)
        await popup.wait_for_url(f"{world.app_origin}/oauth/hh/callback?**", timeout=WAIT_MS)
        await expect(popup.locator("button.hh-login-close")).to_have_text("Закрыть")
        try:
            await shot(popup, artifacts, "login-result-ru")
            await popup.locator("button.hh-login-close").click()
        except Error:
            if not popup.is_closed():  # it may have closed itself already, as it should
                raise
        await expect(banner).to_be_hidden(timeout=WAIT_MS)
        await expect(frame.locator("#auth-sync-state")).to_have_attribute(
            "data-state", "sync_needs_settings"
        )

        # the subscription ended: the portal banner says to pay
        async with world.database.session() as session:
            await park_portal(
                session,
                portal_id=portal_id,
                status=PortalStatus.PAUSED,
                reason="crm.lead.list: PAYMENT_REQUIRED (the subscription has ended)",
                now=SystemClock().now(),
            )
        await page.reload()
        frame = app_frame(page)
        portal_banner = frame.locator("#auth-banner-portal")
        await expect(portal_banner).to_be_visible(timeout=WAIT_MS)
        await expect(portal_banner).to_contain_text(T("auth.portal_paused_payment"))
        await shot(page, artifacts, "auth-paused-ru")
        await assert_no_horizontal_scroll(frame, "the portal banner")

        # every tab at 1280 px
        for tab in ("settings", "inbox", "journal", "auth"):
            await frame.locator(f"button[data-tab={tab}]").click()
            # a tab not built yet is an empty panel: shown means no longer hidden
            await expect(frame.locator(f"section#panel-{tab}")).not_to_have_attribute("hidden", "")
            await assert_no_horizontal_scroll(frame, tab)

        # the frame follows the content both ways: a short tab after a long one leaves no gap
        await frame.locator("button[data-tab=settings]").click()
        await expect(frame.locator("form#settings-form")).to_have_attribute(
            "data-loading", "false", timeout=WAIT_MS
        )
        long_px = await assert_frame_fits_content(page)
        await frame.locator("button[data-tab=inbox]").click()
        await expect(frame.locator("section#panel-inbox")).to_be_visible()
        short_px = await assert_frame_fits_content(page)
        assert short_px < long_px, (short_px, long_px)
        await shot(page, artifacts, "short-after-long-ru")
        await context.close()

    assert (watch.errors, watch.failed) == ([], [])


async def test_an_english_portal_gets_the_tab_in_english(
    browser: Browser, artifacts: Path, db_url: str, cipher: TokenCipher
) -> None:
    en = translator("en")
    async with open_app_stage(db_url, cipher, lang="en") as world:
        context = await browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
        watch = BrowserWatch(world.app_origin, FRAME_PATHS)
        watch.attach(context)
        page = await context.new_page()
        await install_from_portal(page, world.portal["pages"]["install"])
        frame = app_frame(page)
        await expect(frame.locator("html")).to_have_attribute("lang", "en", timeout=WAIT_MS)
        await expect(frame.locator("button[data-tab=auth]")).to_have_text(en("common.tab_auth"))
        await expect(frame.locator("#hh-accounts h2")).to_have_text(en("auth.accounts_title"))
        await expect(frame.locator("#hh-accounts button.hh-login")).to_have_text(en("auth.login"))
        await expect(frame.locator("#auth-sync-state")).to_have_text(en("auth.sync_needs_account"))
        await expect(frame.locator("[data-field=status_label]")).to_have_text(
            en("auth.portal_status_active")
        )
        script_words = await frame.locator("#hh-accounts-texts").text_content()
        assert script_words is not None
        assert en("auth.popup_blocked") in script_words
        await assert_no_horizontal_scroll(frame, "english")
        await shot(page, artifacts, "auth-en")
        await context.close()

    assert (watch.errors, watch.failed) == ([], [])
