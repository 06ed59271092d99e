"""A person's whole journey through the app in a real Chromium, the pieces its tests share.

Three origins, as in production: the Bitrix24 sandbox's portal (``http://localhost:P1``), the
daemon with its web server (``http://127.0.0.1:P2``, a real in-process
:class:`~hhsync.service.runner.Runner` on the caller's database) and the hh.ru sandbox
(``http://127.0.0.1:P3``). :func:`open_app_stage` stands them up with a portal waiting for its
administrator; :func:`install_from_portal` and :func:`log_in_to_hh` are what the administrator
does in the browser; :func:`tab` opens one of the app page's tabs; :func:`assert_page_clean`
checks what a person would notice at a glance (a scrollbar inside the frame, a colour off the
design tokens) and what a broken page shows only in the console (errors, failed requests).

Playwright comes with the ``dev`` extra only, like :mod:`.browser`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Final

import httpx
from playwright.async_api import Error, Frame, FrameLocator, Locator, Page, Route, expect
from pydantic import AnyHttpUrl

from hhsync import texts
from hhsync.db import portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.sandbox.bitrix.app import create_app as create_bitrix
from hhsync.sandbox.hh.app import HhSandboxConfig
from hhsync.sandbox.hh.app import create_app as create_hh
from hhsync.sandbox.hh.site import DEMO_PASSWORD
from hhsync.service.runner import Runner
from hhsync.testing.browser import APP_FRAME, BrowserWatch, app_frame
from hhsync.testing.door_setup import bitrix_for_door, door_settings, hh_for_door
from hhsync.testing.server import free_port, serve_all
from hhsync.testing.settings import runner_settings
from hhsync.testing.world import small_employer
from hhsync.web.i18n import translator

WAIT_MS: Final = 20_000
"""A bound on each wait in the browser, never a timing assertion."""
FRAME_PATHS: Final = ("/b24/install", "/b24/app")
"""What the portal opens in its frame."""
ADMIN_EMAIL: Final = "hr00@example.com"
"""The first company's admin manager (hh.ru sandbox seed data)."""
PRIMARY_BUTTON: Final = ".ui-btn.--style-filled"
"""The primary button's classes (Bitrix24's Air ``ui-btn``)."""
ACCENT_TOKEN: Final = "--ui-color-accent-main-primary"  # noqa: S105 - a CSS variable's name
"""The design token a primary button is filled with."""

Shot = Callable[[Page, str], Awaitable[None]]
"""Takes a screenshot of a page under a name (the caller decides where it goes)."""


@dataclass
class AppStage:
    """The running world: the sandboxes' control APIs, the daemon's database, runner and origin,
    and the portal (``POST /_sandbox/portals``'s answer) the administrator installs the app on."""

    bitrix: httpx.AsyncClient
    hh: httpx.AsyncClient
    database: Database
    runner: Runner
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

    @property
    def app_page(self) -> str:
        """The portal's page of the application (``/marketplace/app/1/``)."""
        url: str = self.portal["pages"]["app"]
        return url

    async def bitrix_admin(self, method: str, path: str, body: Any = None) -> Any:
        """A call to the Bitrix24 sandbox's control API for this portal (``path`` after
        ``/_sandbox/portals/{domain}``); a refusal fails with its body."""
        url = f"/_sandbox/portals/{self.domain}{path}"
        return _accepted(await self.bitrix.request(method, url, json=body))

    async def hh_admin(self, method: str, path: str, body: Any = None) -> Any:
        """A call to the hh.ru sandbox's control API; a refusal fails with its body."""
        return _accepted(await self.hh.request(method, path, json=body))

    async def manager(self, email: str = ADMIN_EMAIL) -> dict[str, Any]:
        """The hh.ru manager with that e-mail, with its company's ``employer_id`` and name."""
        for company in (await self.hh_admin("GET", "/_sandbox/state"))["employers"]:
            for manager in company["managers"]:
                if manager["email"] == email:
                    return {**manager, "employer_id": company["id"], "employer": company["name"]}
        raise AssertionError(f"no hh.ru manager {email}")

    async def account_label(self, email: str = ADMIN_EMAIL) -> str:
        """How the app page names that manager's account."""
        manager = await self.manager(email)
        return f"{manager['employer']} — {manager['name']}"

    async def portal_id(self) -> int:
        """hhsync's row of this portal (after the install)."""
        async with self.database.session() as session:
            row = await portals.get_portal_by_member_id(session, self.portal["member_id"])
        if row is None or row.id is None:
            raise AssertionError(f"hhsync stored no portal {self.domain}")
        return row.id

    async def rest(self, method: str, params: dict[str, Any]) -> Any:
        """A REST call on the portal as its administrator would make it (a fresh token of user
        1 from the sandbox); the ``result``, or a failure with the portal's answer."""
        grant = await self.bitrix_admin("POST", "/tokens", {"user_id": 1})
        answer = await self.bitrix.post(
            f"{grant['client_endpoint']}{method}.json",
            json={**params, "auth": grant["access_token"]},
        )
        return _accepted(answer)["result"]

    async def crm(self, kind: str) -> list[dict[str, Any]]:
        """The portal's CRM items of ``kind`` (``lead``, ``deal``…) as the sandbox stores them."""
        items: list[dict[str, Any]] = await self.bitrix_admin("GET", f"/entities/{kind}")
        return items


