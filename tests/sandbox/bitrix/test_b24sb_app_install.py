"""The administrator installs the app from the portal page; the installer finishes it (real HTTP).

A browser-origin portal (``localhost:PORT``) is reached with that ``Host``, as Chromium would;
server-side clients use the sandbox's own address. ``app.info`` says "not installed" until the
installer's ``setInstallFinish``, ONAPPINSTALL goes once to the handler the installer bound, and
the application page then opens ``app_url`` instead of the installer.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from b24_hosting_testkit import as_browser, command, event_receiver, read_host_page

from hhsync.clock import FrozenClock
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig, create_app
from hhsync.sandbox.bitrix.portal_pages import NOT_FINISHED
from hhsync.testing.server import serve

INIT_FIELDS = {
    "DOMAIN",
    "PROTOCOL",
    "LANG",
    "PATH",
    "AUTH_ID",
    "AUTH_EXPIRES",
    "REFRESH_ID",
    "MEMBER_ID",
    "IS_ADMIN",
    "APP_OPTIONS",
    "USER_OPTIONS",
    "PLACEMENT",
    "PLACEMENT_OPTIONS",
    "INSTALL",
    "FIRST_RUN",
}


async def test_the_administrator_installs_and_the_installer_finishes_once() -> None:
    handler_app, received = event_receiver()
    with serve(handler_app) as app_base:
        config = BitrixSandboxConfig(
            base_clock=FrozenClock(),
            demo_portals=(),
            app_url=f"{app_base}/b24/app",
            install_url=f"{app_base}/b24/install",
        )
        with serve(create_app(config)) as sandbox_url:
            async with httpx.AsyncClient(base_url=sandbox_url) as server:
                created = await server.post(
                    "/_sandbox/portals", json={"domain_is_host": True, "installed": False}
                )
                assert created.status_code == 200, created.text
                info = created.json()
                domain = info["domain"]
                assert domain == f"localhost:{urlsplit(sandbox_url).port}"
                assert "access_token" not in info  # nothing is installed yet
                assert info["pages"]["install"] == f"http://{domain}/marketplace/install/"
                assert info["client_endpoint"] == f"{sandbox_url}/p/{domain}/rest/"
                async with as_browser(sandbox_url, domain) as browser:
                    await _install(server, browser, domain, app_base, received)
                    await _installed(server, browser, domain, sandbox_url, received)


async def _install(
    server: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    domain: str,
    app_base: str,
    received: list[dict[str, str]],
) -> None:
    """From the install page to the installer's setInstallFinish (sent twice: harmless)."""
    assert received == []
    manager = await browser.get("/marketplace/install/", params={"user_id": 2})
    assert manager.status_code == 403
    confirm = await browser.get("/marketplace/install/", params={"user_id": 1})
    assert 'id="b24-install"' in confirm.text
    done = await browser.post("/marketplace/install/", data={"user_id": "1"})
    assert (done.status_code, done.headers["location"]) == (303, "/marketplace/app/1/?user_id=1")

    waiting = await browser.get("/marketplace/app/1/", params={"user_id": 2})
    assert NOT_FINISHED in waiting.text
    assert "b24-app-frame" not in waiting.text

    page = read_host_page((await browser.get(done.headers["location"])).text)
    assert page.frame_url == f"{app_base}/b24/install"
    assert page.query["DOMAIN"] == domain
    assert page.frame_name == page.target == f"{domain}|0|{page.sid}"
    assert page.host["appOrigin"] == app_base
    token = page.fields["AUTH_ID"]

    trusted = await server.get("/rest/app.info", params={"auth": token})
    assert trusted.json()["result"]["install"]["installed"] is False
    # the installer binds its handler through the portal's own /rest/, as its SDK would
    bound = await browser.post(
        "/rest/event.bind",
        json={"auth": token, "event": "ONAPPINSTALL", "handler": f"{app_base}/events"},
    )
    assert bound.json()["result"] is True
    assert bound.headers["access-control-allow-origin"] == "*"

    init = (await command(browser, page.sid, "getInitData"))["answer"]
    assert set(init) == INIT_FIELDS
    assert (init["INSTALL"], init["FIRST_RUN"], init["IS_ADMIN"]) == (True, True, True)
    assert (init["DOMAIN"], init["PROTOCOL"], init["AUTH_ID"]) == (domain, "0", token)
    assert init["PLACEMENT"] == "DEFAULT"

    assert await command(browser, page.sid, "setInstallFinish") == {"effect": "reload"}
    assert await command(browser, page.sid, "setInstallFinish") == {"effect": "reload"}
    trusted = await server.get("/rest/app.info", params={"auth": token})
    assert trusted.json()["result"]["install"]["installed"] is True


async def _installed(
    server: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    domain: str,
    sandbox_url: str,
    received: list[dict[str, str]],
) -> None:
    """After the finish: one ONAPPINSTALL with working tokens, and the app page opens app_url."""
    state = (await server.get(f"/_sandbox/portals/{domain}/app")).json()
    assert (state["install_finished"], state["install_finish_count"]) == (True, 2)
    assert [(d["event"], d["status"]) for d in state["deliveries"]] == [("ONAPPINSTALL", 200)]
    assert [e["event"] for e in received] == ["ONAPPINSTALL"]
    endpoint = received[0]["auth[client_endpoint]"]
    assert endpoint == f"{sandbox_url}/p/{domain}/rest/"
    token = received[0]["auth[access_token]"]
    me = await server.post(f"{endpoint}user.current", data={"auth": token})
    assert me.json()["result"]["ID"] == "1"

    after = read_host_page((await browser.get("/marketplace/app/1/")).text)
    assert after.frame_url.endswith("/b24/app")
    assert (await command(browser, after.sid, "getInitData"))["answer"]["INSTALL"] is False
    state = (await server.get(f"/_sandbox/portals/{domain}/app")).json()
    modes = [(f["mode"], [c["command"] for c in f["commands"]]) for f in state["frames"]]
    assert modes == [
        ("install", ["getInitData", "setInstallFinish", "setInstallFinish"]),
        ("app", ["getInitData"]),
    ]
    # the manager sees the application now
    manager = read_host_page((await browser.get("/marketplace/app/1/?user_id=2")).text)
    assert manager.frame_url.endswith("/b24/app")
