"""The installer (POST /b24/install) against the Bitrix24 sandbox: what it stores, what it binds,
that a second run binds nothing twice, and that only an administrator may run it."""

from __future__ import annotations

import asyncio
import re

import pytest

from hhsync.db.tables import PortalStatus
from hhsync.db.tokens import read_portal_tokens
from hhsync.sandbox.bitrix import bindings
from hhsync.sync.userfields import USER_FIELDS
from tests.integration.web.conftest import Door
from tests.integration.web.door_kit import (
    APP_URL,
    CLIENT_SECRET,
    EVENTS_URL,
    open_page,
    snapshot,
    stored_portal,
)

pytestmark = pytest.mark.postgres

DOMAIN = "hr.bitrix24.ru"
EXPECTED_EVENTS = [("ONAPPUNINSTALL", EVENTS_URL), ("ONAPPUPDATE", EVENTS_URL)]
EXPECTED_TOOLBARS = [("CRM_DEAL_LIST_TOOLBAR", APP_URL), ("CRM_LEAD_LIST_TOOLBAR", APP_URL)]
EXPECTED_FIELDS = sorted(
    f"{entity}:{spec.full_name}" for entity in ("CRM_LEAD", "CRM_DEAL") for spec in USER_FIELDS
)


def secrets_of(info: dict[str, object]) -> list[str]:
    """What must never appear on a page: the posted tokens and our client secret."""
    form = info["app_form"]
    assert isinstance(form, dict)
    return [form["AUTH_ID"], form["REFRESH_ID"], form["APPLICATION_TOKEN"], CLIENT_SECRET]


async def test_an_admin_installs_the_portal_its_bindings_and_user_fields(door: Door) -> None:
    info = await door.new_portal(DOMAIN)
    response = await open_page(door.client, "/b24/install", info)

    assert response.status_code == 200, response.text
    assert 'data-complete="1"' in response.text
    assert "index.min.js" in response.text
    assert "install.js" in response.text
    # framed by the verified portal only (PROTOCOL=0: http), never denied by X-Frame-Options
    assert response.headers["content-security-policy"].startswith(
        f"frame-ancestors http://{DOMAIN};"
    )
    assert "x-frame-options" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    for secret in secrets_of(info):
        assert secret not in response.text

    portal = await stored_portal(door.database, info["member_id"])
    assert portal is not None
    assert portal.status == PortalStatus.ACTIVE
    assert portal.domain == DOMAIN
    assert portal.client_endpoint == info["client_endpoint"]  # from app.info
    assert portal.server_endpoint == info["server_endpoint"]
    tokens = read_portal_tokens(portal, door.ctx.cipher)
    assert tokens.access_token == info["access_token"]
    assert tokens.refresh_token == info["refresh_token"]
    assert portal.application_token_enc is not None
    assert door.ctx.cipher.decrypt(portal.application_token_enc) == info["application_token"]

    events, toolbars = await door.admin.bound(DOMAIN)
    assert events == EXPECTED_EVENTS
    assert toolbars == EXPECTED_TOOLBARS
    assert await door.admin.userfields(DOMAIN) == EXPECTED_FIELDS


async def test_a_second_run_of_the_installer_binds_and_creates_nothing_twice(door: Door) -> None:
    info = await door.new_portal(DOMAIN)
    first = await open_page(door.client, "/b24/install", info)
    assert first.status_code == 200
    first_portal = await stored_portal(door.database, info["member_id"])

    again = await door.admin.tokens(DOMAIN, 1)
    second = await open_page(door.client, "/b24/install", again)

    assert second.status_code == 200, second.text
    assert 'data-complete="1"' in second.text
    assert second.text.count("уже было настроено") == 2  # events and toolbars
    events, toolbars = await door.admin.bound(DOMAIN)
    assert events == EXPECTED_EVENTS
    assert toolbars == EXPECTED_TOOLBARS
    assert await door.admin.userfields(DOMAIN) == EXPECTED_FIELDS
    portal = await stored_portal(door.database, info["member_id"])
    assert portal is not None
    assert first_portal is not None
    assert portal.id == first_portal.id
    assert read_portal_tokens(portal, door.ctx.cipher).access_token == again["access_token"]


