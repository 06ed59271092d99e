"""An app update issues a new application token and tells it only in ONAPPUPDATE, which
Bitrix24 never repeats. A missed one must not lock the portal out of its own app: an
administrator's proven open carries the portal's current token, and the door adopts it."""

from __future__ import annotations

import pytest

from tests.integration.web.conftest import Door
from tests.integration.web.door_kit import open_page, snapshot, stored_portal

pytestmark = pytest.mark.postgres

DOMAIN = "hr.bitrix24.ru"


async def test_an_admin_open_after_a_missed_update_adopts_the_new_application_token(
    door: Door,
) -> None:
    info = await door.new_portal(DOMAIN)
    assert (await open_page(door.client, "/b24/install", info)).status_code == 200
    # the update's event never reaches hhsync (the daemon was down, say)
    updated = await door.admin.post(DOMAIN, "update", {"version": 2, "user_id": 1})
    new_token = str(updated["application_token"])
    assert new_token != info["application_token"]

    # a recruiter cannot vouch for the new token: refused, nothing changes
    before = await snapshot(door.database)
    recruiter = await open_page(door.client, "/b24/app", await door.admin.tokens(DOMAIN, 2))
    assert recruiter.status_code == 403
    assert await snapshot(door.database) == before

    admin = await open_page(door.client, "/b24/app", await door.admin.tokens(DOMAIN, 1))

    assert admin.status_code == 200, admin.text
    portal = await stored_portal(door.database, str(info["member_id"]))
    assert portal is not None
    assert portal.application_token_enc is not None
    assert door.ctx.cipher.decrypt(portal.application_token_enc) == new_token
    again = await open_page(door.client, "/b24/app", await door.admin.tokens(DOMAIN, 2))
    assert again.status_code == 200, again.text
