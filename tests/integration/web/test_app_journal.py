"""Журнал over real passes: a portal that refuses leads for a required field fills the log with
failures in words naming the field; «Повторить» (one row, then all) makes them due and the next
pass syncs them, with links to their cards on the portal; a recruiter reads only; another
portal's ids are not found and change nothing; hostile names reach the page escaped."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from hhsync.db import journal as stored_journal
from hhsync.db import leases, retries, state
from hhsync.db.journal import Cursor
from hhsync.db.tables import Negotiation, SyncStatus, Vacancy
from hhsync.sync.engine import run_pass
from hhsync.sync.options import PassOptions
from hhsync.testing.portal import install_sandbox_portal
from hhsync.testing.world import World
from hhsync.web.app_api.journal_view import encode_cursor
from tests.integration.sync.test_crm_deleted import delete_in_crm
from tests.integration.web.door_kit import snapshot
from tests.integration.web.inbox_journal_kit import (
    ADMIN,
    RECRUITER,
    REQUIRED_LABEL,
    AppPage,
    AppWorld,
    app_world,
    ids_of,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

HOSTILE = '</script><img src=x onerror=alert(1)> "Иван" & <b>'


@pytest.fixture
async def app(world: World, db_url: str) -> AsyncIterator[AppWorld]:
    """The app on the world."""
    async with app_world(world, db_url) as opened:
        yield opened


async def failed_pass(app: AppWorld) -> int:
    """A pass on a portal that refuses every lead: how many failed."""
    app.require_company()
    report = await run_pass(app.world.ctx, app.world.portal_id)
    assert report.writes.failed > 0
    assert report.writes.created == 0
    return report.writes.failed


async def test_failures_show_with_the_required_field_named(app: AppWorld) -> None:
    failed = await failed_pass(app)
    page = await app.open(ADMIN)

    answer = await page.get("/journal", status="failed", limit="100")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["failed"] == failed
    assert len(body["rows"]) == failed
    stored = {n.id: n for n in await app.negotiations(status=SyncStatus.FAILED)}
    assert set(ids_of(body["rows"])) == set(stored)
    for row in body["rows"]:
        assert row["status"] == "failed"
        assert row["reason"]["code"] == "required_field"
        assert f"«{REQUIRED_LABEL}»" in row["reason"]["text"]
        assert "обязательное поле" in row["reason"]["text"]
        assert row["entity"] is None
        assert row["can_retry"] is True
        assert row["applicant_name"] == stored[row["id"]].applicant_name
        assert row["applicant_name"]
        assert row["vacancy_name"]

    # The page renders the same rows on the server.
    some = body["rows"][0]
    # hhsync's row id and hh.ru's negotiation id, each in its own attribute
    assert some["id"] == stored[some["id"]].id
    assert (
        f'data-negotiation-id="{some["id"]}" '
        f'data-hh-negotiation-id="{stored[some["id"]].hh_negotiation_id}" data-status="failed"'
    ) in page.html
    assert 'class="journal-reason"' in page.html
    assert html.escape(f"«{REQUIRED_LABEL}»", quote=False) in page.html
    assert 'class="journal-retry ui-btn --air ui-btn-sm --style-plain"' in page.html
    assert 'id="journal-retry-all" class="ui-btn --air ui-btn-md --style-outline"' in page.html

    # An English-speaking portal reads the same rows in English.
    english = await (await app.open(ADMIN, lang="en")).get("/journal", status="failed")
    row = english.json()["rows"][0]
    assert row["reason"]["text"].startswith("Bitrix24 refused the response")
    assert f"«{REQUIRED_LABEL}»" in row["reason"]["text"]
    assert row["status_label"] == "Error"


async def test_retry_one_then_all_and_the_next_pass_syncs_them(app: AppWorld) -> None:
    await failed_pass(app)
    page = await app.open(ADMIN)
    failed = await app.negotiations(status=SyncStatus.FAILED)
    first, rest = failed[0], failed[1:]
    now = app.world.clock.now()
    assert all(n.next_retry_at is not None and n.next_retry_at > now for n in failed)

    one = await page.post(f"/journal/{first.id}/retry")
    assert one.status_code == 200, one.text
    assert one.json()["count"] == 1
    after = {n.id: n for n in await app.negotiations()}
    assert after[first.id].next_retry_at is not None
    assert after[first.id].next_retry_at <= app.world.clock.now()
    assert after[first.id].sync_status == SyncStatus.FAILED
    for untouched in rest:  # the other failures still wait for their backoff
        assert after[untouched.id].next_retry_at == untouched.next_retry_at
    portal = await app.portal()
    assert portal.next_pass_at is None or portal.next_pass_at <= app.world.clock.now()

    everything = await page.post("/journal/retry-all")
    assert everything.status_code == 200, everything.text
    assert everything.json()["count"] == len(failed)
    assert all(
        n.next_retry_at is not None and n.next_retry_at <= app.world.clock.now()
        for n in await app.negotiations(status=SyncStatus.FAILED)
    )
    async with app.world.ctx.database.session() as session:
        trail = await state.audit_trail(session, app.world.portal_id, limit=1000)
    assert sum(e.event == retries.RETRY_REQUESTED for e in trail) == len(failed) + 1

    app.allow_without_company()
    report = await run_pass(app.world.ctx, app.world.portal_id)
    assert report.errors == []
    assert report.writes.created == len(failed)
    assert await app.negotiations(status=SyncStatus.FAILED) == []

    synced = (await page.get("/journal", status="synced", limit="100")).json()
    assert len(synced["rows"]) == len(failed)
    leads = {lead["ID"] for lead in app.world.entities("lead")}
    for row in synced["rows"]:
        entity = row["entity"]
        assert entity["type"] == "lead"
        assert str(entity["id"]) in leads
        assert entity["url"] == f"https://{app.world.domain}/crm/lead/details/{entity['id']}/"
        assert row["reason"] is None
        assert row["can_retry"] is False

    # A synced row is not retried; an id no row has is not found.
    again = await page.post(f"/journal/{first.id}/retry")
    assert again.status_code == 409
    assert again.json()["reason"] == "not_failed"
    missing = await page.post("/journal/999999999/retry")
    assert missing.status_code == 404
    garbage = await page.post("/journal/12abc/retry")
    assert garbage.status_code == 404

    reopened = await app.open(ADMIN)
    assert 'class="journal-entity"' in reopened.html
    assert 'target="_top"' in reopened.html
    assert f'href="https://{app.world.domain}/crm/lead/details/' in reopened.html


async def test_the_log_pages_without_repeats_and_refuses_what_it_did_not_make(
    app: AppWorld,
) -> None:
    await failed_pass(app)
    page = await app.open(ADMIN)
    seen: list[int] = []
    before = ""
    while True:
        params = {"limit": "3", **({"before": before} if before else {})}
        answer = await page.get("/journal", **params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert len(body["rows"]) <= 3
        seen.extend(ids_of(body["rows"]))
        if body["next_before"] is None:
            break
        before = body["next_before"]
    shown = await app.negotiations(status=SyncStatus.FAILED)
    assert sorted(seen) == sorted(n.id for n in shown)
    assert len(seen) == len(set(seen))
    ordered = (await page.get("/journal", limit="100")).json()["rows"]
    assert [r["at"] for r in ordered] == sorted((r["at"] for r in ordered), reverse=True)

    for params, reason in (
        ({"status": "pending"}, "bad_status"),
        ({"before": "yesterday"}, "bad_cursor"),
        ({"before": "1.2.3"}, "bad_cursor"),
        ({"limit": "0"}, "bad_limit"),
        ({"limit": "101"}, "bad_limit"),
        ({"limit": "-1"}, "bad_limit"),
    ):
        refused = await page.get("/journal", **params)
        assert refused.status_code == 400, params
        assert refused.json()["reason"] == reason
        assert refused.json()["error"]
    unproven = await app.client.get("/app/api/journal")
    assert unproven.status_code == 401


OUTCOMES = frozenset(
    {
        "entity.created",
        "entity.adopted",
        "entity.updated",
        "activity.added",
        "activity.adopted",
        "sync.failed",
        retries.RETRY_REQUESTED,
    }
)
"""The audit lines of what moves a row in the log: its outcomes and a retry asked for."""


async def all_pages(page: AppPage, before: str, limit: int) -> list[dict[str, Any]]:
    """Every row of the log from the cursor ``before`` on, ``limit`` a page."""
    rows: list[dict[str, Any]] = []
    while before:
        body = (await page.get("/journal", limit=str(limit), before=before)).json()
        rows.extend(body["rows"])
        before = body["next_before"] or ""
    return rows


async def test_a_pass_that_re_reads_every_vacancy_between_two_pages_moves_no_row(
    app: AppWorld,
) -> None:
    """Finding: the log was ordered by ``updated_at``, which every read of hh.ru bumps, so the
    rows of page 1 jumped ahead of the cursor and page 2 skipped them."""
    world = app.world
    await failed_pass(app)
    page = await app.open(ADMIN)
    chosen = (await app.negotiations(status=SyncStatus.FAILED))[:4]
    for negotiation in chosen:
        assert (await page.post(f"/journal/{negotiation.id}/retry")).status_code == 200
    # A retry is the row's latest news: the retried rows lead the log.
    top = (await page.get("/journal", limit=str(len(chosen)))).json()["rows"]
    assert set(ids_of(top)) == {n.id for n in chosen}
    app.allow_without_company()
    synced = await run_pass(world.ctx, world.portal_id)
    assert synced.writes.created == len(chosen), synced.errors
    app.require_company()
    # The other failures wait out their backoff; pushed past this test, so no pass below retries
    # one (a retry would be a new outcome, which rightly moves its row to the top).
    later = world.clock.now() + timedelta(days=1)
    async with world.ctx.database.session() as session:
        await session.exec(
            update(Negotiation)
            .where(
                col(Negotiation.portal_id) == world.portal_id,
                col(Negotiation.sync_status) == SyncStatus.FAILED,
            )
            .values(next_retry_at=later)
        )
    listed = {n.id: n for n in await app.negotiations() if n.sync_status in stored_shown()}
    assert len(listed) > 8
    limit = len(listed) // 2

    first = (await page.get("/journal", limit=str(limit))).json()
    assert len(first["rows"]) == limit
    assert first["next_before"]
    world.clock.advance(1)
    reread_at = world.clock.now()
    reread = await run_pass(world.ctx, world.portal_id, PassOptions(force=True))
    assert reread.errors == []
    assert (reread.writes.created, reread.writes.updated, reread.writes.failed) == (0, 0, 0)
    after = {n.id: n for n in await app.negotiations()}
    moved = [i for i, n in listed.items() if after[i].updated_at > n.updated_at]
    assert sorted(moved) == sorted(listed)  # the pass re-read every row the log shows
    rest = await all_pages(page, first["next_before"], limit)

    shown = [*first["rows"], *rest]
    assert len(ids_of(shown)) == len(set(ids_of(shown)))  # no row twice
    assert sorted(ids_of(shown)) == sorted(listed)  # and none skipped
    async with world.ctx.database.session() as session:
        trail = await state.audit_trail(session, world.portal_id, limit=10_000)
    latest: dict[int, datetime] = {}
    for event in trail:  # newest first
        if event.event in OUTCOMES and event.negotiation_id is not None:
            latest.setdefault(event.negotiation_id, event.at)
    for row in shown:  # the time shown is the row's latest outcome, never the re-read
        at = datetime.fromisoformat(row["at"])
        assert at == latest[row["id"]], row["id"]
        assert at < reread_at
    ordered = [(datetime.fromisoformat(r["at"]), r["id"]) for r in shown]
    assert ordered == sorted(ordered, reverse=True)
    assert {r["status"] for r in shown} == {"synced", "failed"}


def stored_shown() -> tuple[str, ...]:
    """The statuses the log lists, as stored."""
    return tuple(s.value for s in stored_journal.SHOWN)


async def test_a_recruiter_reads_the_log_and_retries_nothing(app: AppWorld) -> None:
    await failed_pass(app)
    page = await app.open(RECRUITER)
    assert (await page.get("/journal")).status_code == 200
    failed = await app.negotiations(status=SyncStatus.FAILED)
    before = await snapshot(app.world.ctx.database)
    for path in (f"/journal/{failed[0].id}/retry", "/journal/retry-all"):
        refused = await page.post(path)
        assert refused.status_code == 403, path
        assert refused.json()["reason"] == "not_admin"
    assert await snapshot(app.world.ctx.database) == before
    assert 'id="journal-read-only"' in page.html
    assert "journal-retry-all" in page.html
    retry_all = page.html.split('id="journal-retry-all"', 1)[1].split(">", 1)[0]
    assert "disabled" in retry_all


async def test_another_portals_negotiations_are_not_found_and_stay_as_they_are(
    app: AppWorld,
) -> None:
    world = app.world
    await failed_pass(app)
    async with world_http() as http:
        other = await install_sandbox_portal(
            http,
            world.hh_url,
            world.bitrix_url,
            world.ctx.database,
            world.ctx.cipher,
            domain="other.bitrix24.ru",
            responsible_user_id=1,
        )
    app.require_company("other.bitrix24.ru")
    ttl_s = world.ctx.settings.sync.lease_ttl_s
    async with world.ctx.database.session() as session:
        assert await leases.claim_portal(
            session, "daemon", other.portal_id, world.clock.now(), ttl_s
        )
    report = await run_pass(world.ctx, other.portal_id)
    assert report.writes.failed > 0
    now = world.clock.now()
    async with world.ctx.database.session() as session:  # released as the daemon does
        await leases.release(session, "daemon", other.portal_id, now + timedelta(seconds=60), now)
    theirs = await app.negotiations(other.portal_id, SyncStatus.FAILED)
    assert theirs

    page = await app.open(ADMIN)
    before = await snapshot(world.ctx.database)
    for negotiation in theirs:
        refused = await page.post(f"/journal/{negotiation.id}/retry")
        assert refused.status_code == 404, refused.text
        assert refused.json()["reason"] == "no_such_negotiation"
    assert await snapshot(world.ctx.database) == before

    listed = (await page.get("/journal", limit="100")).json()
    assert not set(ids_of(listed["rows"])) & {n.id for n in theirs}
    # A cursor naming their row only positions the page: it still lists ours alone.
    later = world.clock.now() + timedelta(hours=1)
    cursor = encode_cursor(Cursor(later, max(n.id for n in theirs)))
    positioned = (await page.get("/journal", limit="100", before=cursor)).json()
    assert sorted(ids_of(positioned["rows"])) == sorted(ids_of(listed["rows"]))
    ours = await app.negotiations(status=SyncStatus.FAILED)
    assert listed["failed"] == len(ours)

    # «Повторить все» and «Проверить сейчас» on our portal leave theirs alone.
    their_portal = await app.portal(other.portal_id)
    await page.post("/journal/retry-all")
    assert (await page.post("/inbox/check")).status_code == 200
    after = {n.id: n for n in await app.negotiations(other.portal_id)}
    for negotiation in theirs:
        assert after[negotiation.id].next_retry_at == negotiation.next_retry_at
    assert their_portal.next_pass_at is not None
    assert (await app.portal(other.portal_id)).next_pass_at == their_portal.next_pass_at
    inbox = (await page.get("/inbox")).json()
    assert inbox["waiting"]["failed"] == len(ours)


async def test_hostile_names_reach_the_page_escaped_and_the_json_plain(app: AppWorld) -> None:
    await failed_pass(app)
    victim = (await app.negotiations(status=SyncStatus.FAILED))[0]
    async with app.world.ctx.database.session() as session:
        await session.exec(
            update(Negotiation)
            .where(col(Negotiation.id) == victim.id)
            .values(
                applicant_name=HOSTILE,
                last_error=f"crm.lead.add: {HOSTILE}",
                outcome_at=app.world.clock.now(),  # the newest outcome: on the first page
            )
        )
        await session.exec(
            update(Vacancy).where(col(Vacancy.id) == victim.vacancy_id).values(name=HOSTILE)
        )
    page = await app.open(ADMIN)
    assert f'data-negotiation-id="{victim.id}"' in page.html
    assert "<img src=x" not in page.html
    assert "</script><img" not in page.html
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.html
    rows = (await page.get("/journal", limit="100")).json()["rows"]
    row = next(r for r in rows if r["id"] == victim.id)
    assert row["applicant_name"] == HOSTILE
    assert row["vacancy_name"] == HOSTILE
    assert row["reason"]["code"] == "unknown"
    assert HOSTILE in row["reason"]["text"]


def world_http() -> httpx.AsyncClient:
    """A client for the sandboxes' control APIs."""
    return httpx.AsyncClient(headers={"User-Agent": "hhsync-tests"}, timeout=30)


