"""The settings page's whole journey in a real Chromium, by the DOM contract's selectors alone.

Three origins as in production (:mod:`hhsync.testing.app_journey`): the Bitrix24 sandbox's portal
frames the app as Bitrix24 does, the daemon serves it and runs the passes, the hh.ru sandbox
logs the administrator in. The administrator installs the app, links hh.ru in the popup, picks
the responsible person through the portal's own ``selectUser`` dialog, switches to deals and
extended mode, maps the stages, saves, and watches the import reach its end; the deals are in
the sandbox CRM with those choices; a reload keeps them. Then the portal makes a field required
(the warning lists it, a new response fails, «Повторить» in «Журнал» brings it over once the
field is relaxed), and hh.ru revokes every token (the reauth banner, a new login clears it).
Every tab is then checked at 1280×800 and captured in Russian and in English:
``tests/artifacts/settings-<tab>-<ru|en>.png`` (not committed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, FrameLocator, Locator, Page, ViewportSize, expect

from hhsync.db.crypto import TokenCipher
from hhsync.testing.app_journey import (
    FRAME_PATHS,
    WAIT_MS,
    AppStage,
    assert_page_clean,
    install_from_portal,
    log_in_to_hh,
    open_app_stage,
    screenshot_whole,
    tab,
)
from hhsync.testing.browser import BrowserWatch, app_frame
from hhsync.testing.world import expected_leads
from hhsync.web.i18n import translator

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TABS = ("auth", "settings", "inbox", "journal")
RU = translator("ru")
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
RESPONSIBLE = 3  # Светлана Крылова, an active recruiter (Bitrix24 sandbox seed data)
RESPONSIBLE_NAME = "Светлана Крылова"
PIPELINE = "1"  # «Подбор персонала», the sandbox portal's second deal pipeline
SOURCE = "WEB"
# The stage each key gets where the page offers it (pipeline 1's stages); any other key gets the
# pipeline's first stage. Distinct stages, so a deal's stage tells which key routed it.
STAGES = {
    "response": "C1:PREPARATION",
    "invitation": "C1:PREPAYMENT_INVOICE",
    "interview": "C1:EXECUTING",
    "offer": "C1:FINAL_INVOICE",
}
REQUIRED_FIELD = "UF_CRM_BUDGET"  # a deal field of the portal's own, which hhsync never fills
REQUIRED_LABEL = "Бюджет кандидата"
NEW_PASSWORD = "a-new-password-1"
DEADLINE_S = 90.0  # a bound on each wait for the daemon's passes, never a timing assertion


async def until_shown(page: Page, name: str, selector: str) -> Locator:
    """What a person does while waiting for a pass: look at the tab ``name``, reload, look
    again, until ``selector`` shows in the app page."""
    frame = app_frame(page)
    try:
        async with asyncio.timeout(DEADLINE_S):
            while True:
                await tab(frame, name)
                found = frame.locator(selector)
                try:
                    await expect(found.first).to_be_visible(timeout=3_000)
                    return found
                except AssertionError:
                    await page.reload()
    except TimeoutError:
        raise AssertionError(f"{selector} never showed") from None


async def until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll the sandboxes until ``check`` holds (a bound, not a timing assertion)."""
    try:
        async with asyncio.timeout(DEADLINE_S):
            while not await check():  # noqa: ASYNC110 - the sandboxes signal nothing
                await asyncio.sleep(0.3)
    except TimeoutError:
        raise AssertionError(f"never: {what}") from None


async def new_response(world: AppStage, employer_id: str) -> str:
    """A new response on the employer's first open vacancy (hh.ru sandbox); its id."""
    state = await world.hh_admin("GET", "/_sandbox/state")
    vacancy = next(
        v for v in state["vacancies"] if v["employer_id"] == employer_id and not v["archived"]
    )
    added = await world.hh_admin(
        "POST", "/_sandbox/negotiations", {"vacancy_id": vacancy["id"], "kind": "response"}
    )
    return str(added["id"])


