"""Clients of one portal racing to refresh its Bitrix24 tokens never park a portal whose stored
pair works (ARCHITECTURE.md invariant 3).

Bitrix24 refresh tokens work once, and a refresh kills the access token issued with the old one
(Bitrix24 REST docs, settings/oauth/auto-renewal.md; the sandbox is as strict). The settings tab
and a pass (or two daemons) each hold the stored pair in their own client, so whoever refreshes
second holds a dead pair: its call answers ``invalid_token`` and its refresh ``invalid_grant``.
The loser must adopt the winner's stored pair, and only a refusal of the freshly read pair parks
the portal.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hhsync.bitrix.commands import Command
from hhsync.db.tables import Portal, PortalStatus, RunStatus
from hhsync.db.tokens import read_portal_tokens
from hhsync.sync.context import SyncContext
from hhsync.sync.engine import run_pass
from hhsync.testing.world import World
from tests.integration.web.inbox_journal_kit import ADMIN, app_world

pytestmark = pytest.mark.postgres

ACCESS_LIFETIME_S = 3600
"""The sandbox's access tokens live an hour of its time, as Bitrix24's do."""


def expire_access_tokens(world: World) -> None:
    """Move the Bitrix24 sandbox's time past the hour every access token lives."""
    world.bitrix_admin("POST", "/_sandbox/time/advance", seconds=ACCESS_LIFETIME_S + 60)


async def stored_portal(world: World) -> Portal:
    async with world.ctx.database.session() as session:
        portal = await session.get(Portal, world.portal_id)
    assert portal is not None
    return portal


async def spend_stored_refresh_token(world: World) -> None:
    """Someone outside hhsync refreshes the stored pair and keeps the answer: the stored pair is
    dead on the portal (access token killed, refresh token used) while hhsync still holds it."""
    stored = read_portal_tokens(await stored_portal(world), world.ctx.cipher)
    bitrix = world.ctx.settings.bitrix
    secret = bitrix.client_secret.get_secret_value() if bitrix.client_secret else ""
    answer = world.bitrix.post(
        "/oauth/token/",
        data={
            "grant_type": "refresh_token",
            "client_id": bitrix.client_id,
            "client_secret": secret,
            "refresh_token": stored.refresh_token,
        },
    )
    assert answer.status_code == 200, answer.text


def first_portal_request(action: Any) -> Any:
    """A request hook running ``action`` once, before the first REST call to the portal goes."""
    done: list[object] = []

    async def hook(request: httpx.Request) -> None:
        if done or "/rest/" not in request.url.path or "oauth" in request.url.path:
            return
        done.append(await action())

    hook.done = done  # type: ignore[attr-defined]
    return hook


async def test_the_tab_refreshing_first_leaves_the_running_pass_on_the_new_pair(
    world: World, db_url: str
) -> None:
    async with app_world(world, db_url) as app:
        page = await app.open(ADMIN)
        before = (await stored_portal(world)).token_version
        expire_access_tokens(world)

        # The pass has built its client (the expired pair) and is about to send its first
        # request when the settings tab, holding the same pair, refreshes first.
        hook = first_portal_request(lambda: page.get("/settings"))
        world.ctx.bitrix_http.event_hooks["request"].append(hook)
        try:
            report = await run_pass(world.ctx, world.portal_id)
        finally:
            world.ctx.bitrix_http.event_hooks["request"].remove(hook)

        tab_answer = hook.done[0]
        assert tab_answer.status_code == 200, tab_answer.text
        assert report.status == RunStatus.OK, report.errors
        assert report.writes.created == world.hh_negotiations()
        portal = await stored_portal(world)
        assert portal.status == PortalStatus.ACTIVE, portal.status_reason
        # Only the tab refreshed: the pass adopted its stored pair instead of refreshing again.
        assert portal.token_version == before + 1


