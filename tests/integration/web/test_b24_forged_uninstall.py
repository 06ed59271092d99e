"""ONAPPUNINSTALL forged by someone who knows the application token but not the uninstall.

Bitrix24 posts ``APPLICATION_TOKEN`` into every user's app frame (and into every other event), so
any employee of the portal can read it. The token alone must therefore not be enough to wipe the
portal's tokens or delete its rows while the app is still installed: the door asks the portal
with the stored tokens, which die with a real uninstall.
"""

from __future__ import annotations

import pytest

from hhsync.db.tables import PortalStatus
from tests.integration.web.conftest import Door
from tests.integration.web.door_kit import open_page, snapshot, stored_portal

pytestmark = pytest.mark.postgres

DOMAIN = "hr.bitrix24.ru"


def forged_uninstall(info: dict[str, object], application_token: str, clean: bool) -> dict:
    return {
        "event": "ONAPPUNINSTALL",
        "data[CLEAN]": "1" if clean else "0",
        "data[LANGUAGE_ID]": "ru",
        "ts": "1764590000",
        "auth[domain]": DOMAIN,
        "auth[member_id]": str(info["member_id"]),
        "auth[application_token]": application_token,
    }


@pytest.mark.parametrize("clean", [True, False])
async def test_an_employee_with_the_frames_application_token_cannot_uninstall(
    door: Door, clean: bool
) -> None:
    info = await door.new_portal(DOMAIN)
    installed = await open_page(door.client, "/b24/install", info)
    assert installed.status_code == 200, installed.text
    # a recruiter (not an admin) opens the app: the frame's POST carries the application token
    recruiter = await door.admin.tokens(DOMAIN, 2)
    seen_token = str(recruiter["app_form"]["APPLICATION_TOKEN"])
    assert seen_token == info["application_token"]
    before = await snapshot(door.database)

    response = await door.client.post("/b24/events", data=forged_uninstall(info, seen_token, clean))

    assert response.status_code == 403, response.text
    assert response.json() == {"error": "app_still_installed"}
    assert await snapshot(door.database) == before
    portal = await stored_portal(door.database, str(info["member_id"]))
    assert portal is not None
    assert portal.status == PortalStatus.ACTIVE
