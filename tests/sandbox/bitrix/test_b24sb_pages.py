"""The iframe host page, the CRM view (hostile input escaped), and the install over real HTTP."""

from __future__ import annotations

import base64
import copy
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from b24_sandbox_testkit import PortalHandle, example
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from hhsync.clock import FrozenClock
from hhsync.sandbox.bitrix.app import BitrixSandboxConfig, create_app
from hhsync.testing.server import serve_all

HOSTILE = '<script>alert("x")</script>'


class FormReader(HTMLParser):
    """Collects the app form's action and hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.method = ""
        self.target = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action, self.method = values["action"], values["method"]
            self.target = values.get("target", "")
        if tag == "input" and values.get("type") == "hidden":
            self.fields[values["name"]] = values["value"]


async def test_portal_pages_carry_their_icon_inline(portal: PortalHandle) -> None:
    # a page without one makes the browser ask for /favicon.ico: a 404 and a console error
    for which in ("", "app", "install", "crm"):
        page = await portal.client.get(
            f"/_sandbox/portal/{portal.domain}/{which}", params={"user_id": 1}
        )
        assert page.status_code == 200, which
        assert '<link rel="icon" href="data:image/svg+xml,' in page.text, which


async def test_app_page_posts_the_install_fields_into_an_iframe(portal: PortalHandle) -> None:
    page = await portal.client.get(f"/_sandbox/portal/{portal.domain}/app", params={"user_id": 2})
    reader = FormReader()
    reader.feed(page.text)
    url = urlsplit(reader.action)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    # the SDK reads DOMAIN|PROTOCOL|APP_SID from the frame's name, not from the query string
    frame_name = f"{portal.domain}|0|{query['APP_SID']}"
    assert (reader.method, reader.target) == ("post", frame_name)
    assert f'iframe id="b24-app-frame" name="{frame_name}"' in page.text
    assert f"{url.scheme}://{url.netloc}{url.path}" == "http://127.0.0.1:8080/b24/app"
    documented = set(example("app-page.post-params.DEFAULT.json")) - {"_source"}
    assert set(query) | set(reader.fields) == documented
    assert query["DOMAIN"] == portal.domain
    assert reader.fields["member_id"] == portal.info["member_id"]
    # the posted AUTH_ID is the token of the user who opened the page
    me = await portal.call("user.current", token=reader.fields["AUTH_ID"])
    assert me.json()["result"]["ID"] == "2"


async def test_placement_page_sends_its_options(portal: PortalHandle) -> None:
    handler = "http://127.0.0.1:8080/b24/deal-tab"
    unbound = await portal.client.get(
        f"/_sandbox/portal/{portal.domain}/app", params={"placement": "CRM_DEAL_DETAIL_TAB"}
    )
    assert unbound.status_code == 404  # a widget shows only once placement.bind registered it
    await portal.ok("placement.bind", {"PLACEMENT": "CRM_DEAL_DETAIL_TAB", "HANDLER": handler})
    page = await portal.client.get(
        f"/_sandbox/portal/{portal.domain}/app",
        params={"placement": "CRM_DEAL_DETAIL_TAB", "placement_options": '{"ID":"8061"}'},
    )
    reader = FormReader()
    reader.feed(page.text)
    assert reader.fields["PLACEMENT"] == "CRM_DEAL_DETAIL_TAB"
    assert reader.fields["PLACEMENT_OPTIONS"] == '{"ID":"8061"}'
    assert reader.action.startswith(handler + "?")


async def test_crm_view_escapes_hostile_applicant_data(portal: PortalHandle) -> None:
    await portal.ok(
        "crm.lead.userfield.add",
        {
            "fields": {
                "FIELD_NAME": "HH_RESUME",
                "USER_TYPE_ID": "file",
                "EDIT_FORM_LABEL": "Резюме",
            }
        },
    )
    lead_id = await portal.ok(
        "crm.lead.add",
        {
            "fields": {
                "TITLE": HOSTILE,
                "NAME": HOSTILE,
                "PHONE": [{"VALUE": "+7 999 <b>"}],
                "UF_CRM_HH_RESUME": {
                    "fileData": [f"{HOSTILE}.pdf", base64.b64encode(b"%PDF").decode()]
                },
            }
        },
    )
    layout = copy.deepcopy(example("crm.activity.configurable.layout.request-example.json"))
    layout["body"]["blocks"]["client"]["properties"]["block"]["properties"]["value"] = HOSTILE
    link = layout["body"]["blocks"]["responsible"]["properties"]["blocks"]["client"]
    link["properties"]["action"]["uri"] = "javascript:alert(1)"
    await portal.ok(
        "crm.activity.configurable.add",
        {"ownerTypeId": 1, "ownerId": lead_id, "fields": {}, "layout": layout},
    )
    page = await portal.client.get(f"/_sandbox/portal/{portal.domain}/crm")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "javascript:" not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text
    assert "Лиды (1)" in page.text
    assert "<td>Не обработан</td>" in page.text  # the lead status, not the deal stage "NEW"
    assert "Incoming call" in page.text  # the activity's header shows in the timeline
    file_href = f"/_sandbox/portal/{portal.domain}/files/"
    assert file_href in page.text
    file_id = next(iter(portal.sandbox.portals[portal.domain].files))
    download = await portal.client.get(f"{file_href}{file_id}")
    assert download.content == b"%PDF"


def receiver() -> tuple[Starlette, list[dict[str, Any]]]:
    """A stand-in application handler that records what the portal POSTs to it."""
    received: list[dict[str, Any]] = []

    async def handler(request: Request) -> PlainTextResponse:
        form = await request.form()
        received.append(dict(form.items()))
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/install", handler, methods=["POST"])]), received


async def test_install_event_over_real_http_gives_a_working_client_endpoint() -> None:
    sandbox_app = create_app(BitrixSandboxConfig(base_clock=FrozenClock(), demo_portals=()))
    handler_app, received = receiver()
    with serve_all(sandbox_app, handler_app) as (sandbox_url, handler_url):
        async with httpx.AsyncClient(base_url=sandbox_url) as http:
            created = await http.post("/_sandbox/portals", json={"domain": "live.bitrix24.ru"})
            assert created.status_code == 200
            sent = await http.post(
                "/_sandbox/portals/live.bitrix24.ru/install-event",
                json={"handler_url": f"{handler_url}/install"},
            )
            assert sent.json()["handler_status"] == 200
            event = received[0]
            assert event["event"] == "ONAPPINSTALL"
            endpoint = event["auth[client_endpoint]"]
            assert endpoint == f"{sandbox_url}/p/live.bitrix24.ru/rest/"
            me = await http.post(
                f"{endpoint}user.current.json", data={"auth": event["auth[access_token]"]}
            )
            assert me.json()["result"]["ID"] == "1"
            token_url = event["auth[server_endpoint]"].replace("/rest/", "/oauth/token/")
            refreshed = await http.get(
                token_url,
                params={
                    "grant_type": "refresh_token",
                    "client_id": "hhsync-demo-b24",
                    "client_secret": "hhsync-demo-b24-secret",
                    "refresh_token": event["auth[refresh_token]"],
                },
            )
            assert refreshed.json()["client_endpoint"] == endpoint
            new_token = refreshed.json()["access_token"]
            bound = await http.post(
                f"{endpoint}event.bind",
                data={
                    "auth": new_token,
                    "event": "ONAPPUNINSTALL",
                    "handler": f"{handler_url}/install",
                },
            )
            assert bound.json()["result"] is True
            gone = await http.post("/_sandbox/portals/live.bitrix24.ru/uninstall")
            assert gone.json()["handler_statuses"] == {f"{handler_url}/install": 200}
            uninstall = received[-1]
            assert uninstall["event"] == "ONAPPUNINSTALL"
            assert uninstall["auth[application_token]"] == event["auth[application_token]"]
            assert not any("token" in key and "application" not in key for key in uninstall)
            dead = await http.post(f"{endpoint}user.current.json", data={"auth": new_token})
            assert dead.status_code == 401
