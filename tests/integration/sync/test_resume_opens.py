"""Resume opens a pass spends on hh.ru: one fetch and one PDF download per synced response, none
again for a retry, and a spent limit waits, pending, for the next Moscow midnight.

hh.ru's terms (quoted in hhru/api #855) count every open of a resume, responses and downloads
included; the sandbox counts each fetch and each PDF download.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from hhsync.db import accounts, portals, resume_copies, state
from hhsync.db.crypto import TokenCipher
from hhsync.db.tables import PortalStatus, ResumeCopy, SyncStatus
from hhsync.hh.quota_day import next_reset
from hhsync.metrics import Metrics
from hhsync.service.scheduler import PassScheduler
from hhsync.sync import activity
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from hhsync.web.app_api.reasons import explain

OPENS_PER_RESPONSE = 2
"""The resume itself and its PDF: both count as an open on hh.ru."""


def resume_opens(world: World) -> int:
    """Resume fetches and downloads hh.ru answered (and so counted) so far."""
    log = world.hh_admin("GET", "/_sandbox/requests")["items"]
    return sum(1 for r in log if r["path"].startswith("/resumes/") and r["status"] == 200)


def resume_requests(world: World) -> int:
    """Resume fetches and downloads sent at all, refused ones too."""
    log = world.hh_admin("GET", "/_sandbox/requests")["items"]
    return sum(1 for r in log if r["path"].startswith("/resumes/"))


async def with_resume(world: World) -> int:
    """Stored negotiations whose resume is still there (a deleted one costs no open)."""
    async with world.ctx.database.session() as session:
        rows = [
            n
            for status in SyncStatus
            for n in await state.list_negotiations(session, world.portal_id, status)
        ]
    return sum(1 for n in rows if not n.resume_deleted)


async def kept_copies(world: World) -> int:
    async with world.ctx.database.session() as session:
        return await resume_copies.count(session, world.portal_id)


async def manager_id(world: World) -> str:
    async with world.ctx.database.session() as session:
        account = await accounts.get_account(session, world.portal_id, world.account_id)
    assert account is not None
    return account.hh_manager_id


def first_vacancy(world: World) -> str:
    listed = world.hh_admin("GET", "/_sandbox/state")["vacancies"]
    return str(
        next(v["id"] for v in listed if v["employer_id"] == world.employer_id and not v["archived"])
    )


def next_moscow_day(world: World) -> None:
    """Move both sandboxes' clocks and the engine's past the next Moscow midnight."""
    now = world.ctx.clock.now()
    seconds = (next_reset(now) - now + timedelta(minutes=1)).total_seconds()
    world.clock.advance(seconds)
    world.hh_admin("POST", "/_sandbox/clock/advance", seconds=seconds)


async def test_a_synced_response_opens_its_resume_once_and_keeps_no_copy(world: World) -> None:
    expected = world.hh_negotiations()
    report = await run_pass(world.ctx, world.portal_id)
    assert report.writes.created == expected
    assert 0 < await with_resume(world) < expected  # the world has deleted resumes too
    assert resume_opens(world) == OPENS_PER_RESPONSE * await with_resume(world)
    assert await kept_copies(world) == 0  # entity and activity are in the CRM: the copy went


async def test_a_retried_create_opens_nothing_again(world: World) -> None:
    world.bitrix_admin(
        "POST", f"/_sandbox/portals/{world.domain}/required", entity="lead", field="POST"
    )
    expected = world.hh_negotiations()
    refused = await run_pass(world.ctx, world.portal_id)
    assert refused.writes.failed == expected
    opened = resume_opens(world)
    assert opened == OPENS_PER_RESPONSE * await with_resume(world)
    assert await kept_copies(world) == await with_resume(world)

    world.bitrix_admin(
        "DELETE", f"/_sandbox/portals/{world.domain}/required", entity="lead", field="POST"
    )
    world.clock.advance(world.ctx.settings.sync.retry_max_s)
    retried = await run_pass(world.ctx, world.portal_id)
    assert retried.writes.created == expected
    assert resume_requests(world) == opened  # the copies served the retry
    leads = world.entities("lead")
    assert len(leads) == expected
    files = {str(f["owner_id"]) for f in world.entities("file")}
    assert len(files) == await with_resume(world), "the kept PDFs are attached"
    assert await kept_copies(world) == 0


async def test_a_spent_daily_limit_waits_pending_until_moscow_midnight(world: World) -> None:
    next_moscow_day(world)  # a whole Moscow day ahead, whenever the test runs
    expected = world.hh_negotiations()
    # Odd, so one resume opens without its PDF; more than half of what the world needs.
    per_day = expected + 1
    world.hh_admin("POST", "/_sandbox/limits", resume_views_per_day=per_day)
    first = await run_pass(world.ctx, world.portal_id)
    # At most one fetch per resume, so some of the opens are PDFs: their creates went through.
    assert 0 < first.writes.created < expected
    assert first.writes.failed_by_reason["hh_view_limit"] == expected - first.writes.created
    assert resume_opens(world) == per_day
    async with world.ctx.database.session() as session:
        failed = await state.list_negotiations(session, world.portal_id, SyncStatus.FAILED)
        account = await accounts.get_account(session, world.portal_id, world.account_id)
    reset = next_reset(world.ctx.clock.now())
    assert account is not None
    assert account.contacts_paused_until == reset
    assert len(failed) == expected - first.writes.created
    assert all(n.next_retry_at == reset for n in failed)
    assert {explain(n.last_error).code for n in failed} == {"hh_view_limit"}

    # A response that comes in the same Moscow day waits too, without a resume being asked for.
    new = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=first_vacancy(world))
    sent = resume_requests(world)
    waiting = await run_pass(world.ctx, world.portal_id)
    assert waiting.writes.created == 0
    assert waiting.writes.failed_by_reason == {"hh_view_limit": 1}
    assert resume_requests(world) == sent
    async with world.ctx.database.session() as session:
        row = await state.get_negotiation(session, world.portal_id, str(new["id"]))
    assert row is not None
    assert row.next_retry_at == reset
    assert explain(row.last_error).code == "hh_view_limit"

    next_moscow_day(world)
    after = await run_pass(world.ctx, world.portal_id)
    assert first.writes.created + after.writes.created == expected + 1
    assert len(world.entities("lead")) == expected + 1
    # nothing opened twice
    assert resume_opens(world) == OPENS_PER_RESPONSE * await with_resume(world)
    assert await kept_copies(world) == 0


async def test_a_spent_manager_quota_is_shown_as_its_own_reason(world: World) -> None:
    next_moscow_day(world)
    expected = world.hh_negotiations()
    world.hh_admin("POST", "/_sandbox/limits", resume_view_quotas={await manager_id(world): 4})
    first = await run_pass(world.ctx, world.portal_id)
    assert resume_opens(world) == 4
    async with world.ctx.database.session() as session:
        failed = await state.list_negotiations(session, world.portal_id, SyncStatus.FAILED)
    assert len(failed) == expected - first.writes.created
    assert {explain(n.last_error).code for n in failed} == {"hh_view_quota"}
    next_moscow_day(world)
    await run_pass(world.ctx, world.portal_id)
    assert resume_opens(world) == 8  # the quota is a daily one too


async def test_a_stored_quota_pause_keeps_its_reason_on_later_passes(world: World) -> None:
    next_moscow_day(world)
    world.hh_admin("POST", "/_sandbox/limits", resume_view_quotas={await manager_id(world): 4})
    await run_pass(world.ctx, world.portal_id)
    async with world.ctx.database.session() as session:
        account = await accounts.get_account(session, world.portal_id, world.account_id)
    assert account is not None
    assert account.contacts_paused_by == "quota"

    # A response of the same Moscow day waits without an open, for the quota, not the daily limit.
    new = world.hh_admin("POST", "/_sandbox/negotiations", vacancy_id=first_vacancy(world))
    sent = resume_requests(world)
    await run_pass(world.ctx, world.portal_id)
    assert resume_requests(world) == sent
    async with world.ctx.database.session() as session:
        row = await state.get_negotiation(session, world.portal_id, str(new["id"]))
    assert row is not None
    assert explain(row.last_error).code == "hh_view_quota"


async def refuse_leads(world: World) -> int:
    """A pass whose every lead the portal refuses: each opened resume is kept; how many."""
    world.bitrix_admin(
        "POST", f"/_sandbox/portals/{world.domain}/required", entity="lead", field="POST"
    )
    refused = await run_pass(world.ctx, world.portal_id)
    assert refused.writes.failed == world.hh_negotiations()
    assert await kept_copies(world) == await with_resume(world) > 0
    world.bitrix_admin(
        "DELETE", f"/_sandbox/portals/{world.domain}/required", entity="lead", field="POST"
    )
    return await with_resume(world)


async def test_a_copy_older_than_its_max_age_goes_and_the_retry_opens_the_resume_again(
    world: World,
) -> None:
    kept = await refuse_leads(world)
    opened = resume_opens(world)
    seconds = world.ctx.settings.sync.resume_copy_max_age_s + 60
    world.clock.advance(seconds)
    world.hh_admin("POST", "/_sandbox/clock/advance", seconds=seconds)
    retried = await run_pass(world.ctx, world.portal_id)
    assert retried.writes.created == world.hh_negotiations()
    # The copies were swept before the creates: each resume (and its PDF) opened once more.
    assert resume_opens(world) == opened + OPENS_PER_RESPONSE * kept
    assert await kept_copies(world) == 0


async def test_logging_out_deletes_the_accounts_copies(world: World) -> None:
    await refuse_leads(world)
    async with world.ctx.database.session() as session:
        account = await accounts.get_account(session, world.portal_id, world.account_id)
        assert account is not None
        assert await accounts.log_out_account(
            session, world.portal_id, world.account_id, account.token_version, world.clock.now()
        )
    assert await kept_copies(world) == 0


async def test_a_copy_the_token_key_no_longer_opens_is_dropped_and_the_resume_opened_again(
    world: World,
) -> None:
    kept = await refuse_leads(world)
    opened = resume_opens(world)
    rotated_out = TokenCipher(TokenCipher.generate_key())
    async with world.ctx.database.session() as session:
        rows = (await session.exec(select(ResumeCopy))).all()
        stale = rows[0]
        stale.resume_enc = rotated_out.encrypt('{"id": "stale"}')
        session.add(stale)
    world.clock.advance(world.ctx.settings.sync.retry_max_s)
    retried = await run_pass(world.ctx, world.portal_id)
    # The stale copy stopped nothing: every lead is created, that one resume opened again.
    assert retried.writes.created == world.hh_negotiations()
    assert len(world.entities("lead")) == world.hh_negotiations()
    assert resume_opens(world) == opened + OPENS_PER_RESPONSE
    assert kept > 1
    assert await kept_copies(world) == 0


async def test_a_created_lead_whose_activity_is_refused_keeps_the_resume_without_its_pdf(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A layout the portal refuses: an icon code outside crm.timeline.icon.list.
    monkeypatch.setattr(activity, "ICON_CODE", "hh-ru")
    await run_pass(world.ctx, world.portal_id)
    assert len(world.entities("lead")) == world.hh_negotiations()
    async with world.ctx.database.session() as session:
        rows = (await session.exec(select(ResumeCopy))).all()
    assert len(rows) == await with_resume(world)
    assert all(r.pdf_enc is None and r.resume_enc for r in rows)  # the lead holds the PDF
    opened = resume_requests(world)

    monkeypatch.setattr(activity, "ICON_CODE", "info")
    world.clock.advance(world.ctx.settings.sync.retry_max_s)
    await run_pass(world.ctx, world.portal_id)
    assert len(world.entities("activity")) == world.hh_negotiations()
    assert resume_requests(world) == opened  # the activity read the kept resume
    assert await kept_copies(world) == 0


async def test_the_daemon_sweeps_old_copies_of_a_portal_no_pass_runs_for(world: World) -> None:
    await refuse_leads(world)
    async with world.ctx.database.session() as session:
        portal = await portals.get_portal(session, world.portal_id)
        assert portal is not None
        portal.status = PortalStatus.UNINSTALLED  # never claimed again: no pass sweeps it
        session.add(portal)
    young = PassScheduler(world.ctx, Metrics())
    await young.sweep_resume_copies()
    assert await kept_copies(world) == await with_resume(world)  # not old yet

    world.clock.advance(world.ctx.settings.sync.resume_copy_max_age_s + 60)
    await PassScheduler(world.ctx, Metrics()).sweep_resume_copies()
    assert await kept_copies(world) == 0
