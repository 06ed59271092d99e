"""OAuth and install lifecycle: token expiry, single-use rotating refresh, codes, uninstall."""

from __future__ import annotations

from typing import Any

import httpx
from b24_sandbox_testkit import PortalHandle, example, shape_errors

from hhsync.sandbox.bitrix.params import parse_php_pairs

SECRET = {"client_id": "hhsync-demo-b24", "client_secret": "hhsync-demo-b24-secret"}


async def refresh(client: httpx.AsyncClient, refresh_token: str, **extra: str) -> httpx.Response:
    params = {"grant_type": "refresh_token", **SECRET, "refresh_token": refresh_token, **extra}
    return await client.get("/oauth/token/", params=params)


async def test_access_token_works_for_exactly_one_hour(portal: PortalHandle) -> None:
    portal.clock.advance(3599)
    assert (await portal.call("user.current")).status_code == 200
    portal.clock.advance(1)
    expired = await portal.call("user.current")
    assert expired.status_code == 401
    assert expired.json()["error"] == "expired_token"


async def test_refresh_rotates_and_kills_the_old_pair(portal: PortalHandle) -> None:
    first = await refresh(portal.client, portal.info["refresh_token"])
    assert first.status_code == 200
    body = first.json()
    assert shape_errors(example("oauth.token.refresh_token.response.json"), body) == []
    assert set(body) == set(example("oauth.token.refresh_token.response.json"))
    assert body["client_endpoint"] == portal.endpoint
    assert body["member_id"] == portal.info["member_id"]
    assert body["domain"] == "b24.sandbox"  # the OAuth server's host, not the portal's
    assert body["expires_in"] == 3600
    assert body["user_id"] == 1
    # the used refresh token and the access token issued with it are dead now
    reused = await refresh(portal.client, portal.info["refresh_token"])
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    old = await portal.call("user.current")
    assert (old.status_code, old.json()["error"]) == (401, "invalid_token")
    new = await portal.call("user.current", token=body["access_token"])
    assert new.status_code == 200


async def test_refresh_by_post_form_works_like_get(portal: PortalHandle) -> None:
    response = await portal.client.post(
        "/oauth/token/",
        data={
            "grant_type": "refresh_token",
            **SECRET,
            "refresh_token": portal.info["refresh_token"],
        },
    )
    assert response.status_code == 200
    assert len(response.json()["access_token"]) >= 32


async def test_refresh_with_a_wrong_secret_is_invalid_client(portal: PortalHandle) -> None:
    response = await refresh(portal.client, portal.info["refresh_token"], client_secret="nope")
    assert (response.status_code, response.json()["error"]) == (400, "invalid_client")
    # and the refresh token was not consumed by the failed attempt
    assert (await refresh(portal.client, portal.info["refresh_token"])).status_code == 200


async def test_refresh_token_expires_after_28_days(portal: PortalHandle) -> None:
    portal.clock.advance(28 * 86400)
    response = await refresh(portal.client, portal.info["refresh_token"])
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


async def test_authorization_code_lives_30_seconds_and_is_single_use(portal: PortalHandle) -> None:
    code = (await portal.admin("/code", {"user_id": 1}))["code"]
    params: dict[str, Any] = {"grant_type": "authorization_code", **SECRET, "code": code}
    exchanged = await portal.client.get("/oauth/token/", params=params)
    assert exchanged.status_code == 200
    assert set(exchanged.json()) == set(example("oauth.token.authorization_code.response.json"))
    again = await portal.client.get("/oauth/token/", params=params)
    assert again.json()["error"] == "invalid_grant"
    late = (await portal.admin("/code", {"user_id": 1}))["code"]
    portal.clock.advance(30)
    expired = await portal.client.get("/oauth/token/", params={**params, "code": late})
    assert expired.json() == {
        "error": "expired_token",
        "error_description": "The authorization token provided has expired.",
    }


async def test_uninstall_kills_every_token(portal: PortalHandle) -> None:
    await portal.admin("/uninstall")
    call = await portal.call("user.current")
    assert (call.status_code, call.json()["error"]) == (401, "ERROR_OAUTH")
    response = await refresh(portal.client, portal.info["refresh_token"])
    assert response.json()["error"] in {"invalid_client", "invalid_grant"}
    # reinstalling gives new tokens; the old ones stay dead
    fresh = await portal.admin("/reinstall")
    assert (await portal.call("user.current", token=fresh["access_token"])).status_code == 200
    assert (await portal.call("user.current")).status_code == 401