async def test_every_way_of_asking_for_a_retry_is_the_same_and_stays_on_its_portal(
    app: AppWorld,
) -> None:
    """«Повторить все», a settings save and ``hhsync retry-failed`` share one function: each
    failure is due now, its ``outcome_at`` moves to the request, and its audit line names who
    asked (the app's user when there is one)."""
    world = app.world
    await failed_pass(app)
    failed = await app.negotiations(status=SyncStatus.FAILED)
    page = await app.open(ADMIN)

    saved = await app.client.post(
        "/app/api/settings",
        headers={"X-Hhsync-Session": page.token},
        json={"entity_type": "lead", "responsible_user_id": ADMIN, "extended": False},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["first_save"] is False
    asked_at = world.clock.now()
    after = await app.negotiations(status=SyncStatus.FAILED)
    assert {n.id for n in after} == {n.id for n in failed}
    for negotiation in after:
        assert negotiation.next_retry_at is not None
        assert negotiation.next_retry_at <= asked_at
        assert negotiation.outcome_at == negotiation.next_retry_at
    shown = (await page.get("/journal", limit="100")).json()["rows"]
    assert {datetime.fromisoformat(r["at"]) for r in shown} == {after[0].outcome_at}

    async with world.ctx.database.session() as session:
        by_operator = await retries.retry_all_failed(
            session, world.portal_id, world.clock.now(), asked_by=retries.AskedBy.OPERATOR
        )
        missing = await retries.retry_failed(
            session,
            world.portal_id + 1000,
            failed[0].id or 0,
            world.clock.now(),
            asked_by=retries.AskedBy.JOURNAL,
        )
    assert by_operator == len(failed)
    assert missing == retries.RetryOutcome.NOT_FOUND
    async with world.ctx.database.session() as session:
        trail = await state.audit_trail(session, world.portal_id, limit=10_000)
    asked = [e for e in trail if e.event == retries.RETRY_REQUESTED]
    assert len(asked) == 2 * len(failed)
    by = sorted((e.detail["asked_by"], e.detail.get("user_id")) for e in asked)
    assert by == sorted([("settings", ADMIN)] * len(failed) + [("operator", None)] * len(failed))
    assert {e.negotiation_id for e in asked} == {n.id for n in failed}


async def test_a_lead_deleted_in_the_crm_shows_as_such_without_a_link_or_a_retry(
    app: AppWorld,
) -> None:
    """The HR team deleted a lead by hand (b24restdocs crm.lead.delete); the next write met it.
    The log lists it under its own filter, names the card without linking to it, says what the
    app does about it, and offers no «Повторить»."""
    world = app.world
    await run_pass(world.ctx, world.portal_id)
    lead = world.entities("lead")[0]
    hh_id = str(lead["ORIGIN_ID"])
    delete_in_crm(world, "lead", lead["ID"])
    world.hh_admin("POST", f"/_sandbox/negotiations/{hh_id}/state", employer_state="interview")
    report = await run_pass(world.ctx, world.portal_id)
    assert report.writes.deleted_in_crm == 1

    page = await app.open(ADMIN)
    body = (await page.get("/journal", status="deleted")).json()
    assert [row["hh_negotiation_id"] for row in body["rows"]] == [hh_id]
    row = body["rows"][0]
    assert row["status"] == "crm_deleted"
    assert row["status_label"] == "Удалён в CRM"
    assert row["entity"]["url"] is None
    assert row["entity"]["label"] == f"Лид №{lead['ID']} (удалён)"
    assert "удалили в Битрикс24 вручную" in row["note"]
    assert "не создаёт их заново" in row["note"]
    assert row["reason"] is None
    assert row["can_retry"] is False
    everything = (await page.get("/journal", limit="100")).json()["rows"]
    assert hh_id in {r["hh_negotiation_id"] for r in everything}
    reopened = await app.open(ADMIN)
    assert 'class="app-muted journal-note"' in reopened.html
    assert f"Лид №{lead['ID']} (удалён)" in reopened.html
    assert '<option value="deleted">Удалённые в CRM</option>' in reopened.html
