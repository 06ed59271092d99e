"""A real Chromium for tests that must see what a user's browser does (frames, postMessage, CORS).

It drives Debian's Chromium (``/usr/bin/chromium``, installed by ``scripts/ensure_chromium.sh``)
through Playwright's ``executable_path``; nothing ever downloads a browser (never run
``playwright install``). Playwright comes with the ``dev`` extra only, so only tests and scripts
import this module.

The Bitrix24 sandbox hosts an application the way a portal does: give the portal a browser origin
(``POST /_sandbox/portals {"domain_is_host": true}`` names it ``localhost:PORT``) and open
``http://localhost:PORT/marketplace/app/1/`` in :func:`chromium`; :func:`app_frame` is the
application's iframe. :class:`BrowserWatch` notes what a person would not see but a broken page
shows: console errors, uncaught exceptions (frames and popups included), failed requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    FrameLocator,
    Page,
    Request,
    Response,
    WebError,
    async_playwright,
)

from hhsync.errors import Fatal

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
APP_FRAME = "#b24-app-frame"
"""The iframe a sandbox portal page hosts the application in."""


class ChromiumMissing(Fatal):
    """Debian's Chromium is not where the browser tests expect it (a broken setup)."""


def chromium_path(executable: Path | None = None) -> Path:
    """The Chromium binary to drive, or :class:`ChromiumMissing` saying how to get it."""
    path = executable or CHROMIUM
    if not path.is_file():
        raise ChromiumMissing(
            f"no Chromium at {path}: run `bash scripts/ensure_chromium.sh` (Debian's package)"
        )
    return path


@asynccontextmanager
async def chromium(executable: Path | None = None, headless: bool = True) -> AsyncIterator[Browser]:
    """A headless Chromium for the duration of the block, closed afterwards."""
    path = chromium_path(executable)
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path=str(path), args=list(CHROMIUM_ARGS), headless=headless
        )
        try:
            yield browser
        finally:
            await browser.close()


def app_frame(page: Page) -> FrameLocator:
    """The application's iframe on a sandbox portal page (works across origins)."""
    return page.frame_locator(APP_FRAME)


@dataclass
class BrowserWatch:
    """What every page of a browser context showed: console errors, uncaught exceptions, failed
    requests, and the answers of ``app_origin`` at ``frame_paths`` (for their headers).

    A browser asks for some things without a network event (``/favicon.ico``); their failures
    reach the console, so they show up in :attr:`errors`.
    """

    app_origin: str
    frame_paths: tuple[str, ...] = ()
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    frame_answers: list[Response] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        """Listen to every page of ``context``, its frames and popups included."""
        context.on("console", self._console)
        context.on("weberror", self._uncaught)
        context.on("response", self._response)
        context.on("requestfailed", self._request_failed)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} at {message.location}")

    def _uncaught(self, error: WebError) -> None:
        self.errors.append(f"uncaught: {error.error}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.request.method} {response.url}")
        parts = urlsplit(response.url)
        if f"{parts.scheme}://{parts.netloc}" == self.app_origin and parts.path in self.frame_paths:
            self.frame_answers.append(response)

    def _request_failed(self, request: Request) -> None:
        self.failed.append(f"failed {request.method} {request.url}: {request.failure}")


def csp_directives(policy: str) -> dict[str, str]:
    """A ``Content-Security-Policy`` header as directive name -> value."""
    pairs = (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    return {name.lower(): value.strip() for name, _, value in pairs}