def _accepted(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise AssertionError(f"{response.request.method} {response.url}: {response.text}")
    return response.json()


@asynccontextmanager
async def running(runner: Runner) -> AsyncIterator[None]:
    """The daemon running in this event loop until the block ends."""
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop, handle_signals=False), name="daemon")
    started = asyncio.create_task(runner.started.wait())
    await asyncio.wait([task, started], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # what stopped it from starting
    if not runner.started.is_set():
        raise AssertionError("the daemon did not start")
    try:
        yield
    finally:
        stop.set()
        started.cancel()
        await task


@asynccontextmanager
async def open_app_stage(
    db_url: str,
    cipher: TokenCipher,
    *,
    hh_config: HhSandboxConfig | None = None,
    lang: str = "ru",
) -> AsyncIterator[AppStage]:
    """Both sandboxes, the daemon serving the app, and a portal (``lang``) without the app."""
    web_port = free_port()
    app_origin = f"http://127.0.0.1:{web_port}"
    hh = hh_for_door(app_origin, hh_config or small_employer())
    bitrix_config = bitrix_for_door(app_origin, seed=5)
    database = Database(db_url, pool_size=8)
    try:
        with serve_all(create_hh(hh), create_bitrix(bitrix_config)) as (hh_url, bitrix_url):
            settings = door_settings(
                runner_settings(hh_url, db_url),
                public_url=app_origin,
                hh_url=hh_url,
                hh=hh,
                bitrix=bitrix_config,
                server_endpoint=bitrix_url,
            )
            settings = settings.model_copy(
                update={
                    "bitrix": settings.bitrix.model_copy(
                        update={"oauth_url": AnyHttpUrl(bitrix_url)}
                    ),
                    "web": settings.web.model_copy(update={"host": "127.0.0.1", "port": web_port}),
                }
            )
            runner = Runner(settings, database, cipher, instance_id="journey", tick_s=0.2)
            async with (
                httpx.AsyncClient(base_url=bitrix_url, timeout=30) as bitrix,
                httpx.AsyncClient(base_url=hh_url, timeout=30) as hh_control,
                running(runner),
            ):
                created = _accepted(
                    await bitrix.post(
                        "/_sandbox/portals",
                        json={"domain_is_host": True, "installed": False, "lang": lang},
                    )
                )
                yield AppStage(bitrix, hh_control, database, runner, app_origin, created)
    finally:
        await database.dispose()


class InstallHold:
    """Holds the portal's ``setInstallFinish`` command until the installer has been seen:
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


async def install_from_portal(page: Page, install_url: str, shot: Shot | None = None) -> None:
    """The administrator presses «Установить»; the installer runs in the frame and calls
    ``installFinish``; the portal reloads the frame with the app page."""
    hold = InstallHold()
    await page.route("**/_sandbox/frames/*/commands", hold.route)
    await page.goto(install_url)
    await page.click("#b24-install")
    frame = app_frame(page)
    try:
        async with asyncio.timeout(WAIT_MS / 1000):
            await hold.asked.wait()
    except TimeoutError:
        shown = await frame.locator("body").text_content()
        raise AssertionError(f"the installer never called installFinish: {shown}") from None
    await expect(frame.locator("#hhsync-install-state")).to_have_text(texts.INSTALL_DONE)
    if shot is not None:
        await shot(page, "installer-finishing")
    hold.released.set()
    await expect(frame.locator("#hhsync-app")).to_be_visible(timeout=WAIT_MS)
    await page.unroute("**/_sandbox/frames/*/commands")


async def log_in_to_hh(
    page: Page,
    login: Locator,
    app_origin: str,
    *,
    email: str = ADMIN_EMAIL,
    password: str = DEMO_PASSWORD,
    shot: Shot | None = None,
) -> str:
    """Press ``login`` («Войти»): hh.ru's login form in the popup, the consent, the callback
    page, which tells the app page and closes itself. Returns what the callback page said."""
    async with page.expect_popup(timeout=WAIT_MS) as opened:
        await login.click()
    popup = await opened.value
    closed = asyncio.Event()
    popup.on("close", lambda _: closed.set())
    await expect(popup.locator("#email")).to_be_visible(timeout=WAIT_MS)
    await popup.fill("#email", email)
    await popup.fill("#password", password)
    if shot is not None:
        await shot(popup, "hh-login")
    await popup.click("form[action='/oauth/authorize/login'] button[type=submit]")
    allow = popup.locator("button[name=decision][value=allow]")
    await expect(allow).to_be_visible(timeout=WAIT_MS)
    if shot is not None:
        await shot(popup, "hh-consent")
    await allow.click()
    await popup.wait_for_url(f"{app_origin}/oauth/hh/callback?**", timeout=WAIT_MS)
    # The page closes itself a few seconds after it loads: read and capture it first.
    await expect(popup.locator("h1")).to_have_text(translator("ru")("login.linked_title"))
    message = await popup.locator("p.message").text_content()
    if shot is not None:
        try:
            await shot(popup, "hh-callback")
        except Error:
            if not popup.is_closed():
                raise
    async with asyncio.timeout(WAIT_MS / 1000):
        await closed.wait()
    return message or ""


async def tab(frame: FrameLocator, name: str) -> Locator:
    """Open the app page's tab ``name`` (``auth``, ``settings``, ``inbox``, ``journal``); its
    panel, shown."""
    await frame.locator(f"button[data-tab={name}]").click()
    panel = frame.locator(f"section#panel-{name}")
    await expect(panel).to_be_visible(timeout=WAIT_MS)
    return panel


async def screenshot_whole(page: Page, path: str) -> None:
    """A screenshot of the whole portal page with the app's frame painted to its end.

    Chromium paints a frame from another origin only within the window, so a full-page shot
    leaves the frame blank below the first screen; the window is stretched to the page's height
    for the shot and then given its size back.
    """
    size = page.viewport_size
    height = await page.evaluate("() => document.documentElement.scrollHeight")
    if size is None or height <= size["height"]:
        await page.screenshot(path=path, full_page=True)
        return
    await page.set_viewport_size({"width": size["width"], "height": int(height)})
    try:
        await page.screenshot(path=path)
    finally:
        await page.set_viewport_size(size)


async def app_document(page: Page) -> Frame:
    """The application's frame on a sandbox portal page, as a frame scripts can run in."""
    element = await page.wait_for_selector(APP_FRAME, timeout=WAIT_MS)
    if element is None:
        raise AssertionError("the portal page has no application frame")
    frame = await element.content_frame()
    if frame is None:
        raise AssertionError("the application frame has no document")
    return frame


FITTED = """() => {
  const root = document.documentElement;
  return root.scrollWidth <= root.clientWidth && root.scrollHeight <= root.clientHeight;
}"""
SIZES = """() => {
  const root = document.documentElement;
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
          scrollHeight: root.scrollHeight, clientHeight: root.clientHeight};
}"""
# Each enabled primary button of the shown panel, and what the accent token resolves to (a probe
# element filled with it gives the same rgb() notation a computed background has).
PRIMARY_COLOURS = """([selector, token]) => {
  const probe = document.createElement("span");
  probe.style.backgroundColor = "var(" + token + ")";
  document.body.appendChild(probe);
  const accent = getComputedStyle(probe).backgroundColor;
  probe.remove();
  const defined = getComputedStyle(document.documentElement).getPropertyValue(token).trim();
  const buttons = Array.from(document.querySelectorAll(selector)).filter(
    (b) => !b.disabled && b.offsetParent !== null);
  return {defined: defined, accent: accent, buttons: buttons.map((b) => ({
    name: b.id || b.className, colour: getComputedStyle(b).backgroundColor}))};
}"""
PRIMARY_MATCH = """([selector, token]) => {
  const probe = document.createElement("span");
  probe.style.backgroundColor = "var(" + token + ")";
  document.body.appendChild(probe);
  const accent = getComputedStyle(probe).backgroundColor;
  probe.remove();
  if (!getComputedStyle(document.documentElement).getPropertyValue(token).trim()) return false;
  return Array.from(document.querySelectorAll(selector))
    .filter((b) => !b.disabled && b.offsetParent !== null)
    .every((b) => getComputedStyle(b).backgroundColor === accent);
}"""


# The app's own content height: the bottom of its main box plus the body's padding below it.
CONTENT_HEIGHT = """() => {
  const body = getComputedStyle(document.body);
  const main = document.getElementById("hhsync-app").getBoundingClientRect();
  return Math.ceil(main.bottom + window.scrollY + parseFloat(body.paddingBottom)
                   + parseFloat(body.marginBottom));
}"""
FRAME_HEIGHT = "(selector) => document.querySelector(selector).clientHeight"  # inside its border


async def frame_heights(page: Page) -> tuple[float, int]:
    """The app frame's height in the portal's page, and the app's content height inside it."""
    frame = await app_document(page)
    outer: float = await page.evaluate(FRAME_HEIGHT, APP_FRAME)
    inner: int = await frame.evaluate(CONTENT_HEIGHT)
    return outer, inner


async def assert_frame_fits_content(page: Page, slack_px: int = 4) -> float:
    """The portal has sized the app's frame to the app's content, within ``slack_px``: shorter
    as well as taller, so a short tab after a long one leaves no blank space, and the frame's
    document does not scroll. Returns the frame's height."""
    try:
        async with asyncio.timeout(WAIT_MS / 1000):
            while True:
                outer, inner = await frame_heights(page)
                if abs(outer - inner) <= slack_px:
                    break
                await asyncio.sleep(0.1)  # a bounded wait for the resize, not a timing check
    except TimeoutError:
        raise AssertionError(f"the frame is {outer} px high for {inner} px of content") from None
    frame = await app_document(page)
    if not await frame.evaluate(FITTED):
        sizes = await frame.evaluate(SIZES)
        raise AssertionError(f"the app's document scrolls inside the frame: {sizes}")
    return outer


async def assert_page_clean(page: Page, watch: BrowserWatch) -> int:
    """What a person at 1280×800 must not see on the shown tab, nor a developer in the console.

    "No scrollbars" for an app the portal fits to its content (``fitWindow``): the app's document
    never scrolls sideways, and the portal has resized the frame to the document's height, so it
    does not scroll down either; the portal's page does not scroll sideways. Every enabled
    primary button shown is filled with the resolved ``--ui-color-accent-main-primary``. No
    console error, uncaught exception or failed request so far. Returns how many primary
    buttons were checked.
    """
    frame = await app_document(page)
    await page.mouse.move(1, 1)  # hover and focus colours are not the button's own
    await frame.evaluate("() => document.activeElement && document.activeElement.blur()")
    try:
        await frame.wait_for_function(FITTED, timeout=WAIT_MS)
    except Error:
        sizes = await frame.evaluate(SIZES)
        raise AssertionError(f"the app's document scrolls inside the frame: {sizes}") from None
    top = await page.evaluate(SIZES)
    if top["scrollWidth"] > top["clientWidth"]:
        raise AssertionError(f"the portal page scrolls sideways: {top}")
    try:
        # a button's colour may still be in a CSS transition: wait for it to settle
        await frame.wait_for_function(
            PRIMARY_MATCH, arg=[PRIMARY_BUTTON, ACCENT_TOKEN], timeout=WAIT_MS
        )
    except Error:
        colours = await frame.evaluate(PRIMARY_COLOURS, [PRIMARY_BUTTON, ACCENT_TOKEN])
        raise AssertionError(f"primary buttons off the accent token: {colours}") from None
    colours = await frame.evaluate(PRIMARY_COLOURS, [PRIMARY_BUTTON, ACCENT_TOKEN])
    if watch.errors or watch.failed:
        raise AssertionError(f"the browser saw errors {watch.errors}, failures {watch.failed}")
    return len(colours["buttons"])
