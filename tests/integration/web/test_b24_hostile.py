"""Hostile requests at the door: each one is refused with a clear 4xx (never a 500), changes no
row of the database, and sends nothing to a host a request named.

Two portals are installed (A and B); the attacker holds genuine tokens of portal A's users, knows
B's ``member_id`` and domain, and runs a server of their own (the recording server).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from hhsync.web.context import WebContext
from hhsync.web.session import SESSION_HEADER, SessionClaims, SessionSigner
from tests.integration.web.conftest import Door
from tests.integration.web.door_kit import (
    Recorder,
    asgi_client,
    door_app,
    door_settings,
    netloc,
    open_page,
    snapshot,
    stored_portal,
)

pytestmark = pytest.mark.postgres

A, B = "a.bitrix24.ru", "b.bitrix24.ru"


@dataclass
class Scene:
    """Two installed portals, the attacker's tokens of A and their recording server."""

    door: Door
    recording: Recorder
    evil_url: str
    a_admin: dict[str, Any]
    a_user: dict[str, Any]
    b_info: dict[str, Any]

    async def refused(
        self,
        send: Coroutine[Any, Any, httpx.Response],
        status: int,
        reason: str | None,
    ) -> httpx.Response:
        """Send, and prove the refusal: its status and logged reason, no row changed, nothing
        sent to the attacker's server."""
        before = await snapshot(self.door.database)
        with capture_logs() as logs:
            response = await send
        assert response.status_code == status, response.text[:500]
        reasons = [line["reason"] for line in logs if line["event"] == "b24.request_refused"]
        assert reasons == ([reason] if reason else []), logs
        assert await snapshot(self.door.database) == before
        assert self.recording.seen == []
        for secret in (self.a_admin["access_token"], self.a_admin["refresh_token"]):
            assert secret not in response.text
            assert secret not in repr(logs)
        return response

    def frame(self, path: str = "/b24/app", **form: str) -> Awaitable[httpx.Response]:
        """A's user opening ``path`` with ``form`` fields replaced."""
        return open_page(self.door.client, path, self.a_user, form=form)


@pytest.fixture
async def scene(door: Door, recorder: tuple[Recorder, str]) -> AsyncIterator[Scene]:
    for domain in (A, B):
        info = await door.new_portal(domain)
        installed = await open_page(door.client, "/b24/install", info)
        assert installed.status_code == 200, installed.text
    recording, url = recorder
    return Scene(
        door,
        recording,
        url,
        await door.admin.tokens(A, 1),
        await door.admin.tokens(A, 2),
        await door.admin.tokens(B, 1),
    )


# --- the frame's POST: shape (step 1) -----------------------------------------------------------


BAD_DOMAINS = ("evil.example/x", "evil.example:99999", "<script>", "", "a" * 300, "e@a.bitrix24.ru")


async def test_a_domain_that_is_not_a_plain_host(scene: Scene) -> None:
    for domain in BAD_DOMAINS:
        send = open_page(scene.door.client, "/b24/app", scene.a_user, query={"DOMAIN": domain})
        response = await scene.refused(send, 400, "bad_domain")
        assert "x-frame-options" in response.headers  # no verified portal: nobody may frame it


async def test_a_member_id_that_is_not_32_hex_digits(scene: Scene) -> None:
    for member_id in ("", "xyz", "a" * 31, "A" * 32, "../" * 11):
        await scene.refused(scene.frame(member_id=member_id), 400, "bad_member_id")


async def test_placement_options_that_are_not_a_json_object(scene: Scene) -> None:
    for options in ("{", "[1]", "[" * 5000, '"text"'):
        send = scene.frame(PLACEMENT_OPTIONS=options)
        await scene.refused(send, 400, "bad_placement_options")


async def test_a_placement_the_app_does_not_serve(scene: Scene) -> None:
    await scene.refused(scene.frame(PLACEMENT="CRM_LEAD_DETAIL_TAB"), 400, "bad_placement")


