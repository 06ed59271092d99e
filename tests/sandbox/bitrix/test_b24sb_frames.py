"""The parent side of the frame protocol: what the portal answers each command a frame sends,
the portal's own host (routing, CORS), and hostile input refused without a change of state."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from b24_hosting_testkit import HostPage, command, read_host_page
from b24_sandbox_testkit import PortalHandle

from hhsync.sandbox.bitrix.rest import BitrixSandbox


async def open_app(portal: PortalHandle, user_id: int = 1, **query: str) -> HostPage:
    """The application page as ``user_id`` opens it."""
    page = await portal.client.get(
        f"/_sandbox/portal/{portal.domain}/app", params={"user_id": user_id, **query}
    )
    assert page.status_code == 200, page.text
    return read_host_page(page.text)


async def send(portal: PortalHandle, page: HostPage, name: str, params: Any = None) -> Any:
    """One command of ``page``'s frame."""
    return await command(portal.client, page.sid, name, params)


async def test_init_data_answers_the_sdk_for_the_user_who_opened_the_frame(
    portal: PortalHandle,
) -> None:
    page = await open_app(portal, user_id=2)
    init = (await send(portal, page, "getInitData"))["answer"]
    assert init["AUTH_ID"] == page.fields["AUTH_ID"]
    assert (init["IS_ADMIN"], init["INSTALL"], init["FIRST_RUN"]) == (False, False, True)
    assert (init["APP_OPTIONS"], init["USER_OPTIONS"], init["PLACEMENT_OPTIONS"]) == ([], [], [])
    assert (init["MEMBER_ID"], init["PATH"]) == (portal.info["member_id"], "/marketplace/app/1/")
    assert int(init["AUTH_EXPIRES"]) == 3600
    assert await send(portal, page, "setInstall", {"install": True}) == {
        "answer": {"install": True}
    }
    again = await open_app(portal, user_id=2)
    assert (await send(portal, again, "getInitData"))["answer"]["FIRST_RUN"] is False

    refreshed = (await send(portal, page, "refreshAuth"))["answer"]
    assert set(refreshed) == {"AUTH_ID", "REFRESH_ID", "AUTH_EXPIRES"}
    assert refreshed["AUTH_ID"] != init["AUTH_ID"]
    me = await portal.call("user.current", token=refreshed["AUTH_ID"])
    assert me.json()["result"]["ID"] == "2"
    admin = await portal.call("user.admin", token=refreshed["AUTH_ID"])
    assert admin.json()["result"] is False


async def test_page_effects_resize_title_reload_and_the_user_picker(portal: PortalHandle) -> None:
    page = await open_app(portal)
    fit = await send(portal, page, "resizeWindow", {"width": "100%", "height": 640})
    assert fit == {"effect": "resize", "width": "100%", "height": 640}
    odd = await send(portal, page, "resizeWindow", {"width": "wide", "height": 0})
    assert odd == {"effect": "resize", "width": 100, "height": None}  # BX24's parseInt rules
    title = await send(portal, page, "setTitle", {"title": "Отклики hh.ru"})
    assert title == {
        "effect": "title",
        "title": "Отклики hh.ru",
        "answer": {"title": "Отклики hh.ru"},
    }
    assert await send(portal, page, "reloadWindow") == {"effect": "reload", "answer": {}}
    picker = await send(portal, page, "selectUser", {"mult": False})
    assert (picker["effect"], picker["multiple"]) == ("select_user", False)
    assert [u["id"] for u in picker["users"]] == ["1", "2", "3"]  # user 4 is deactivated
    assert set(picker["users"][1]) == {"id", "name", "photo", "position", "url", "sub", "sup"}
    assert picker["users"][1]["name"] == "Игорь Белов"
    assert (await send(portal, page, "selectUser", {"mult": True}))["multiple"] is True
    assert await send(portal, page, "imCallTo", {"userId": 2}) == {}  # recorded, not answered

    state = await portal.admin("/app", method="GET")
    [frame] = state["frames"]
    assert frame["size"] == {"width": 100, "height": None}
    assert frame["title"] == "Отклики hh.ru"
    assert [c["command"] for c in frame["commands"]] == [
        "resizeWindow",
        "resizeWindow",
        "setTitle",
        "reloadWindow",
        "selectUser",
        "selectUser",
        "imCallTo",
    ]


async def test_options_and_an_install_finish_outside_the_installer(portal: PortalHandle) -> None:
    manager = await open_app(portal, user_id=2)
    assert await send(portal, manager, "setAppOption", {"name": "mode", "value": "x"}) == {}
    saved = await send(portal, manager, "setUserOption", {"name": "tab", "value": "deals"})
    assert saved == {"answer": {"tab": "deals"}}
    admin = await open_app(portal)
    stored = await send(portal, admin, "setAppOption", {"name": "mode", "value": "deal"})
    assert stored == {"answer": {"mode": "deal"}}
    init = (await send(portal, await open_app(portal, user_id=2), "getInitData"))["answer"]
    assert (init["APP_OPTIONS"], init["USER_OPTIONS"]) == ({"mode": "deal"}, {"tab": "deals"})
    # the app is installed already: installFinish has no effect, but it is counted
    assert await send(portal, admin, "setInstallFinish") == {}
    state = await portal.admin("/app", method="GET")
    assert (state["install_finish_count"], state["deliveries"]) == (1, [])


