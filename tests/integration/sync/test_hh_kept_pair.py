"""A refresh hh.ru answers "token deactivated" parks the account and keeps its pair; passes try the
pair again after 5 min, 30 min and 2 h (``hhsync.sync.kept_pair``). Real PostgreSQL, both
sandboxes over HTTP.

Source: hhru/api#869 and #619 (``invalid_grant`` "token deactivated" on the refresh of a pair no
password change killed, unexplained). Whether the pair works again is not documented; the hh.ru
sandbox offers both readings (``/_sandbox/oauth`` ``spontaneous_deactivation``): ``dead``, its
default, and ``pair_survives``.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlmodel import col, select
from starlette.applications import Starlette
from structlog.testing import capture_logs

from hhsync.cli.status import status_row
from hhsync.db import accounts
from hhsync.db.crypto import TokenCipher
from hhsync.db.tables import AccountStatus, AuditEvent, HhAccount, RunStatus, SyncRun
from hhsync.service.status import portal_views
from hhsync.sync.engine import run_pass
from hhsync.sync.kept_pair import EVENT_RESUMED, RETRY_SPACING
from hhsync.testing.hh_browser import HhBrowser
from hhsync.testing.world import World
from hhsync.web.context import WebContext
from hhsync.web.hh_login import hh_login_routes
from hhsync.web.session import SESSION_HEADER, SessionClaims
from tests.integration.web.login_kit import PUBLIC_URL, UA, login_settings

pytestmark = pytest.mark.postgres

LIFETIME_S = 14 * 24 * 3600  # hh.ru's access token lifetime (the sandbox's too)


async def account_of(world: World) -> HhAccount:
    async with world.ctx.database.session() as session:
        account = await accounts.get_account(session, world.portal_id, world.account_id)
    assert account is not None
    return account


async def park_by_deactivation(world: World) -> HhAccount:
    """The pair's access token expires on both sides; the next refresh is answered "token
    deactivated" by the sandbox's named fault. Returns the account as it was before."""
    world.hh_admin("POST", "/_sandbox/clock/advance", seconds=LIFETIME_S + 5)
    async with world.ctx.database.session() as session:
        stored = await session.get(HhAccount, world.account_id)
        assert stored is not None
        stored.access_expires_at = world.clock.now() - timedelta(seconds=1)
        session.add(stored)
    before = await account_of(world)
    world.hh_admin(
        "POST",
        "/_sandbox/faults",
        fault={"kind": "named", "code": "token_deactivated", "path_contains": "/token"},
        times=1,
    )
    return before


async def started_at(world: World, run_id: int | None) -> datetime:
    """When the pass of ``run_id`` started (its ``now``, from which it schedules)."""
    async with world.ctx.database.session() as session:
        run = await session.get(SyncRun, run_id)
    assert run is not None
    return run.started_at


def token_requests(world: World) -> list[dict[str, Any]]:
    logged = world.hh_admin("GET", "/_sandbox/requests")["items"]
    return [r for r in logged if r["path"] in ("/token", "/oauth/token")]


