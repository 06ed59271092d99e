"""One verified open of the app page or the installer: steps 1 to 5, every time, nothing trusted.

1. the shape of the POST (:mod:`.frame`);
2. its ``SERVER_ENDPOINT`` on ``bitrix.oauth_servers`` (:mod:`.servers`);
3. ``app.info`` with the posted ``AUTH_ID`` on that server: our client id, the posted
   ``member_id`` and ``DOMAIN``; the REST address and the user come from its answer
   (:mod:`.proof`);
4. for a portal we know, the posted ``APPLICATION_TOKEN`` equals the stored one (constant-time),
   or the opener is an administrator (a missed ONAPPUPDATE changed it: the new one is adopted);
5. ``user.admin`` on the proven REST address with the posted token decides the admin flag.

Only then may a route act. A verified domain change (the portal was renamed) and an adopted
application token are applied last, so a refused open changes nothing.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from pydantic import SecretStr
from starlette.requests import Request

from hhsync.bitrix.errors import (
    AppUninstalled,
    BitrixError,
    ExpiredToken,
    PermissionDenied,
    TokenRejected,
)
from hhsync.db import portals
from hhsync.db.crypto import TokenCipher
from hhsync.db.tables import Portal
from hhsync.web.bitrix_door.context import DoorContext, keep_nothing
from hhsync.web.bitrix_door.forms import unique_fields
from hhsync.web.bitrix_door.frame import FramePost, parse_frame
from hhsync.web.bitrix_door.proof import ProvenToken, check_claim, prove_token
from hhsync.web.bitrix_door.refusals import Refusal
from hhsync.web.bitrix_door.servers import OAuthServer, trusted_server


@dataclass(frozen=True)
class VerifiedOpen:
    """An open that passed every step."""

    post: FramePost
    server: OAuthServer
    proven: ProvenToken
    portal: Portal | None
    """The stored portal (after any verified move), None when this portal is new to us."""
    is_admin: bool


def query_fields(request: Request) -> dict[str, str]:
    """The query string as a dict; a repeated key is refused."""
    return unique_fields(request.query_params.multi_items(), "query")


async def verify_open(
    door: DoorContext, request: Request, form: dict[str, str], *, placements: frozenset[str]
) -> VerifiedOpen:
    """Steps 1-5 for one POST of the app page or installer.

    Raises:
        Refusal: at the first step that fails, with nothing written.
    """
    web = door.web
    post = parse_frame(query_fields(request), form, placements=placements)
    server = trusted_server(post.server_endpoint, web.settings.bitrix.oauth_servers)
    proven = await prove_token(
        web.http, door.proofs, server, post.auth_id, web.clock.now(), post.auth_expires_s
    )
    check_claim(
        proven,
        client_id=web.settings.bitrix.client_id,
        member_id=post.member_id,
        domain=post.domain,
    )
    async with web.database.session() as session:
        portal = await portals.get_portal_by_member_id(session, post.member_id)
    stale = portal is not None and not application_token_matches(
        portal, post.application_token, web.cipher
    )
    is_admin = await user_is_admin(door, server, proven, post.auth_id)
    if stale and not is_admin:
        raise Refusal(403, "application_token_mismatch")
    if portal is not None and portal.id is not None and (stale or _moved(portal, proven)):
        async with web.database.session() as session:
            if stale and post.application_token is not None:
                # An update's ONAPPUPDATE was missed (Bitrix24 never repeats one): the admin's
                # proven frame carries the portal's current token. Whoever is an admin could
                # uninstall the app anyway, so trusting them with it grants nothing more.
                await portals.set_application_token(
                    session,
                    web.cipher,
                    portal.id,
                    post.application_token.get_secret_value(),
                    web.clock.now(),
                )
            if _moved(portal, proven):
                await portals.move_portal(
                    session, portal.id, proven.domain, proven.client_endpoint, web.clock.now()
                )
            portal = await portals.get_portal(session, portal.id)
    return VerifiedOpen(post, server, proven, portal, is_admin)


def _moved(portal: Portal, proven: ProvenToken) -> bool:
    return portal.domain != proven.domain or portal.client_endpoint != proven.client_endpoint


def application_token_matches(
    portal: Portal, posted: SecretStr | None, cipher: TokenCipher
) -> bool:
    """Step 4: whether the posted application token is the stored one.

    Older portals post none (Bitrix24 REST docs, settings/oauth/simple-way.md); then step 3 alone
    proves the open, since the token is sent to every user's frame anyway. A mismatch is refused
    unless the opener is an administrator (see :func:`verify_open`).
    """
    if posted is None or portal.application_token_enc is None:
        return True
    stored = cipher.decrypt(portal.application_token_enc)
    return hmac.compare_digest(stored.encode(), posted.get_secret_value().encode())


async def user_is_admin(
    door: DoorContext, server: OAuthServer, proven: ProvenToken, token: SecretStr
) -> bool:
    """Step 5: ``user.admin`` for the token's user, on the REST address ``app.info`` gave.

    Raises:
        Refusal: 401 when the portal refuses the token, 403 when the app is gone from it, 502
        when it cannot be asked.
    """
    client = door.portal_client(
        server, proven.client_endpoint, proven.member_id, token, None, keep_nothing
    )
    try:
        return await client.user_admin()
    except (TokenRejected, ExpiredToken) as exc:
        raise Refusal(401, "token_refused", exc.code or "unauthorised") from exc
    except AppUninstalled as exc:
        raise Refusal(403, "app_not_installed", exc.code) from exc
    except PermissionDenied:
        return False
    except BitrixError as exc:
        raise Refusal(502, "portal_unavailable", exc.code or type(exc).__name__) from exc