async def deal_of(world: AppStage, negotiation_id: str) -> dict[str, Any] | None:
    """The CRM deal whose origin is that negotiation, if there is one."""
    deals = [d for d in await world.crm("deal") if d.get("ORIGIN_ID") == negotiation_id]
    return deals[0] if deals else None


async def pick_settings(page: Page, frame: FrameLocator) -> dict[str, str]:
    """Настройки: responsible person through ``selectUser``, deals in pipeline 1 from source
    WEB, extended mode, every stage row mapped. Returns the stage map the page shows."""
    panel = await tab(frame, "settings")
    form = panel.locator("form#settings-form")
    await expect(form).to_be_visible()
    await form.locator("button#settings-responsible-pick").click()
    # the portal's own dialog, on the portal's page (b24-parent.js), answers the SDK's call
    await page.locator(f"#b24-dialog button[data-user-id='{RESPONSIBLE}']").click()
    await expect(page.locator("#b24-dialog")).to_be_hidden()
    await expect(form.locator("#settings-responsible-name")).to_contain_text(RESPONSIBLE_NAME)
    await expect(form.locator("input[name=responsible_user_id]")).to_have_value(str(RESPONSIBLE))
    await form.locator("input[name=entity_type][value=deal]").check()
    await form.locator("select[name=category_id]").select_option(PIPELINE)
    await form.locator("select[name=source_id]").select_option(SOURCE)
    await form.locator("input[type=checkbox][name=extended]").check()
    rows = form.locator("table#settings-stages tr[data-stage-key]:visible")  # extended mode's
    await expect(rows.first).to_be_visible()
    chosen: dict[str, str] = {}
    for index in range(await rows.count()):
        row = rows.nth(index)
        key = await row.get_attribute("data-stage-key")
        assert key is not None
        select = row.locator("select")
        await expect(select).to_have_count(1)
        offered = await select.locator("option").evaluate_all("(os) => os.map((o) => o.value)")
        assert "C1:NEW" in offered, (key, offered)  # the chosen pipeline's stages
        await select.select_option(STAGES.get(key, "C1:NEW"))
        chosen[key] = await select.input_value()
    assert {"response", "interview", "offer"} <= chosen.keys(), chosen
    return chosen


async def settings_kept(frame: FrameLocator, stages: dict[str, str]) -> None:
    """After a reload the form shows what was saved."""
    form = (await tab(frame, "settings")).locator("form#settings-form")
    await expect(form.locator("#settings-responsible-name")).to_contain_text(RESPONSIBLE_NAME)
    await expect(form.locator("input[name=responsible_user_id]")).to_have_value(str(RESPONSIBLE))
    await expect(form.locator("input[name=entity_type][value=deal]")).to_be_checked()
    await expect(form.locator("select[name=category_id]")).to_have_value(PIPELINE)
    await expect(form.locator("select[name=source_id]")).to_have_value(SOURCE)
    await expect(form.locator("input[type=checkbox][name=extended]")).to_be_checked()
    for key, stage in stages.items():
        row = form.locator(f"table#settings-stages tr[data-stage-key='{key}']:visible select")
        await expect(row).to_have_value(stage)


async def capture_tabs(page: Page, watch: BrowserWatch, artifacts: Path, lang: str) -> None:
    """Every tab at 1280×800: clean (no scrollbar, no error, the accent colour), captured."""
    frame = app_frame(page)
    await expect(frame.locator(f"#hhsync-app[data-language={lang}]")).to_be_visible()
    for name in TABS:
        panel = await tab(frame, name)
        if name == "settings":  # «Сохранить» is enabled once the portal's choices are in
            await expect(panel.locator("button#settings-save")).to_be_enabled(
                timeout=int(DEADLINE_S * 1000)
            )
        primaries = await assert_page_clean(page, watch)
        if name == "settings":
            assert primaries >= 1, "«Сохранить» is no primary button"
        await screenshot_whole(page, str(artifacts / f"settings-{name}-{lang}.png"))