async def test_a_non_admin_cannot_install_and_nothing_is_stored_or_bound(door: Door) -> None:
    await door.new_portal(DOMAIN)
    recruiter = await door.admin.tokens(DOMAIN, 2)  # Игорь, not an administrator
    before = await snapshot(door.database)

    response = await open_page(door.client, "/b24/install", recruiter)

    assert response.status_code == 403
    assert "только администратор" in response.text
    assert await snapshot(door.database) == before
    assert await door.admin.bound(DOMAIN) == ([], [])
    assert await door.admin.userfields(DOMAIN) == []


async def test_a_refused_binding_keeps_the_installer_unfinished_and_says_why(
    door: Door, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a portal that lacks the list toolbars refuses their placement.bind
    monkeypatch.setattr(bindings, "PLACEMENTS", bindings.PLACEMENTS - {"CRM_LEAD_LIST_TOOLBAR"})
    info = await door.new_portal(DOMAIN)

    response = await open_page(door.client, "/b24/install", info)

    assert response.status_code == 200
    assert 'data-complete="0"' in response.text
    assert "ERROR_PLACEMENT_NOT_FOUND" in response.text
    assert "Установка не завершена" in response.text
    events, _ = await door.admin.bound(DOMAIN)
    assert events == EXPECTED_EVENTS  # the other steps still ran
    assert await door.admin.userfields(DOMAIN) == EXPECTED_FIELDS


async def test_the_install_page_loads_the_vendored_sdk_from_the_public_url(door: Door) -> None:
    info = await door.new_portal(DOMAIN)
    response = await open_page(door.client, "/b24/install", info)

    scripts = re.findall(r'<script src="([^"]+)"', response.text)
    assert scripts == [
        "https://hhsync.test/static/vendor/b24jssdk/index.min.js",
        "https://hhsync.test/static/b24door/install.js",
    ]
    for src in scripts:
        served = await door.client.get(src)
        assert served.status_code == 200
        assert served.headers["x-frame-options"] == "DENY"
    install_js = (await door.client.get(scripts[1])).text
    assert install_js.count("installFinish()") == 1


async def test_a_refused_user_field_is_shown_but_does_not_hold_back_the_finish(
    door: Door,
) -> None:
    info = await door.new_portal(DOMAIN)
    fault = {"kind": "error", "status": 500, "path_contains": "crm.deal.userfield.add"}
    await door.admin.post(DOMAIN, "faults", {"fault": fault, "times": 100})

    response = await open_page(door.client, "/b24/install", info)

    assert response.status_code == 200
    assert 'data-complete="1"' in response.text  # the first pass creates what is missing
    assert "не удалось" in response.text
    fields = await door.admin.userfields(DOMAIN)
    assert [f for f in fields if f.startswith("CRM_LEAD:")] == [
        f for f in EXPECTED_FIELDS if f.startswith("CRM_LEAD:")
    ]


async def test_two_runs_at_once_store_one_portal_and_bind_each_thing_once(door: Door) -> None:
    info = await door.new_portal(DOMAIN)
    again = await door.admin.tokens(DOMAIN, 1)

    first, second = await asyncio.gather(
        open_page(door.client, "/b24/install", info),
        open_page(door.client, "/b24/install", again),
    )

    assert (first.status_code, second.status_code) == (200, 200)
    rows = await snapshot(door.database)
    assert len(rows["portal"]) == 1
    events, toolbars = await door.admin.bound(DOMAIN)
    assert events == EXPECTED_EVENTS
    assert toolbars == EXPECTED_TOOLBARS
    assert await door.admin.userfields(DOMAIN) == EXPECTED_FIELDS
