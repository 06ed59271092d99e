"""POST /b24/events with the forms the Bitrix24 sandbox really posts (caught by a recording server,
then handed to the app): uninstall with and without its data, a late or repeated ONAPPINSTALL,
an app update's new application token."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from hhsync.db import accounts
from hhsync.db.accounts import AccountLink
from hhsync.db.tables import PortalStatus
from hhsync.db.tokens import TokenPair, read_portal_tokens
from tests.integration.web.conftest import Door
from tests.integration.web.door_kit import Recorder, open_page, snapshot, stored_portal

pytestmark = pytest.mark.postgres

DOMAIN = "hr.bitrix24.ru"


async def installed(door: Door) -> dict[str, object]:
    info = await door.new_portal(DOMAIN)
    response = await open_page(door.client, "/b24/install", info)
    assert response.status_code == 200, response.text
    return info


async def caught(door: Door, recorder: tuple[Recorder, str], action: str, **body: object) -> dict:
    """The event form the sandbox posts for ``action``, as the recording server got it."""
    recording, url = recorder
    await door.admin.post(DOMAIN, action, {"handler_url": f"{url}/hook", **body})
    forms = recording.forms()
    assert len(forms) == 1, forms
    recording.seen.clear()
    return forms[0]


async def link_an_account(door: Door, portal_id: int) -> None:
    """An hh.ru account row, so that deleting the portal's data has something to delete."""
    now = door.ctx.clock.now()
    link = AccountLink("e1", "m1", "Employer", "Manager", True, TokenPair("a" * 20, "r" * 20, now))
    async with door.database.session() as session:
        await accounts.link_account(session, door.ctx.cipher, portal_id, link, now)


async def test_uninstall_stops_polling_and_wipes_the_tokens(
    door: Door, recorder: tuple[Recorder, str]
) -> None:
    info = await installed(door)
    form = await caught(door, recorder, "uninstall", clean=False)

    response = await door.client.post("/b24/events", data=form)

    assert response.status_code == 200, response.text
    assert response.json() == {"result": "uninstalled"}
    portal = await stored_portal(door.database, str(info["member_id"]))
    assert portal is not None
    assert portal.status == PortalStatus.UNINSTALLED
    assert (portal.access_token_enc, portal.refresh_token_enc) == ("", "")
    assert portal.application_token_enc is None
    # the same event again cannot be checked any more, and changes nothing
    before = await snapshot(door.database)
    again = await door.client.post("/b24/events", data=form)
    assert again.status_code == 401
    assert await snapshot(door.database) == before


async def test_uninstall_with_clean_deletes_every_row_of_the_portal(
    door: Door, recorder: tuple[Recorder, str]
) -> None:
    info = await installed(door)
    portal = await stored_portal(door.database, str(info["member_id"]))
    assert portal is not None
    assert portal.id is not None
    await link_an_account(door, portal.id)
    form = await caught(door, recorder, "uninstall", clean=True)
    assert form["data[CLEAN]"] == "1"

    response = await door.client.post("/b24/events", data=form)

    assert response.status_code == 200
    assert response.json() == {"result": "deleted"}
    rows = await snapshot(door.database)
    assert rows["portal"] == []
    assert rows["hh_account"] == []


async def test_uninstall_with_a_wrong_token_is_refused_logged_and_changes_nothing(
    door: Door, recorder: tuple[Recorder, str]
) -> None:
    info = await installed(door)
    form = await caught(door, recorder, "uninstall", clean=True)
    forged = {**form, "auth[application_token]": "0" * 32}
    before = await snapshot(door.database)

    with capture_logs() as logs:
        response = await door.client.post("/b24/events", data=forged)

    assert response.status_code == 401
    assert response.json() == {"error": "application_token_mismatch"}
    assert await snapshot(door.database) == before
    refusals = [line for line in logs if line["event"] == "b24.request_refused"]
    assert len(refusals) == 1
    assert refusals[0]["member_id"] == info["member_id"]
    assert "0" * 32 not in repr(logs)
    assert str(info["application_token"]) not in repr(logs)


async def test_a_late_install_event_stores_a_portal_we_lacked_and_a_repeat_is_a_no_op(
    door: Door, recorder: tuple[Recorder, str]
) -> None:
    info = await door.new_portal(DOMAIN)
    form = await caught(door, recorder, "install-event", user_id=1)
    assert form["event"] == "ONAPPINSTALL"

    first = await door.client.post("/b24/events", data=form)

    assert first.status_code == 200, first.text
    assert first.json() == {"result": "installed"}
    portal = await stored_portal(door.database, str(info["member_id"]))
    assert portal is not None
    assert portal.status == PortalStatus.ACTIVE
    assert portal.client_endpoint == info["client_endpoint"]
    assert read_portal_tokens(portal, door.ctx.cipher).access_token == form["auth[access_token]"]
    before = await snapshot(door.database)
    again = await door.client.post("/b24/events", data=form)
    assert again.json() == {"result": "already_installed"}
    assert await snapshot(door.database) == before


async def test_the_install_event_may_also_come_to_the_installer_url(
    door: Door, recorder: tuple[Recorder, str]
) -> None:
    info = await door.new_portal(DOMAIN)
    form = await caught(door, recorder, "install-event", user_id=1)

    response = await door.client.post("/b24/install", data=form)

    assert response.status_code == 200
    assert await stored_portal(door.database, str(info["member_id"])) is not None


async def test_the_install_event_takes_the_rest_address_from_app_info_not_the_form(
    door: Door, recorder: tuple[Recorder, str]
) -> None:
    recording, evil = recorder
    info = await door.new_portal(DOMAIN)
    form = await caught(door, recorder, "install-event", user_id=1)
    form["auth[client_endpoint]"] = f"{evil}/rest/"

    response = await door.client.post("/b24/events", data=form)

    assert response.status_code == 200
    portal = await stored_portal(door.database, str(info["member_id"]))
    assert portal is not None
    assert portal.client_endpoint == info["client_endpoint"]
    assert recording.seen == []


async def test_an_app_update_replaces_the_application_token(
    door: Door, recorder: tuple[Recorder, str]
) -> None:
    info = await installed(door)
    form = await caught(door, recorder, "install-event", user_id=1)
    update = {
        **form,
        "event": "ONAPPUPDATE",
        "data[VERSION]": "2",
        "data[PREVIOUS_VERSION]": "1",
        "auth[application_token]": "f" * 32,
    }

    response = await door.client.post("/b24/events", data=update)

    assert response.status_code == 200, response.text
    assert response.json() == {"result": "updated"}
    portal = await stored_portal(door.database, str(info["member_id"]))
    assert portal is not None
    assert portal.application_token_enc is not None
    assert door.ctx.cipher.decrypt(portal.application_token_enc) == "f" * 32
