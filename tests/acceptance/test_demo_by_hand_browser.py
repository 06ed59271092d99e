"""`hhsync demo`'s by-hand portal, clicked through in Chromium as its printed lines tell a person.

The demo runs as a user starts it (a process, its embedded database); the person opens the
"Set up by hand" portal's app page, presses «Войти» and logs in to hh.ru with the printed login,
picks the responsible person in the portal's dialog, saves «Настройки», watches the import end,
and sees the feeder's new responses reach the portal's CRM.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from hhsync.testing.app_journey import WAIT_MS, assert_page_clean, log_in_to_hh, tab
from hhsync.testing.browser import BrowserWatch, app_frame
from hhsync.testing.daemon import clean_environ

pytestmark = pytest.mark.slow

BY_HAND = re.compile(r"Set up by hand \(installed, not linked\): (http://(localhost:(\d+))\S+)")
LOGIN = re.compile(r"«Войти» on hh.ru as (\S+@example\.com) / (\S+),")
WEB = re.compile(r"hhsync metrics:\s+(http://[\d.:]+)/metrics")
DEADLINE_S = 90.0  # a bound on the waits for the demo's passes, never a timing assertion


async def _printed_until_up(demo: asyncio.subprocess.Process) -> str:
    """What the demo prints up to the line saying it is up."""
    assert demo.stdout is not None
    lines: list[str] = []
    async with asyncio.timeout(120):
        while not lines or "Ctrl-C stops the demo" not in lines[-1]:
            line = (await demo.stdout.readline()).decode()
            if not line:
                raise AssertionError("the demo ended early:\n" + "".join(lines))
            lines.append(line)
    return "".join(lines)


async def _drain(demo: asyncio.subprocess.Process) -> None:
    """Keep reading the live counts so the demo never blocks on a full pipe."""
    assert demo.stdout is not None
    while await demo.stdout.readline():
        pass


async def _leads(bitrix: httpx.AsyncClient, domain: str) -> int:
    summary = (await bitrix.get(f"/_sandbox/portals/{domain}")).json()
    count: int = summary["counts"]["leads"]
    return count


async def test_a_person_links_hh_ru_and_saves_the_settings_of_the_by_hand_portal(
    browser: Browser, tmp_path: Path
) -> None:
    with (tmp_path / "demo.err").open("wb") as errors:
        demo = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "hhsync",
            "demo",
            "--poll-interval",
            "2",
            cwd=tmp_path,
            env=clean_environ(),
            stdout=asyncio.subprocess.PIPE,
            stderr=errors,
        )
    drain: asyncio.Task[None] | None = None
    try:
        out = await _printed_until_up(demo)
        drain = asyncio.create_task(_drain(demo))
        by_hand, login, web = BY_HAND.search(out), LOGIN.search(out), WEB.search(out)
        assert by_hand is not None, out
        assert login is not None, out
        assert web is not None, out
        app_url, domain, port = by_hand.groups()
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        watch = BrowserWatch(web.group(1))
        watch.attach(context)
        page = await context.new_page()
        await page.goto(app_url)
        frame = app_frame(page)

        # «Войти» with the printed login; the account is listed
        auth = await tab(frame, "auth")
        await expect(auth.locator("#hh-accounts .hh-account-name")).to_have_count(0)
        await log_in_to_hh(
            page,
            auth.locator("#hh-accounts button.hh-login"),
            web.group(1),
            email=login.group(1),
            password=login.group(2),
        )
        await expect(auth.locator("#hh-accounts .hh-account-name")).to_have_count(
            1, timeout=WAIT_MS
        )

        # «Настройки»: the portal's dialog picks the responsible person; the save starts the import
        form = (await tab(frame, "settings")).locator("form#settings-form")
        await form.locator("button#settings-responsible-pick").click()
        await page.locator("#b24-dialog button[data-user-id='1']").click()
        await expect(form.locator("input[name=responsible_user_id]")).to_have_value("1")
        await form.locator("button#settings-save").click()
        progress = frame.locator("#settings-progress")
        await expect(progress).to_be_visible(timeout=WAIT_MS)  # hidden until the first save
        await expect(progress.locator("[data-progress=imported]")).not_to_have_text(
            "0", timeout=int(DEADLINE_S * 1000)
        )
        await expect(progress).to_have_attribute(
            "data-state", "done", timeout=int(DEADLINE_S * 1000)
        )
        imported = int(await progress.locator("[data-progress=imported]").inner_text())
        assert imported > 0
        await assert_page_clean(page, watch)

        # the feeder's new responses reach this portal's CRM too
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as bitrix:
            first = await _leads(bitrix, domain)
            assert first >= imported
            grown = first
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(DEADLINE_S):
                    while grown <= first:
                        await asyncio.sleep(1)
                        grown = await _leads(bitrix, domain)
        seen = (list(watch.errors), list(watch.failed))  # closing aborts the page's polls
        await context.close()
    finally:
        if demo.returncode is None:
            demo.send_signal(signal.SIGINT)
        async with asyncio.timeout(60):
            await demo.wait()
        if drain is not None:
            drain.cancel()
    assert grown > first, (first, grown)
    assert demo.returncode == 0, (tmp_path / "demo.err").read_text()[-3000:]
    assert seen == ([], [])
