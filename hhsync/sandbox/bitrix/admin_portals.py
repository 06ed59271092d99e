"""Admin actions on portals: create one (installed, or waiting for the administrator to install
the app from the page), tokens and codes, rename, users. The app's lifecycle (uninstall,
reinstall, finish, update, events) is in :mod:`.admin_app`."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request

from hhsync.sandbox.bitrix.admin_requests import (
    AdminError,
    base_of,
    json_body,
    portal_of,
    sandbox_of,
)
from hhsync.sandbox.bitrix.frames import APP_PATH
from hhsync.sandbox.bitrix.hosting import is_browser_domain
from hhsync.sandbox.bitrix.install import (
    app_sid,
    client_endpoint,
    iframe_form,
    iframe_query,
    install_event_form,
    oauth_host,
    server_endpoint,
    token_url,
)
from hhsync.sandbox.bitrix.limits import RatePlan
from hhsync.sandbox.bitrix.oauth import AccessGrant
from hhsync.sandbox.bitrix.rest import BitrixSandbox
from hhsync.sandbox.bitrix.store import Portal, User


def portal_pages(base: str, portal: Portal) -> dict[str, str]:
    """Where a browser opens the portal's pages (its own origin when it can have one)."""
    if is_browser_domain(portal.domain):
        origin = f"http://{portal.domain}"
        return {
            "home": f"{origin}/",
            "app": f"{origin}{APP_PATH}",
            "install": f"{origin}/marketplace/install/",
            "crm": f"{origin}/crm/",
        }
    prefix = f"{base}/_sandbox/portal/{portal.domain}"
    return {
        "home": f"{prefix}/",
        "app": f"{prefix}/app",
        "install": f"{prefix}/install",
        "crm": f"{prefix}/crm",
    }


def portal_info(request: Request, sandbox: BitrixSandbox, portal: Portal) -> dict[str, Any]:
    """Endpoints and pages of a portal, with or without the app on it (no tokens)."""
    base = base_of(request)
    return {
        "domain": portal.domain,
        "member_id": portal.member_id,
        "installed": portal.installed,
        "install_finished": portal.install_finished,
        "client_endpoint": client_endpoint(base, portal),
        "server_endpoint": server_endpoint(base),
        "token_url": token_url(base),
        "client_id": sandbox.config.client_id,
        "app_url": sandbox.config.app_url,
        "install_url": sandbox.config.installer_url,
        "pages": portal_pages(base, portal),
    }


def install_info(
    request: Request, sandbox: BitrixSandbox, portal: Portal, grant: AccessGrant
) -> dict[str, Any]:
    """Tokens and endpoints of an installed portal, plus what its iframe and ONAPPINSTALL send."""
    base = base_of(request)
    lifetime = sandbox.config.access_token_lifetime_s
    return {
        **portal_info(request, sandbox, portal),
        "application_token": portal.application_token,
        "user_id": grant.user_id,
        "access_token": grant.token,
        "refresh_token": grant.refresh_token,
        "expires_in": int(lifetime),
        "expires": int(grant.expires_at),
        "scope": grant.scope,
        "app_query": iframe_query(portal, app_sid(sandbox.rng)),
        "app_form": iframe_form(base, portal, grant, lifetime),
        "install_event": install_event_form(base, portal, grant, lifetime, int(sandbox.now_s())),
    }


def _domain(request: Request, body: dict[str, Any]) -> str | None:
    """The new portal's domain: as given, or ``localhost:<this server's port>`` (browser host)."""
    if not body.get("domain_is_host"):
        domain = body.get("domain")
        if domain is not None and not isinstance(domain, str):
            raise AdminError("domain must be a string")
        return domain
    if body.get("domain"):
        raise AdminError("give domain or domain_is_host, not both")
    server = request.scope.get("server")
    if not server:
        raise AdminError("the server's own port is unknown here; give domain=localhost:PORT")
    return f"localhost:{server[1]}"


async def create_portal(request: Request) -> Any:
    """POST /_sandbox/portals: a new portal, the app installed in one step unless told not to."""
    sandbox = sandbox_of(request)
    body = await json_body(request)
    plan = RatePlan.named(str(body["plan"])) if body.get("plan") else None
    portal = sandbox.create_portal(_domain(request, body), plan, body.get("lang"))
    if body.get("installed") is False:
        # the administrator installs it from the install page, like on a real portal
        portal.installed = False
        portal.install_finished = False
        return portal_info(request, sandbox, portal)
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
    base = base_of(request)
    return {
        "code": code,
        "domain": portal.domain,
        "member_id": portal.member_id,
        "scope": sandbox.config.app_scope,
        "server_domain": oauth_host(base),
    }


async def rename(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/rename {domain}: the old domain answers 302 from now on."""
    sandbox, portal = sandbox_of(request), portal_of(request)
    body = await json_body(request)
    sandbox.rename(portal, str(body.get("domain") or ""))
    return {
        "domain": portal.domain,
        "client_endpoint": client_endpoint(base_of(request), portal),
    }


LANG_CODE = re.compile(r"^[a-z]{2}$")
"""A Bitrix24 interface language code (``ru``, ``en``, ``de``, ``ua``…)."""


async def set_lang(request: Request) -> Any:
    """POST /_sandbox/portals/{domain}/lang {lang}: the language the portal's interface speaks,
    posted to the application's frame as ``LANG`` (and in its events' ``LANGUAGE_ID``) from the
    next open on."""
    portal = portal_of(request)
    lang = (await json_body(request)).get("lang")
    if not isinstance(lang, str) or not LANG_CODE.match(lang):
        raise AdminError("lang must be a two-letter language code such as 'ru' or 'en'")
    portal.lang = lang
    return {"domain": portal.domain, "lang": portal.lang}


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
