"""A real Chromium for tests that must see what a user's browser does (frames, postMessage, CORS).

It drives Debian's Chromium (``/usr/bin/chromium``, installed by ``scripts/ensure_chromium.sh``)
through Playwright's ``executable_path``; nothing ever downloads a browser (never run
``playwright install``). Playwright comes with the ``dev`` extra only, so only tests and scripts
import this module.

The Bitrix24 sandbox hosts an application the way a portal does: give the portal a browser origin
(``POST /_sandbox/portals {"domain_is_host": true}`` names it ``localhost:PORT``) and open
``http://localhost:PORT/marketplace/app/1/`` in :func:`chromium`; :func:`app_frame` is the
application's iframe.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, FrameLocator, Page, async_playwright

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