async def test_an_unknown_protocol(scene: Scene) -> None:
    send = open_page(scene.door.client, "/b24/app", scene.a_user, query={"PROTOCOL": "2"})
    await scene.refused(send, 400, "bad_protocol")


async def test_an_auth_id_no_token_could_be(scene: Scene) -> None:
    for token, reason in (("x' OR 1=1 --", "bad_token"), ("", "missing_token")):
        await scene.refused(scene.frame(AUTH_ID=token), 400, reason)


async def test_a_field_sent_twice(scene: Scene) -> None:
    body = httpx.QueryParams(scene.a_user["app_form"]).add("AUTH_ID", "f" * 64)
    send = scene.door.client.post(
        "/b24/app",
        params=scene.a_user["app_query"],
        content=str(body),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    await scene.refused(send, 400, "repeated_field")


async def test_a_domain_in_the_form_that_contradicts_the_query(scene: Scene) -> None:
    await scene.refused(scene.frame(DOMAIN=B), 400, "conflicting_field")


async def test_a_malformed_body(scene: Scene) -> None:
    for body in (b"AUTH_ID&&member_id", b"AUTH_ID=%ff%fe", b"\xff\xfe=1"):
        send = scene.door.client.post(
            "/b24/app",
            params=scene.a_user["app_query"],
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        await scene.refused(send, 400, "malformed_body")


async def test_a_body_that_is_not_a_form(scene: Scene) -> None:
    send = scene.door.client.post(
        "/b24/app", params=scene.a_user["app_query"], json=scene.a_user["app_form"]
    )
    await scene.refused(send, 415, "unsupported_media_type")


async def test_an_oversized_body(scene: Scene) -> None:
    padding = "x" * (70 * 1024)
    response = await scene.refused(scene.frame(PADDING=padding), 413, None)
    assert response.headers["x-frame-options"] == "DENY"


async def test_an_oversized_body_streamed_without_a_length(scene: Scene) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(80):
            yield b"x" * 1024

    send = scene.door.client.post(
        "/b24/app",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    await scene.refused(send, 413, None)


WRONG_METHODS = (
    ("GET", "/b24/app"),
    ("GET", "/b24/install"),
    ("PUT", "/b24/app"),
    ("GET", "/b24/events"),
    ("POST", "/app/api/status"),
)


async def test_a_wrong_method(scene: Scene) -> None:
    for method, path in WRONG_METHODS:
        await scene.refused(scene.door.client.request(method, path), 405, None)


# --- the OAuth server it names (step 2) ---------------------------------------------------------


async def test_a_server_endpoint_on_the_attackers_host(scene: Scene) -> None:
    send = scene.frame(SERVER_ENDPOINT=f"{scene.evil_url}/rest/")
    await scene.refused(send, 403, "server_not_allowed")


async def test_a_server_endpoint_hiding_the_attacker_behind_a_user_part(scene: Scene) -> None:
    good = netloc(scene.door.bitrix_url)
    endpoint = f"http://{good}@{netloc(scene.evil_url)}/rest/"
    await scene.refused(scene.frame(SERVER_ENDPOINT=endpoint), 400, "bad_server_endpoint")


LOOKALIKES = (
    "https://oauth.bitrix.info.evil.example/rest/",
    "http://oauth.bitrix.info/rest/",
    "https://evil.example/rest/",
)


async def test_a_server_endpoint_that_only_looks_trusted(scene: Scene) -> None:
    for endpoint in LOOKALIKES:
        await scene.refused(scene.frame(SERVER_ENDPOINT=endpoint), 403, "server_not_allowed")


async def test_a_server_endpoint_with_another_path(scene: Scene) -> None:
    for suffix in ("/evil/", "/rest/?x=1", "/rest/#x"):
        endpoint = f"{scene.door.bitrix_url}{suffix}"
        await scene.refused(scene.frame(SERVER_ENDPOINT=endpoint), 400, "bad_server_endpoint")


# --- what app.info says (step 3) ----------------------------------------------------------------


async def test_a_forged_auth_id(scene: Scene) -> None:
    await scene.refused(scene.frame(AUTH_ID="f" * 64), 401, "token_refused")


async def test_a_token_of_portal_a_posted_with_bs_member_id(scene: Scene) -> None:
    send = scene.frame(member_id=scene.b_info["member_id"])
    await scene.refused(send, 403, "token_mismatch")


async def test_a_token_of_portal_a_posted_with_bs_domain(scene: Scene) -> None:
    send = open_page(scene.door.client, "/b24/app", scene.a_user, query={"DOMAIN": B})
    response = await scene.refused(send, 403, "token_mismatch")
    # the refusal page, a sentence and nothing else, names the claimed portal as its ancestor
    assert response.headers["content-security-policy"].startswith(f"frame-ancestors http://{B};")


async def test_a_token_of_another_application(scene: Scene, db_url: str) -> None:
    settings = door_settings(
        db_url, [netloc(scene.door.bitrix_url)], HHSYNC_BITRIX__CLIENT_ID="local.other.app"
    )
    async with httpx.AsyncClient(timeout=10) as outbound:
        ctx = WebContext(settings, scene.door.database, scene.door.ctx.cipher, outbound)
        async with asgi_client(door_app(ctx)) as other:
            send = open_page(other, "/b24/app", scene.a_user)
            await scene.refused(send, 403, "token_mismatch")


# --- the stored application token (step 4) and the admin check (step 5) -------------------------


async def test_a_wrong_application_token_for_a_known_portal(scene: Scene) -> None:
    await scene.refused(scene.frame(APPLICATION_TOKEN="0" * 32), 403, "application_token_mismatch")


async def test_the_installer_opened_by_a_user_who_is_not_an_admin(scene: Scene) -> None:
    await scene.refused(scene.frame("/b24/install"), 403, "not_admin")


async def test_the_installer_without_a_refresh_token(scene: Scene) -> None:
    send = open_page(scene.door.client, "/b24/install", scene.a_admin, drop=("REFRESH_ID",))
    await scene.refused(send, 400, "missing_token")


# --- events -------------------------------------------------------------------------------------


def uninstall_form(member_id: str, token: str) -> dict[str, str]:
    return {
        "event": "ONAPPUNINSTALL",
        "data[CLEAN]": "1",
        "auth[member_id]": member_id,
        "auth[application_token]": token,
        "auth[domain]": A,
    }


async def test_an_uninstall_with_a_wrong_application_token(scene: Scene) -> None:
    send = scene.door.client.post(
        "/b24/events", data=uninstall_form(scene.a_admin["member_id"], "0" * 32)
    )
    await scene.refused(send, 401, "application_token_mismatch")


async def test_an_uninstall_with_bs_token_for_portal_a(scene: Scene) -> None:
    form = uninstall_form(scene.a_admin["member_id"], scene.b_info["application_token"])
    await scene.refused(
        scene.door.client.post("/b24/events", data=form), 401, "application_token_mismatch"
    )


async def test_an_uninstall_of_a_portal_nobody_installed(scene: Scene) -> None:
    form = uninstall_form("0" * 32, "0" * 32)
    await scene.refused(
        scene.door.client.post("/b24/events", data=form), 401, "application_token_mismatch"
    )


async def test_an_uninstall_without_a_member_id(scene: Scene) -> None:
    form = uninstall_form("", "0" * 32)
    await scene.refused(scene.door.client.post("/b24/events", data=form), 400, "bad_member_id")


def install_event(info: dict[str, Any], **changes: str) -> dict[str, str]:
    """An ONAPPINSTALL form with ``info``'s tokens (what the sandbox would post)."""
    return {**info["install_event"], **changes}


async def test_an_install_event_with_a_forged_token(scene: Scene) -> None:
    form = install_event(scene.a_admin, **{"auth[access_token]": "f" * 64})
    await scene.refused(scene.door.client.post("/b24/events", data=form), 401, "token_refused")


async def test_an_install_event_naming_the_attackers_oauth_server(scene: Scene) -> None:
    form = install_event(scene.a_admin, **{"auth[server_endpoint]": f"{scene.evil_url}/rest/"})
    await scene.refused(scene.door.client.post("/b24/events", data=form), 403, "server_not_allowed")


async def test_an_install_event_with_as_token_for_portal_b(scene: Scene) -> None:
    form = install_event(scene.a_admin, **{"auth[member_id]": scene.b_info["member_id"]})
    await scene.refused(scene.door.client.post("/b24/events", data=form), 403, "token_mismatch")


async def test_an_install_event_with_a_users_tokens_for_a_lost_portal(scene: Scene) -> None:
    info = await scene.door.new_portal("c.bitrix24.ru")
    user = await scene.door.admin.tokens("c.bitrix24.ru", 2)
    assert await stored_portal(scene.door.database, info["member_id"]) is None
    send = scene.door.client.post("/b24/events", data=install_event(user))
    await scene.refused(send, 403, "not_admin")


async def test_an_update_event_with_a_forged_token(scene: Scene) -> None:
    form = install_event(
        scene.a_admin,
        event="ONAPPUPDATE",
        **{"auth[access_token]": "f" * 64, "auth[application_token]": "e" * 32},
    )
    await scene.refused(scene.door.client.post("/b24/events", data=form), 401, "token_refused")


async def test_an_event_nobody_sends(scene: Scene) -> None:
    form = install_event(scene.a_admin, event="ONCRMLEADADD")
    await scene.refused(scene.door.client.post("/b24/events", data=form), 400, "unknown_event")


async def test_an_event_as_json(scene: Scene) -> None:
    send = scene.door.client.post("/b24/events", json=install_event(scene.a_admin))
    await scene.refused(send, 415, "unsupported_media_type")


# --- the status API's session -------------------------------------------------------------------


async def test_the_status_api_without_a_session(scene: Scene) -> None:
    await scene.refused(scene.door.client.get("/app/api/status"), 401, "session_refused")


async def test_the_status_api_with_a_tampered_session(scene: Scene) -> None:
    portal = await stored_portal(scene.door.database, scene.a_admin["member_id"])
    assert portal is not None
    assert portal.id is not None
    token = scene.door.ctx.sessions.issue(SessionClaims(portal.id, portal.member_id, 2, False))
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    send = scene.door.client.get("/app/api/status", headers={SESSION_HEADER: tampered})
    await scene.refused(send, 401, "session_refused")


async def test_the_status_api_with_a_session_another_deployment_signed(scene: Scene) -> None:
    portal = await stored_portal(scene.door.database, scene.b_info["member_id"])
    assert portal is not None
    assert portal.id is not None
    foreign = SessionSigner(b"another deployment's key" * 2, scene.door.ctx.clock)
    token = foreign.issue(SessionClaims(portal.id, portal.member_id, 1, True))
    send = scene.door.client.get("/app/api/status", headers={SESSION_HEADER: token})
    await scene.refused(send, 401, "session_refused")


async def test_the_status_api_with_a_session_of_a_portal_since_deleted(scene: Scene) -> None:
    gone = SessionClaims(10_000, "0" * 32, 1, True)
    token = scene.door.ctx.sessions.issue(gone)
    send = scene.door.client.get("/app/api/status", headers={SESSION_HEADER: token})
    await scene.refused(send, 401, "session_refused")


async def test_placement_options_json_is_parsed_not_echoed(scene: Scene) -> None:
    # a well-formed, hostile-looking value is accepted as data and never rendered
    options = json.dumps({"URI": "<script>alert(1)</script>"})
    response = await scene.frame(PLACEMENT="CRM_LEAD_LIST_TOOLBAR", PLACEMENT_OPTIONS=options)
    assert response.status_code == 200
    assert "<script>alert" not in response.text