def events(logs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [entry for entry in logs if entry["event"] == name]


async def assert_asks_for_a_new_login(world: World, db_url: str, cipher: TokenCipher) -> None:
    """The app's accounts list and ``hhsync status`` both still say: log in again."""
    async with httpx.AsyncClient(headers=UA, timeout=30) as http:
        ctx = WebContext(login_settings(world.hh_url, db_url), world.ctx.database, cipher, http)
        transport = httpx.ASGITransport(app=Starlette(routes=hh_login_routes(ctx)))
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as app:
            claims = SessionClaims(world.portal_id, "member", 1, True)
            listed = await app.get(
                "/app/api/hh/accounts", headers={SESSION_HEADER: ctx.sessions.issue(claims)}
            )
    assert listed.status_code == 200, listed.text
    [shown] = [a for a in listed.json()["accounts"] if a["id"] == world.account_id]
    assert shown["needs_reauth"] is True
    [view] = await portal_views(world.ctx.database, world.clock.now(), world.portal_id)
    [account] = view.accounts
    assert (account.status, account.reason is not None) == (AccountStatus.NEEDS_REAUTH, True)
    assert "deactivated" in (account.reason or "")
    assert f"{world.account_id}:" in status_row(view)[3]
    assert "(needs_reauth)" in status_row(view)[3]


async def audit_events(world: World, name: str) -> list[AuditEvent]:
    async with world.ctx.database.session() as session:
        found = await session.exec(
            select(AuditEvent).where(
                col(AuditEvent.portal_id) == world.portal_id, col(AuditEvent.event) == name
            )
        )
        return list(found.all())


async def test_a_pair_that_works_again_brings_the_account_back_by_itself(
    world: World, db_url: str, cipher: TokenCipher
) -> None:
    world.hh_admin("POST", "/_sandbox/oauth", spontaneous_deactivation="pair_survives")
    expected = world.hh_negotiations()
    before = await park_by_deactivation(world)

    parked = await run_pass(world.ctx, world.portal_id)

    assert any("needs a new login" in error for error in parked.errors)
    account = await account_of(world)
    assert account.status == AccountStatus.NEEDS_REAUTH
    assert account.status_reason is not None
    assert "deactivated" in account.status_reason
    assert (account.refresh_token_enc, account.token_version) == (
        before.refresh_token_enc,
        before.token_version,
    )
    assert account.reauth_retry_at == await started_at(world, parked.run_id) + RETRY_SPACING[0]
    await assert_asks_for_a_new_login(world, db_url, cipher)

    world.hh_admin("DELETE", "/_sandbox/requests")
    world.clock.advance(RETRY_SPACING[0].total_seconds() - 60)
    early = await run_pass(world.ctx, world.portal_id)
    assert early.skipped == "no active hh.ru account"
    assert token_requests(world) == []  # not due yet: the kept pair is not tried
    await assert_asks_for_a_new_login(world, db_url, cipher)

    world.clock.advance(61)
    with capture_logs() as logs:
        resumed = await run_pass(world.ctx, world.portal_id)
        again = await run_pass(world.ctx, world.portal_id)

    assert resumed.status == RunStatus.OK, resumed.errors
    assert [r["status"] for r in token_requests(world)] == [200]  # one refresh, no more
    account = await account_of(world)
    assert (account.status, account.status_reason) == (AccountStatus.ACTIVE, None)
    assert (account.reauth_retries, account.reauth_retry_at) == (0, None)
    # the refreshed pair was stored (compare-and-swap) before it was used: one version on
    assert account.token_version == before.token_version + 1
    old_refresh = world.ctx.cipher.decrypt(before.refresh_token_enc)
    assert world.ctx.cipher.decrypt(account.refresh_token_enc) != old_refresh
    me = world.hh.get(
        "/me",
        headers={"Authorization": f"Bearer {world.ctx.cipher.decrypt(account.access_token_enc)}"},
    )
    assert me.status_code == 200  # the stored pair is the one hh.ru issued
    [audit] = await audit_events(world, EVENT_RESUMED)
    assert audit.detail["account_id"] == world.account_id
    assert audit.detail["tries"] == 1
    assert audit.sync_run_id == resumed.run_id
    assert len(events(logs, "sync.account_resumed")) == 1  # once, not every pass
    assert again.status == RunStatus.OK, again.errors
    leads = world.entities("lead")
    assert len(leads) == expected
    assert max(Counter(lead["ORIGIN_ID"] for lead in leads).values()) == 1


async def test_a_dead_pair_is_tried_three_times_then_waits_for_the_new_login(
    world: World, db_url: str, cipher: TokenCipher
) -> None:
    assert world.hh_admin("GET", "/_sandbox/oauth") == {"spontaneous_deactivation": "dead"}
    before = await park_by_deactivation(world)
    await run_pass(world.ctx, world.portal_id)
    world.hh_admin("DELETE", "/_sandbox/requests")

    with capture_logs() as logs:
        for tries, spacing in enumerate(RETRY_SPACING, start=1):
            world.clock.advance(spacing.total_seconds() + 1)
            report = await run_pass(world.ctx, world.portal_id)
            assert report.skipped == "no active hh.ru account"
            account = await account_of(world)
            assert account.status == AccountStatus.NEEDS_REAUTH
            assert account.reauth_retries == tries
            following = RETRY_SPACING[tries] if tries < len(RETRY_SPACING) else None
            began = await started_at(world, report.run_id)
            expected_at = began + following if following is not None else None
            assert account.reauth_retry_at == expected_at
            assert account.token_version == before.token_version  # nothing stored
            await assert_asks_for_a_new_login(world, db_url, cipher)
        world.clock.advance(timedelta(days=1).total_seconds())
        await run_pass(world.ctx, world.portal_id)

    refused = token_requests(world)
    assert [r["status"] for r in refused] == [400] * len(RETRY_SPACING)  # bounded: no more
    assert len(events(logs, "sync.kept_pair_dead")) == 1
    assert events(logs, "sync.account_resumed") == []
    assert await audit_events(world, EVENT_RESUMED) == []

    # the new login works as it always did
    email = next(
        m["email"]
        for e in world.hh_admin("GET", "/_sandbox/state")["employers"]
        for m in e["managers"]
        if m["id"] == before.hh_manager_id
    )
    async with (
        httpx.AsyncClient(headers=UA, timeout=30) as http,
        httpx.AsyncClient(base_url=world.hh_url, headers=UA, timeout=30) as popup,
    ):
        ctx = WebContext(login_settings(world.hh_url, db_url), world.ctx.database, cipher, http)
        transport = httpx.ASGITransport(app=Starlette(routes=hh_login_routes(ctx)))
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as app:
            claims = SessionClaims(world.portal_id, "member", 1, True)
            headers = {SESSION_HEADER: ctx.sessions.issue(claims)}
            url = (await app.post("/app/api/hh/login", headers=headers)).json()["authorize_url"]
            redirect = await HhBrowser(popup).authorize(url, email)
            back = urlsplit(redirect.headers["location"])
            page = await app.get(f"{back.path}?{back.query}")
    assert page.status_code == 200
    account = await account_of(world)
    assert (account.status, account.status_reason) == (AccountStatus.ACTIVE, None)
    assert (account.reauth_retries, account.reauth_retry_at) == (0, None)
    synced = await run_pass(world.ctx, world.portal_id)
    assert synced.status == RunStatus.OK, synced.errors
    assert len(world.entities("lead")) == world.hh_negotiations()