async def test_a_pass_refreshing_first_leaves_the_waiting_tab_on_the_new_pair(
    world: World, db_url: str
) -> None:
    async with app_world(world, db_url) as app:
        page = await app.open(ADMIN)
        before = (await stored_portal(world)).token_version
        expire_access_tokens(world)

        # The tab has built its client (the expired pair) and is about to call the portal when
        # a pass starts, meets the expired token and refreshes first.
        hook = first_portal_request(lambda: run_pass(world.ctx, world.portal_id))
        app.ctx.http.event_hooks["request"].append(hook)
        try:
            tab_answer = await page.get("/settings")
        finally:
            app.ctx.http.event_hooks["request"].remove(hook)

        report = hook.done[0]
        assert report.status == RunStatus.OK, report.errors
        assert tab_answer.status_code == 200, tab_answer.text
        assert tab_answer.json()["choices"]["sources"], tab_answer.text  # read from the portal
        portal = await stored_portal(world)
        assert portal.status == PortalStatus.ACTIVE, portal.status_reason
        assert portal.token_version == before + 1


async def test_two_daemons_holding_one_expired_pair_refresh_it_once(world: World) -> None:
    other = SyncContext.create(
        world.ctx.settings, world.ctx.database, world.ctx.cipher, instance_id="other"
    )
    try:
        portal = await stored_portal(world)
        first, second = world.ctx.bitrix_client(portal), other.bitrix_client(portal)
        expire_access_tokens(world)
        me = Command("user.current", {})
        assert (await first.call(me)).result["ID"]
        # The second holds the pair the first's refresh killed: invalid_token, then adoption.
        assert (await second.call(me)).result["ID"]
        assert (first.rest.auth.refresh_count, second.rest.auth.refresh_count) == (1, 0)
        assert second.rest.auth.adopted_count == 1
        assert (await stored_portal(world)).token_version == portal.token_version + 1
    finally:
        await other.aclose()


async def test_a_refresh_refused_because_another_daemon_spent_the_token_adopts_its_pair(
    world: World,
) -> None:
    other = SyncContext.create(
        world.ctx.settings, world.ctx.database, world.ctx.cipher, instance_id="other"
    )
    try:
        portal = await stored_portal(world)
        first, second = world.ctx.bitrix_client(portal), other.bitrix_client(portal)
        expire_access_tokens(world)
        me = Command("user.current", {})
        # The second meets the expired token first and re-reads the store (nothing newer); just
        # before its refresh goes out, the first refreshes the same refresh token and stores.
        refreshed: list[object] = []

        async def first_refreshes_meanwhile(request: httpx.Request) -> None:
            if not refreshed and request.url.path.startswith("/oauth/token"):
                refreshed.append(await first.call(me))

        other.bitrix_http.event_hooks["request"].append(first_refreshes_meanwhile)
        assert (await second.call(me)).result["ID"]  # invalid_grant, then adoption

        assert refreshed
        assert (first.rest.auth.refresh_count, second.rest.auth.refresh_count) == (1, 0)
        assert second.rest.auth.adopted_count == 1
        assert (await stored_portal(world)).token_version == portal.token_version + 1
    finally:
        await other.aclose()


async def test_a_revoked_stored_pair_still_parks_the_portal(world: World) -> None:
    expire_access_tokens(world)
    await spend_stored_refresh_token(world)

    report = await run_pass(world.ctx, world.portal_id)

    assert report.status == RunStatus.FAILED
    assert any("re-authorisation" in error for error in report.errors), report.errors
    portal = await stored_portal(world)
    assert portal.status == PortalStatus.NEEDS_REAUTH
    assert "invalid_token" in (portal.status_reason or "")


async def test_a_pair_the_tab_stored_that_died_too_parks_the_portal(
    world: World, db_url: str
) -> None:
    async with app_world(world, db_url) as app:
        page = await app.open(ADMIN)
        expire_access_tokens(world)

        async def tab_refreshes_then_its_pair_dies() -> httpx.Response:
            answer = await page.get("/settings")
            await spend_stored_refresh_token(world)
            return answer

        hook = first_portal_request(tab_refreshes_then_its_pair_dies)
        world.ctx.bitrix_http.event_hooks["request"].append(hook)
        try:
            report = await run_pass(world.ctx, world.portal_id)
        finally:
            world.ctx.bitrix_http.event_hooks["request"].remove(hook)

        assert hook.done[0].status_code == 200
        assert report.status == RunStatus.FAILED
        portal = await stored_portal(world)
        assert portal.status == PortalStatus.NEEDS_REAUTH