async def test_an_admin_sets_up_the_sync_on_the_settings_page_and_keeps_it_running(
    browser: Browser, artifacts: Path, db_url: str, cipher: TokenCipher
) -> None:
    async with open_app_stage(db_url, cipher) as world:
        manager = await world.manager()
        context = await browser.new_context(viewport=VIEWPORT)
        watch = BrowserWatch(world.app_origin, FRAME_PATHS)
        watch.attach(context)
        page = await context.new_page()
        frame = app_frame(page)

        # 1. installed from the portal's page; 2. hh.ru linked in the popup
        await install_from_portal(page, world.portal["pages"]["install"])
        auth = await tab(frame, "auth")
        await log_in_to_hh(page, auth.locator("#hh-accounts button.hh-login"), world.app_origin)
        await expect(auth.locator("#hh-accounts .hh-account-name")).to_have_text(
            [await world.account_label()], timeout=WAIT_MS
        )
        await assert_page_clean(page, watch)
        await expect(auth.locator("#auth-sync-state")).to_have_attribute(
            "data-state", "sync_needs_settings"
        )
        inbox = await tab(frame, "inbox")
        await expect(inbox.locator("#inbox-not-configured")).to_be_visible()

        # 3. the settings picked and saved; the import's progress reaches its end
        stages = await pick_settings(page, frame)
        form = frame.locator("form#settings-form")
        progress = frame.locator("#settings-progress")
        await expect(progress).to_have_attribute("data-state", "idle")  # hidden until the save
        await expect(progress).to_be_hidden()
        await form.locator("button#settings-save").click()
        # the save's answer starts the import at once; the polls follow it to its end
        await expect(progress).to_have_attribute("data-state", "running", timeout=WAIT_MS)
        await expect(progress).to_be_visible()
        await expect(progress).to_have_attribute(
            "data-state", "done", timeout=int(DEADLINE_S * 1000)
        )
        await expect(frame.locator("#settings-saved")).to_be_visible(timeout=WAIT_MS)
        expected = await expected_leads(world.hh)
        assert expected > 0
        await expect(progress.locator("[data-progress=imported]")).to_have_text(str(expected))
        await expect(progress.locator("[data-progress=loaded]")).to_have_text(str(expected))
        await expect(progress.locator("[data-progress=failed]")).to_have_text("0")
        await expect(progress.locator("[data-progress=pending]")).to_have_text("0")
        # the other tabs learn of the save without a reload
        auth = await tab(frame, "auth")
        await expect(auth.locator("#auth-sync-state")).to_have_attribute(
            "data-state", "sync_active", timeout=WAIT_MS
        )
        await expect(auth.locator("#auth-sync-state")).to_have_text(RU("auth.sync_active"))
        inbox = await tab(frame, "inbox")
        await expect(inbox.locator("#inbox-not-configured")).to_be_hidden(timeout=WAIT_MS)

        # 4. the CRM holds one deal a negotiation, with the choices made, and no lead
        deals = await world.crm("deal")
        assert len(deals) == expected
        assert await world.crm("lead") == []
        assert {str(d["CATEGORY_ID"]) for d in deals} == {PIPELINE}
        assert {str(d["ASSIGNED_BY_ID"]) for d in deals} == {str(RESPONSIBLE)}
        assert {d["SOURCE_ID"] for d in deals} == {SOURCE}
        assert {d["STAGE_ID"] for d in deals} <= set(stages.values())

        # 5. Новые отклики: nothing waits; a new response arrives after «Проверить сейчас», in
        # the response's stage, and moves to the interview's stage when hh.ru says interview
        inbox = await tab(frame, "inbox")
        await expect(inbox.locator("#inbox-waiting")).to_have_text("0")
        # the next check is either a time or, when it is already due, «в ближайшие секунды»
        next_pass = inbox.locator("#inbox-next-pass")
        next_pass_text = inbox.locator("[data-inbox=next_pass_text]")

        async def next_pass_shown() -> bool:
            when = await next_pass.get_attribute("datetime")
            return bool(when) or await next_pass_text.inner_text() == RU("inbox.next_pass_due")

        await until(next_pass_shown, "the next check shown as a time or as due")
        arrived = await new_response(world, manager["employer_id"])
        await inbox.locator("button#inbox-check-now").click()
        await expect(inbox.locator("#inbox-check-status")).not_to_be_empty()

        async def arrived_in_crm() -> bool:
            return await deal_of(world, arrived) is not None

        await until(arrived_in_crm, f"negotiation {arrived} in the CRM")
        deal = await deal_of(world, arrived)
        assert deal is not None
        assert deal["STAGE_ID"] == stages["response"]
        await world.hh_admin(
            "POST", f"/_sandbox/negotiations/{arrived}/state", {"employer_state": "interview"}
        )

        async def moved() -> bool:
            moved_deal = await deal_of(world, arrived)
            return moved_deal is not None and moved_deal["STAGE_ID"] == stages["interview"]

        await until(moved, f"negotiation {arrived}'s deal in the interview's stage")

        # 6. a reload keeps every choice
        await page.reload()
        await settings_kept(frame, stages)

        # 7. the portal adds a field and makes it required: the page warns, a new response fails
        await world.rest(
            "crm.deal.userfield.add",
            {
                "fields": {
                    "FIELD_NAME": REQUIRED_FIELD,
                    "USER_TYPE_ID": "string",
                    "EDIT_FORM_LABEL": REQUIRED_LABEL,
                }
            },
        )
        await world.bitrix_admin(
            "POST",
            "/required",
            {"entity": "deal", "field": REQUIRED_FIELD, "label": REQUIRED_LABEL},
        )
        await page.reload()
        warning = (await tab(frame, "settings")).locator("#settings-required-warning")
        await expect(warning.locator(f"li[data-field={REQUIRED_FIELD}]")).to_contain_text(
            REQUIRED_LABEL
        )
        refused = await new_response(world, manager["employer_id"])
        # the journal's only failure is it (a row's id is hhsync's own, not hh.ru's)
        failed = await until_shown(page, "journal", "#journal-table tr[data-status=failed]")
        await expect(failed).to_have_count(1)
        await expect(failed.locator(".journal-reason")).to_contain_text(REQUIRED_LABEL)
        row_id = await failed.get_attribute("data-negotiation-id")
        assert row_id
        await expect(failed).to_have_attribute("data-hh-negotiation-id", str(refused))
        assert row_id != str(refused)
        assert await deal_of(world, refused) is None

        # 8. the field relaxed, «Повторить» brings it over
        await world.bitrix_admin("DELETE", "/required", {"entity": "deal", "field": REQUIRED_FIELD})
        await failed.locator("button.journal-retry").click()
        row = f"#journal-table tr[data-negotiation-id='{row_id}']"
        synced = await until_shown(page, "journal", f"{row}[data-status=synced]")
        deal = await deal_of(world, refused)
        assert deal is not None
        link = await synced.locator("a.journal-entity").get_attribute("href")
        assert link is not None
        assert world.domain in link
        assert link.rstrip("/").endswith(str(deal["ID"])), link
        await expect(frame.locator("#journal-table tr[data-status=failed]")).to_have_count(0)

        # 9. hh.ru revokes every token: the banner asks for a new login, which clears it
        await world.hh_admin(
            "POST", f"/_sandbox/managers/{manager['id']}/password", {"password": NEW_PASSWORD}
        )

        banner = await until_shown(page, "auth", "#auth-banner-reauth")
        await screenshot_whole(page, str(artifacts / "settings-auth-reauth-ru.png"))
        await log_in_to_hh(
            page, banner.locator("button.hh-login"), world.app_origin, password=NEW_PASSWORD
        )
        await page.reload()
        await tab(frame, "auth")
        await expect(frame.locator("#auth-banner-reauth")).to_be_hidden()

        # 10. every tab, clean and captured, in Russian and then in English
        await capture_tabs(page, watch, artifacts, "ru")
        await world.bitrix_admin("POST", "/lang", {"lang": "en"})
        await page.reload()
        await capture_tabs(page, watch, artifacts, "en")
        seen = (list(watch.errors), list(watch.failed))  # closing aborts the page's polls
        await context.close()

    assert seen == ([], [])
