"""The app page (POST /b24/app) and its status API (GET /app/api/status) against the sandbox:
administrators and other users, the list-toolbar placements, a renamed portal, repairs."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from hhsync.clock import ShiftedClock
from hhsync.db import portals
from hhsync.db.tables import PortalStatus
from hhsync.db.tokens import read_portal_tokens
from hhsync.web.session import SESSION_HEADER, SessionClaims
from tests.integration.web.conftest import Door
from tests.integration.web.door_kit import open_page, snapshot, stored_portal

pytestmark = pytest.mark.postgres

DOMAIN = "hr.bitrix24.ru"
OTHER = "other.bitrix24.ru"


def session_of(page: str) -> str:
    """The session token the page carries for its own requests."""
    found = re.search(r'data-session="([^"]+)"', page)
    assert found is not None, page
    return found.group(1)


async def installed(door: Door, domain: str = DOMAIN) -> dict[str, object]:
    """A portal the installer ran on."""
    info = await door.new_portal(domain)
    response = await open_page(door.client, "/b24/install", info)
    assert response.status_code == 200, response.text
    await door.admin.post(domain, "install-finish")
    return info


async def test_an_admin_gets_the_page_with_status_and_a_writing_session(door: Door) -> None:
    info = await installed(door)
    opened = await door.admin.tokens(DOMAIN, 1)

    response = await open_page(door.client, "/b24/app", opened)

    assert response.status_code == 200, response.text
    assert "Синхронизация" in response.text
    assert "Работает" in response.text
    assert "Менять настройки может только администратор" not in response.text
    assert response.headers["content-security-policy"].startswith(
        f"frame-ancestors http://{DOMAIN};"
    )
    # the page shows hostile text and an admin's session: only the app's own scripts may run
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["content-security-policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert "x-frame-options" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    for secret in (opened["access_token"], opened["refresh_token"], info["application_token"]):
        assert str(secret) not in response.text
    claims = door.ctx.sessions.verify(session_of(response.text))
    portal = await stored_portal(door.database, str(info["member_id"]))
    assert portal is not None
    assert portal.id is not None
    assert claims == SessionClaims(portal.id, str(info["member_id"]), 1, True)


async def test_another_user_gets_a_read_only_page(door: Door) -> None:
    await installed(door)
    recruiter = await door.admin.tokens(DOMAIN, 2)
    before = await snapshot(door.database)

    response = await open_page(door.client, "/b24/app", recruiter)

    assert response.status_code == 200, response.text
    assert "Менять настройки может только администратор" in response.text
    claims = door.ctx.sessions.verify(session_of(response.text))
    assert (claims.user_id, claims.is_admin) == (2, False)
    assert await snapshot(door.database) == before  # opening the page writes nothing


@pytest.mark.parametrize("placement", ["CRM_LEAD_LIST_TOOLBAR", "CRM_DEAL_LIST_TOOLBAR"])
async def test_the_list_toolbars_open_the_same_page(door: Door, placement: str) -> None:
    await installed(door)
    opened = await door.admin.tokens(DOMAIN, 2)
    options = json.dumps({"URI": "/crm/lead/list/"})

    response = await open_page(
        door.client,
        "/b24/app",
        opened,
        form={"PLACEMENT": placement, "PLACEMENT_OPTIONS": options},
    )

    assert response.status_code == 200, response.text
    assert "Синхронизация" in response.text


async def test_the_status_api_answers_for_the_sessions_portal_only(door: Door) -> None:
    await installed(door)
    other = await installed(door, OTHER)
    other_portal = await stored_portal(door.database, str(other["member_id"]))
    assert other_portal is not None
    assert other_portal.id is not None
    async with door.database.session() as session:
        await portals.set_portal_status(
            session, other_portal.id, PortalStatus.PAUSED, "operator", door.ctx.clock.now()
        )
    page = await open_page(door.client, "/b24/app", await door.admin.tokens(DOMAIN, 2))
    token = session_of(page.text)

    mine = await door.client.get(
        "/app/api/status",
        params={"portal_id": str(other_portal.id), "member_id": str(other["member_id"])},
        headers={SESSION_HEADER: token},
    )

    assert mine.status_code == 200
    body = mine.json()
    assert body["status"] == "active"  # this session's portal, not the paused one asked for
    assert {"synced", "failed", "queued", "last_pass_at", "status_label"} <= set(body)
    assert mine.headers["x-frame-options"] == "DENY"
    assert mine.headers["content-security-policy"].startswith("frame-ancestors 'none'")


async def test_the_status_api_says_whether_the_settings_were_saved(door: Door) -> None:
    """The «Авторизация» tab's sync line reads it after a save made in the same page."""
    info = await installed(door)
    portal = await stored_portal(door.database, str(info["member_id"]))
    assert portal is not None
    assert portal.id is not None
    page = await open_page(door.client, "/b24/app", await door.admin.tokens(DOMAIN, 1))
    headers = {SESSION_HEADER: session_of(page.text)}

    before = await door.client.get("/app/api/status", headers=headers)
    async with door.database.session() as session:
        await portals.save_settings(
            session, portal.id, {"entity_type": "lead"}, door.ctx.clock.now()
        )
    after = await door.client.get("/app/api/status", headers=headers)

    assert (before.status_code, after.status_code) == (200, 200)
    assert (before.json()["configured"], after.json()["configured"]) == (False, True)