async def test_the_placement_frame_gets_its_options(portal: PortalHandle) -> None:
    handler = "http://127.0.0.1:8080/b24/deal-tab?x=1"
    await portal.ok("placement.bind", {"PLACEMENT": "CRM_DEAL_DETAIL_TAB", "HANDLER": handler})
    page = await open_app(
        portal, placement="CRM_DEAL_DETAIL_TAB", placement_options='{"ID":"8061"}'
    )
    assert page.action.startswith(handler + "&DOMAIN=")
    assert page.host["appOrigin"] == "http://127.0.0.1:8080"
    init = (await send(portal, page, "getInitData"))["answer"]
    assert (init["PLACEMENT"], init["PLACEMENT_OPTIONS"]) == ("CRM_DEAL_DETAIL_TAB", {"ID": "8061"})


async def test_the_portals_own_host_serves_its_pages_and_rest_with_cors(
    client: httpx.AsyncClient, sandbox: BitrixSandbox
) -> None:
    created = await client.post("/_sandbox/portals", json={"domain": "localhost:8799"})
    token = created.json()["access_token"]
    assert created.json()["pages"]["app"] == "http://localhost:8799/marketplace/app/1/"
    moved = await client.get("/_sandbox/portal/localhost:8799/app", params={"user_id": 2})
    assert moved.status_code == 307
    assert moved.headers["location"] == "http://localhost:8799/marketplace/app/1/?user_id=2"
    on_host = {"Host": "localhost:8799"}
    home = await client.get("/", headers=on_host)
    assert "/marketplace/app/1/?user_id=2" in home.text
    asked = {**on_host, "Origin": "http://127.0.0.1:9", "Access-Control-Request-Method": "POST"}
    asked["Access-Control-Request-Headers"] = "content-type"
    preflight = await client.options("/rest/user.current", headers=asked)
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert preflight.headers["access-control-allow-headers"] == "content-type"
    me = await client.post(
        "/rest/user.current?bx24_request_id=1", json={"auth": token}, headers=on_host
    )
    assert (me.json()["result"]["ID"], me.headers["access-control-allow-origin"]) == ("1", "*")
    refused = await client.post("/rest/user.current", json={}, headers=on_host)
    assert (refused.status_code, refused.headers["access-control-allow-origin"]) == (401, "*")
    # everything under /_sandbox/ and /p/ is as on any host
    listed = await client.get("/_sandbox/portals", headers=on_host)
    assert [p["domain"] for p in listed.json()] == ["localhost:8799"]
    assert sandbox.portals["localhost:8799"].installed


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"params": {}}',
        b'{"command": 123}',
        b'{"command": "bad name!"}',
        b'{"command": "getInitData", "params": "' + b"x" * 70_000 + b'"}',
    ],
)
async def test_hostile_commands_are_refused_and_change_nothing(
    portal: PortalHandle, body: bytes
) -> None:
    page = await open_app(portal)
    response = await portal.client.post(
        f"/_sandbox/frames/{page.sid}/commands",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "error" in response.json()
    state = await portal.admin("/app", method="GET")
    assert state["frames"][0]["commands"] == []


async def test_commands_from_anywhere_but_the_portal_page_are_refused(portal: PortalHandle) -> None:
    page = await open_app(portal, user_id=1)
    # what a foreign page could send without a CORS preflight
    sneaked = await portal.client.post(
        f"/_sandbox/frames/{page.sid}/commands",
        content=b'{"command": "setAppOption", "params": {"name": "k", "value": "v"}}',
        headers={"Content-Type": "text/plain"},
    )
    assert sneaked.status_code == 415
    state = await portal.admin("/app", method="GET")
    assert (state["options"], state["frames"][0]["commands"]) == ({}, [])


async def test_hostile_pages_and_portals_are_refused(
    portal: PortalHandle, client: httpx.AsyncClient
) -> None:
    unknown = await client.post("/_sandbox/frames/nope/commands", json={"command": "getInitData"})
    assert unknown.status_code == 404
    for domain in ("127.0.0.1:8702", "a/b.bitrix24.ru", "[::1]:80"):
        refused = await client.post("/_sandbox/portals", json={"domain": domain})
        assert refused.status_code == 400, domain
    both = await client.post("/_sandbox/portals", json={"domain": "x.ru", "domain_is_host": True})
    assert both.status_code == 400
    app = f"/_sandbox/portal/{portal.domain}/app"
    for query, status in (
        ({"user_id": "x"}, 404),
        ({"user_id": "99"}, 404),
        ({"user_id": "4"}, 404),  # deactivated
        ({"placement_options": "[1]"}, 400),
        ({"placement_options": "{nope"}, 400),
    ):
        assert (await client.get(app, params=query)).status_code == status, query
    assert (await portal.admin("/app", method="GET"))["frames"] == []
    refused = await client.post(f"/_sandbox/portal/{portal.domain}/install", data={"user_id": "2"})
    assert refused.status_code == 403