async def test_missing_and_foreign_tokens_are_refused(portal: PortalHandle) -> None:
    missing = await portal.client.post(f"{portal.endpoint}user.current.json", json={})
    assert (missing.status_code, missing.json()["error"]) == (401, "NO_AUTH_FOUND")
    other = await portal.client.post("/_sandbox/portals", json={"domain": "other.bitrix24.ru"})
    foreign = await portal.call("user.current", token=other.json()["access_token"])
    assert (foreign.status_code, foreign.json()["error"]) == (401, "invalid_token")


async def test_fired_user_cannot_authorize(portal: PortalHandle) -> None:
    tokens = await portal.admin("/tokens", {"user_id": 2})
    await portal.admin("/users", {"id": 2, "active": False})
    response = await portal.call("user.current", token=tokens["access_token"])
    assert response.json() == {
        "error": "authorization_error",
        "error_description": "Unable to authorize user",
    }
    assert response.status_code == 401


async def test_oauth_server_app_info_identifies_the_install(portal: PortalHandle) -> None:
    response = await portal.client.get("/rest/app.info", params={"auth": portal.token})
    result = response.json()["result"]
    assert result["client_id"] == "hhsync-demo-b24"
    assert result["install"]["member_id"] == portal.info["member_id"]
    assert result["install"]["domain"] == portal.domain
    assert result["install"]["client_endpoint"] == portal.endpoint


async def test_install_data_has_the_documented_fields(portal: PortalHandle) -> None:
    documented = example("app-page.post-params.DEFAULT.json")
    sent = {**portal.info["app_query"], **portal.info["app_form"]}
    assert set(sent) == set(documented) - {"_source"}
    assert sent["PLACEMENT"] == "DEFAULT"
    assert sent["AUTH_EXPIRES"] == "3600"
    assert sent["DOMAIN"] == portal.domain
    event = parse_php_pairs(portal.info["install_event"].items())
    assert shape_errors(example("event.ONAPPINSTALL.json"), event) == [
        "$.auth.expires_in: expected number, got '3600'"
    ]  # forms carry only strings
    assert event["auth"]["client_endpoint"] == portal.endpoint
    assert event["auth"]["application_token"] == portal.info["application_token"]


async def test_app_info_reports_installed_only_after_install_finish(
    client: httpx.AsyncClient,
) -> None:
    created = await client.post(
        "/_sandbox/portals", json={"domain": "wizard.bitrix24.ru", "install_finished": False}
    )
    endpoint, token = created.json()["client_endpoint"], created.json()["access_token"]
    before = await client.post(f"{endpoint}app.info", json={"auth": token})
    assert before.json()["result"]["INSTALLED"] is False
    await client.post("/_sandbox/portals/wizard.bitrix24.ru/install-finish")
    after = await client.post(f"{endpoint}app.info", json={"auth": token})
    assert after.json()["result"]["INSTALLED"] is True


async def test_bindings_need_an_administrator(portal: PortalHandle) -> None:
    manager = await portal.admin("/tokens", {"user_id": 2})
    denied = await portal.call(
        "placement.bind",
        {"PLACEMENT": "CRM_DEAL_DETAIL_TAB", "HANDLER": "http://127.0.0.1/b24/tab"},
        token=manager["access_token"],
    )
    assert (denied.status_code, denied.json()["error"]) == (403, "ACCESS_DENIED")
    empty = await portal.call("placement.bind", {"HANDLER": "http://127.0.0.1/b24/tab"})
    assert empty.json() == {
        "error": "ERROR_ARGUMENT",
        "argument": "PLACEMENT",
        "error_description": "Argument 'PLACEMENT' is null or empty",
    }
    assert (
        await portal.ok(
            "placement.bind",
            {"PLACEMENT": "CRM_DEAL_DETAIL_TAB", "HANDLER": "http://127.0.0.1/b24/tab"},
        )
        is True
    )
    assert [p["placement"] for p in await portal.ok("placement.get")] == ["CRM_DEAL_DETAIL_TAB"]
    unknown = await portal.call("event.bind", {"event": "ONSOMETHING", "handler": "http://x"})
    assert unknown.json()["error"] == "ERROR_EVENT_NOT_FOUND"


async def test_the_crm_list_toolbars_can_be_bound(portal: PortalHandle) -> None:
    # Bitrix24 REST docs, widgets/crm/list-toolbar.md: the lead and deal list toolbars
    for placement in ("CRM_LEAD_LIST_TOOLBAR", "CRM_DEAL_LIST_TOOLBAR"):
        bound = await portal.ok(
            "placement.bind", {"PLACEMENT": placement, "HANDLER": "http://127.0.0.1/b24/app"}
        )
        assert bound is True
    assert [p["placement"] for p in await portal.ok("placement.get")] == [
        "CRM_LEAD_LIST_TOOLBAR",
        "CRM_DEAL_LIST_TOOLBAR",
    ]