async def test_a_renamed_portal_is_followed_once_app_info_confirms_it(door: Door) -> None:
    info = await installed(door)
    await door.admin.post(DOMAIN, "rename", {"domain": "renamed.bitrix24.ru"})
    opened = await door.admin.tokens("renamed.bitrix24.ru", 1)

    response = await open_page(door.client, "/b24/app", opened)

    assert response.status_code == 200, response.text
    portal = await stored_portal(door.database, str(info["member_id"]))
    assert portal is not None
    assert portal.domain == "renamed.bitrix24.ru"
    assert portal.client_endpoint == opened["client_endpoint"]


async def test_an_unknown_portal_opened_by_a_user_shows_how_to_finish(door: Door) -> None:
    await door.new_portal(DOMAIN, install_finished=True)
    recruiter = await door.admin.tokens(DOMAIN, 2)
    before = await snapshot(door.database)

    response = await open_page(door.client, "/b24/app", recruiter)

    assert response.status_code == 200
    assert "не установлено" in response.text
    assert "data-session" not in response.text
    assert await snapshot(door.database) == before


async def test_an_admin_opening_an_unknown_portal_installs_it(door: Door) -> None:
    info = await door.new_portal(DOMAIN, install_finished=True)

    response = await open_page(door.client, "/b24/app", info)

    assert response.status_code == 200, response.text
    assert "подключено к порталу заново" in response.text
    portal = await stored_portal(door.database, str(info["member_id"]))
    assert portal is not None
    assert portal.status == PortalStatus.ACTIVE
    events, toolbars = await door.admin.bound(DOMAIN)
    assert len(events) == 2
    assert len(toolbars) == 2


async def test_an_admin_opening_a_parked_portal_gives_it_fresh_tokens(door: Door) -> None:
    info = await installed(door)
    portal = await stored_portal(door.database, str(info["member_id"]))
    assert portal is not None
    assert portal.id is not None
    async with door.database.session() as session:
        await portals.set_portal_status(
            session, portal.id, PortalStatus.NEEDS_REAUTH, "refresh refused", door.ctx.clock.now()
        )
    opened = await door.admin.tokens(DOMAIN, 1)

    response = await open_page(door.client, "/b24/app", opened)

    assert response.status_code == 200, response.text
    repaired = await stored_portal(door.database, str(info["member_id"]))
    assert repaired is not None
    assert repaired.status == PortalStatus.ACTIVE
    assert read_portal_tokens(repaired, door.ctx.cipher).access_token == opened["access_token"]


async def test_an_expired_session_is_refused(door: Door) -> None:
    await installed(door)
    page = await open_page(door.client, "/b24/app", await door.admin.tokens(DOMAIN, 2))
    token = session_of(page.text)
    later = ShiftedClock()
    later.advance(timedelta(hours=2).total_seconds())
    door.ctx.sessions = type(door.ctx.sessions)(door.ctx.signing_key("session"), later)

    response = await door.client.get("/app/api/status", headers={SESSION_HEADER: token})

    assert response.status_code == 401
    assert response.json() == {"error": "session_refused"}
