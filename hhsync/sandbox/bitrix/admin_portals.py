"""Admin actions on a portal's installation: create one, tokens and codes, uninstall and
reinstall (with their events), rename, users."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.requests import Request

from hhsync.sandbox.bitrix.admin_requests import AdminError, json_body, portal_of, sandbox_of
from hhsync.sandbox.bitrix.http import base_url
from hhsync.sandbox.bitrix.install import (
    app_sid,
    client_endpoint,
    iframe_form,
    iframe_query,
    install_event_form,
    oauth_host,
    server_endpoint,
    token_url,
    uninstall_event_form,
)
from hhsync.sandbox.bitrix.limits import RatePlan
from hhsync.sandbox.bitrix.oauth import AccessGrant
from hhsync.sandbox.bitrix.rest import BitrixSandbox
from hhsync.sandbox.bitrix.store import Portal, User


def install_info(
    request: Request, sandbox: BitrixSandbox, portal: Portal, grant: AccessGrant
) -> dict[str, Any]:
    """Tokens and endpoints of an installed portal, plus what its iframe and ONAPPINSTALL send."""
    base = base_url(request, sandbox.config.public_url)
    lifetime = sandbox.config.access_token_lifetime_s
    return {
        "domain": portal.domain,
        "member_id": portal.member_id,
        "application_token": portal.application_token,
        "user_id": grant.user_id,
        "access_token": grant.token,
        "refresh_token": grant.refresh_token,
        "expires_in": int(lifetime),
        "expires": int(grant.expires_at),
        "scope": grant.scope,
        "client_endpoint": client_endpoint(base, portal),
        "server_endpoint": server_endpoint(base),
        "token_url": token_url(base),
        "client_id": sandbox.config.client_id,
        "app_url": sandbox.config.app_url,
        "app_query": iframe_query(portal, app_sid(sandbox.rng)),
        "app_form": iframe_form(base, portal, grant, lifetime),
        "install_event": install_event_form(base, portal, grant, lifetime, int(sandbox.now_s())),
    }


async def create_portal(request: Request) -> Any:
    """POST /_sandbox/portals: a new portal with the app installed, in one step."""
    sandbox = sandbox_of(request)
    body = await json_body(request)
    plan = RatePlan.named(str(body["plan"])) if body.get("plan") else None
    portal = sandbox.create_portal(body.get("domain"), plan, body.get("lang"))
    if body.get("install_finished") is False:
        portal.install_finished = False
    grant = sandbox.issue_tokens(portal, int(body.get("user_id", 1)))
    return install_info(request, sandbox, portal, grant)


async def issue_tokens(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/tokens {user_id}: a pair as if that user opened the app."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    body = await json_body(request)
    grant = sandbox.issue_tokens(portal, int(body.get("user_id", 1)))
    return install_info(request, sandbox, portal, grant)


async def issue_code(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/code {user_id}: an authorization code (lives 30 s)."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    body = await json_body(request)
    user_id = int(body.get("user_id", 1))
    if user_id not in portal.users:
        raise AdminError(f"no user {user_id}")
    code = sandbox.tokens.issue_code(
        portal.domain, user_id, sandbox.config.app_scope, sandbox.now_s()
    )
    base = base_url(request, sandbox.config.public_url)
    return {
        "code": code,
        "domain": portal.domain,
        "member_id": portal.member_id,
        "scope": sandbox.config.app_scope,
        "server_domain": oauth_host(base),
    }


async def _post_event(url: str, form: dict[str, str]) -> int:
    async with httpx.AsyncClient(timeout=10.0) as client:
        response = await client.post(url, data=form)
        return response.status_code


async def uninstall(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/uninstall {handler_url?, clean?}: tokens die."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    body = await json_body(request)
    bound = sandbox.uninstall(portal)
    handlers = [str(body["handler_url"])] if body.get("handler_url") else bound
    form = uninstall_event_form(
        base_url(request, sandbox.config.public_url),
        portal,
        bool(body.get("clean", False)),
        int(sandbox.now_s()),
    )
    statuses: dict[str, int | str] = {}
    for handler in handlers:
        try:
            statuses[handler] = await _post_event(handler, form)
        except httpx.HTTPError as error:
            # the portal never retries an event: a handler that is down just misses it
            statuses[handler] = f"failed: {error.__class__.__name__}"
    return {"installed": False, "handler_statuses": statuses}


async def reinstall(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/reinstall: install again, with a fresh token pair."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    body = await json_body(request)
    sandbox.reinstall(portal)
    grant = sandbox.issue_tokens(portal, int(body.get("user_id", 1)))
    return install_info(request, sandbox, portal, grant)


async def install_finish(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/install-finish: what ``BX24.installFinish()`` does."""
    portal = portal_of(request)
    portal.install_finished = True
    return {"install_finished": True}


async def send_install_event(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/install-event {handler_url, user_id?}: POST ONAPPINSTALL."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    body = await json_body(request)
    if not body.get("handler_url"):
        raise AdminError("handler_url is required")
    grant = sandbox.issue_tokens(portal, int(body.get("user_id", 1)))
    info = install_info(request, sandbox, portal, grant)
    info["handler_status"] = await _post_event(str(body["handler_url"]), info["install_event"])
    return info


async def rename(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/rename {domain}: the old domain answers 302 from now on."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    body = await json_body(request)
    sandbox.rename(portal, str(body.get("domain") or ""))
    return {
        "domain": portal.domain,
        "client_endpoint": client_endpoint(base_url(request, sandbox.config.public_url), portal),
    }


async def users(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/users {id?, name, last_name, admin, active}: add/change."""
    portal = portal_of(request)
    body = await json_body(request)
    user_id = int(body.get("id") or max(portal.users) + 1)
    current = portal.users.get(user_id)
    user = User(
        id=user_id,
        name=str(body.get("name", current.name if current else "Новый")),
        last_name=str(body.get("last_name", current.last_name if current else "Сотрудник")),
        email=str(body.get("email", current.email if current else f"user{user_id}@example.ru")),
        admin=bool(body.get("admin", current.admin if current else False)),
        active=bool(body.get("active", current.active if current else True)),
    )
    # a deactivated user's tokens stay valid tokens; calls fail with authorization_error
    portal.users[user_id] = user
    return user.__dict__ | {"departments": list(user.departments)}
