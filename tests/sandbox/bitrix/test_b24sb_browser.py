"""A real Chromium installs and opens an application on a sandbox portal with the official SDK.

The stand-in application (served on 127.0.0.1, another origin than the portal's localhost) loads
the vendored ``@bitrix24/b24jssdk`` UMD build and does what an installer and an app page do:
``initializeB24Frame()``, REST calls with the init data's token, ``setTitle``, ``fitWindow``,
``event.bind`` and ``installFinish``; then, on the app page, ``refreshAuth`` and the user picker.
The test checks what the portal saw, and that ``app.info`` turned installed.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from hhsync.sandbox.bitrix.app import BitrixSandboxConfig, create_app
from hhsync.testing.browser import app_frame
from hhsync.testing.server import serve

SDK = resources.files("hhsync.web") / "static" / "vendor" / "b24jssdk" / "index.min.js"

COMMON = """
async function report(step, data) {
  await fetch("/report", {method: "POST", headers: {"Content-Type": "application/json"},
                          body: JSON.stringify({step: step, data: data})});
}
async function call($b24, method, params) {
  const result = await $b24.actions.v2.call.make({method: method, params: params});
  if (!result.isSuccess) { throw new Error(method + ": " + result.getErrorMessages().join("; ")); }
  return result.getData().result;
}
function fail(error) {
  document.getElementById("state").textContent = "error: " + error;
  return report("error", {error: String(error)});
}
"""

INSTALLER = """
(async () => {
  const $b24 = await B24Js.initializeB24Frame();
  const me = await call($b24, "user.current", {});
  const info = await call($b24, "app.info", {});
  const bound = await call($b24, "event.bind",
                           {event: "ONAPPINSTALL", handler: location.origin + "/events"});
  await $b24.parent.setTitle("Установка hhsync");
  await $b24.parent.fitWindow();
  await report("install", {install: $b24.isInstallMode, firstRun: $b24.isFirstRun, user: me.ID,
                           installed: info.INSTALLED, admin: $b24.auth.isAdmin, bound: bound,
                           placement: $b24.placement.placement});
  document.getElementById("state").textContent = "finishing";
  await $b24.installFinish();
})().catch(fail);
"""

APP = """
(async () => {
  const $b24 = await B24Js.initializeB24Frame();
  const me = await call($b24, "user.current", {});
  const before = $b24.auth.getAuthData().access_token;
  const refreshed = await $b24.auth.refreshAuth();
  const again = await call($b24, "user.current", {});
  await $b24.parent.setTitle("hhsync — отклики hh.ru");
  const size = await $b24.parent.fitWindow();
  await report("app", {install: $b24.isInstallMode, firstRun: $b24.isFirstRun, user: me.ID,
                       refreshed: refreshed.access_token !== before, again: again.ID,
                       size: size});
  const pick = document.getElementById("pick");
  pick.addEventListener("click", async () => {
    const picked = await $b24.dialog.selectUser();
    document.getElementById("picked").textContent = picked ? picked.name : "никто";
    await report("picked", picked);
  });
  pick.disabled = false;
  document.getElementById("state").textContent = "ready " + me.NAME;
})().catch(fail);
"""


def _page(script: str) -> str:
    return (
        '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"></head><body>'
        '<p id="state">loading</p><button id="pick" disabled>Выбрать</button>'
        '<p id="picked"></p><div style="height:420px"></div>'
        f'<script src="/sdk.js"></script><script>{COMMON}{script}</script></body></html>'
    )


class StandIn:
    """The application's server: its installer and app pages, what they report, its events."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, str]]] = []
        self.reports: list[dict[str, Any]] = []
        self.events: list[dict[str, str]] = []

    async def frame(self, request: Request) -> Response:
        form = await request.form()
        self.posts.append((request.url.path, {k: str(v) for k, v in form.items()}))
        script = INSTALLER if request.url.path.endswith("/install") else APP
        return HTMLResponse(_page(script))

    async def report(self, request: Request) -> Response:
        self.reports.append(json.loads(await request.body()))
        return JSONResponse({})

    async def event(self, request: Request) -> Response:
        self.events.append({k: str(v) for k, v in (await request.form()).items()})
        return PlainTextResponse("ok")

    def app(self) -> Starlette:
        """The Starlette app serving it all."""

        async def sdk(request: Request) -> Response:
            del request
            return Response(SDK.read_bytes(), media_type="text/javascript")

        return Starlette(
            routes=[
                Route("/sdk.js", sdk, methods=["GET"]),
                Route("/b24/install", self.frame, methods=["POST"]),
                Route("/b24/app", self.frame, methods=["POST"]),
                Route("/report", self.report, methods=["POST"]),
                Route("/events", self.event, methods=["POST"]),
            ]
        )

    def step(self, name: str) -> Any:
        """What the frame reported at ``name``."""
        found = [r["data"] for r in self.reports if r["step"] == name]
        assert len(found) == 1, self.reports
        return found[0]


