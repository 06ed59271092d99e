"""``POST /b24/events``: the app's lifecycle events, each proven before it changes anything.

Bitrix24 posts events as forms with bracketed keys (``auth[member_id]``; Bitrix24 REST docs,
api-reference/common/events) and never retries one.

* ``ONAPPUNINSTALL`` carries no token to ask about (the app is already gone): the stored
  ``application_token`` of that ``member_id``, compared in constant time, is the only proof
  (api-reference/events/safe-event-handlers.md). Every user's frame carries that token, so the
  portal must also have stopped accepting the stored tokens (:mod:`.departure`). Accepted, the
  portal is marked uninstalled and its tokens wiped, so polling stops; with ``data[CLEAN]=1``
  (the admin ticked "delete app data") the portal and every row of it are deleted.
* ``ONAPPINSTALL`` carries the installer's tokens. They are proven with ``app.info`` on a trusted
  OAuth server and must be an administrator's; then a portal we lack (or lost) is stored. It may
  come late or never, so the installer page stores the same tokens too, and a repeated event is
  a no-op.
* ``ONAPPUPDATE`` carries a new ``application_token``; after the same proof it replaces the
  stored one.
"""

from __future__ import annotations

import hmac
from typing import Final

from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hhsync.db import portals
from hhsync.db.tables import PortalStatus
from hhsync.errors import DatabaseError, TokenDecryptError
from hhsync.log import get_logger
from hhsync.web.bitrix_door.context import DoorContext
from hhsync.web.bitrix_door.departure import app_still_installed
from hhsync.web.bitrix_door.forms import read_form, section
from hhsync.web.bitrix_door.frame import (
    MEMBER_ID,
    application_token,
    lifetime_s,
    token_field,
)
from hhsync.web.bitrix_door.installing import Grant, store_grant
from hhsync.web.bitrix_door.opening import user_is_admin
from hhsync.web.bitrix_door.proof import check_claim, prove_token
from hhsync.web.bitrix_door.refusals import Refusal, bad_request
from hhsync.web.bitrix_door.render import NO_STORE, refusal_json
from hhsync.web.bitrix_door.servers import trusted_server

RESTORABLE: Final = frozenset({PortalStatus.UNINSTALLED, PortalStatus.NEEDS_REAUTH})
"""A portal ONAPPINSTALL (or an administrator's open) may store tokens for again."""

log = get_logger(__name__)


def _answer(result: str) -> JSONResponse:
    return JSONResponse({"result": result}, headers=NO_STORE)


async def events_endpoint(door: DoorContext, request: Request) -> Response:
    """The event handler's route."""
    member_id: str | None = None
    try:
        form = await read_form(request)
        member_id = section(form, "auth").get("member_id")
        return await handle_event(door, form)
    except Refusal as refusal:
        known = member_id if member_id and MEMBER_ID.fullmatch(member_id) else None
        return refusal_json(request, refusal, known)
    except (DatabaseError, TokenDecryptError) as exc:
        return refusal_json(request, Refusal(503, "storage_unavailable", type(exc).__name__))


async def handle_event(door: DoorContext, form: dict[str, str]) -> JSONResponse:
    """One event form (also what an API-only install posts to the installer URL)."""
    event = form.get("event", "").upper()
    auth = section(form, "auth")
    member_id = auth.get("member_id", "")
    if not MEMBER_ID.fullmatch(member_id):
        raise bad_request("bad_member_id")
    if event == "ONAPPUNINSTALL":
        return await _uninstalled(door, member_id, auth, section(form, "data"))
    if event == "ONAPPINSTALL":
        return await _installed(door, member_id, auth)
    if event == "ONAPPUPDATE":
        return await _updated(door, member_id, auth)
    raise bad_request("unknown_event", event[:40])


async def _uninstalled(
    door: DoorContext, member_id: str, auth: dict[str, str], data: dict[str, str]
) -> JSONResponse:
    web = door.web
    posted = auth.get("application_token", "").encode()
    async with web.database.session() as session:
        portal = await portals.get_portal_by_member_id(session, member_id)
    stored = (
        web.cipher.decrypt(portal.application_token_enc)
        if portal is not None and portal.application_token_enc
        else None
    )
    # Unknown portal, wiped token or a wrong one: the same answer, so it tells nothing.
    if portal is None or portal.id is None or stored is None:
        raise Refusal(401, "application_token_mismatch", "no stored token for this portal")
    if not hmac.compare_digest(stored.encode(), posted):
        raise Refusal(401, "application_token_mismatch")
    # Every user of the portal sees the application token: only dead tokens prove the uninstall.
    if await app_still_installed(door, portal):
        raise Refusal(403, "app_still_installed")
    clean = data.get("CLEAN", "0") == "1"
    async with web.database.session() as session:
        if clean:
            await portals.delete_portal(session, portal.id)
        else:
            await portals.uninstall_portal(session, portal.id, web.clock.now())
    door.proofs.forget_member(member_id)
    log.warning("b24.app_uninstalled", portal=portal.id, member_id=member_id, data_deleted=clean)
    return _answer("deleted" if clean else "uninstalled")


async def _proven(
    door: DoorContext, member_id: str, auth: dict[str, str], *, with_refresh: bool
) -> Grant:
    """An event's ``auth[...]`` tokens, proven like an app-page open (steps 2 and 3)."""
    web = door.web
    access = token_field(auth, "access_token", required=True) or SecretStr("")
    refresh = token_field(auth, "refresh_token", required=with_refresh) or SecretStr("")
    server = trusted_server(auth.get("server_endpoint", ""), web.settings.bitrix.oauth_servers)
    expires_s = lifetime_s(auth.get("expires_in", ""))
    app_token = application_token(auth.get("application_token", ""))
    proven = await prove_token(web.http, door.proofs, server, access, web.clock.now(), expires_s)
    domain = auth.get("domain", "").strip().lower()
    check_claim(proven, client_id=web.settings.bitrix.client_id, member_id=member_id, domain=domain)
    return Grant(server, proven, access, refresh, expires_s, app_token)


async def _installed(door: DoorContext, member_id: str, auth: dict[str, str]) -> JSONResponse:
    grant = await _proven(door, member_id, auth, with_refresh=True)
    async with door.web.database.session() as session:
        portal = await portals.get_portal_by_member_id(session, member_id)
    if portal is not None and portal.status not in RESTORABLE:
        return _answer("already_installed")
    if not await user_is_admin(door, grant.server, grant.proven, grant.access_token):
        raise Refusal(403, "not_admin")
    stored, existed = await store_grant(door, grant)
    log.info("b24.install_event_stored", portal=stored.id, member_id=member_id, again=existed)
    return _answer("installed")


async def _updated(door: DoorContext, member_id: str, auth: dict[str, str]) -> JSONResponse:
    if not auth.get("application_token"):
        raise bad_request("bad_application_token", "missing")
    grant = await _proven(door, member_id, auth, with_refresh=False)
    if grant.application_token is None:
        raise bad_request("bad_application_token", "missing")
    web = door.web
    async with web.database.session() as session:
        portal = await portals.get_portal_by_member_id(session, member_id)
        if portal is None or portal.id is None:
            raise Refusal(404, "unknown_portal")
        await portals.set_application_token(
            session,
            web.cipher,
            portal.id,
            grant.application_token.get_secret_value(),
            web.clock.now(),
        )
    log.info("b24.app_updated", portal=portal.id, member_id=member_id)
    return _answer("updated")