async def test_chromium_installs_and_opens_the_app_with_the_official_sdk(
    browser: Browser, artifacts: Path
) -> None:
    stand_in = StandIn()
    with serve(stand_in.app()) as app_base:
        config = BitrixSandboxConfig(
            demo_portals=(), app_url=f"{app_base}/b24/app", install_url=f"{app_base}/b24/install"
        )
        with serve(create_app(config)) as sandbox_url:
            async with httpx.AsyncClient(base_url=sandbox_url) as server:
                created = await server.post(
                    "/_sandbox/portals", json={"domain_is_host": True, "installed": False}
                )
                domain = created.json()["domain"]
                console: list[str] = []
                page = await browser.new_page()
                page.on("console", lambda message: console.append(message.text))
                await page.goto(created.json()["pages"]["install"])
                await page.click("#b24-install")
                frame = app_frame(page)
                ready = frame.locator("#state")
                await expect(ready).to_have_text("ready Анна", timeout=30_000)
                await expect(page.locator("#pagetitle")).to_have_text("hhsync — отклики hh.ru")
                await frame.locator("#pick").click()
                await page.locator('#b24-dialog button[data-user-id="2"]').click()
                await expect(frame.locator("#picked")).to_have_text("Игорь Белов")
                await page.screenshot(path=str(artifacts / "b24-sandbox-app.png"), full_page=True)
                state = (await server.get(f"/_sandbox/portals/{domain}/app")).json()
                installer_token = stand_in.posts[0][1]["AUTH_ID"]
                trusted = await server.get("/rest/app.info", params={"auth": installer_token})

    assert [path for path, _ in stand_in.posts] == ["/b24/install", "/b24/app"], console
    assert stand_in.step("install") == {
        "install": True,
        "firstRun": True,
        "user": "1",
        "installed": False,
        "admin": True,
        "bound": True,
        "placement": "DEFAULT",
    }
    app = stand_in.step("app")
    assert (app["install"], app["firstRun"], app["refreshed"], app["again"]) == (
        False,
        False,
        True,
        "1",
    )
    assert app["size"]["height"] > 400  # the page's content, as fitWindow measured it
    assert stand_in.step("picked")["id"] == "2"

    assert state["install_finish_count"] == 1
    assert [(d["event"], d["status"]) for d in state["deliveries"]] == [("ONAPPINSTALL", 200)]
    assert [e["event"] for e in stand_in.events] == ["ONAPPINSTALL"]
    assert trusted.json()["result"]["install"]["installed"] is True
    frames = [(f["mode"], [c["command"] for c in f["commands"]]) for f in state["frames"]]
    assert frames == [
        ("install", ["getInitData", "setInstall", "setTitle", "resizeWindow", "setInstallFinish"]),
        ("app", ["getInitData", "refreshAuth", "setTitle", "resizeWindow", "selectUser"]),
    ]
