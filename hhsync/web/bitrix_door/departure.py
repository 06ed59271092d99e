"""Whether an ONAPPUNINSTALL is real: the app is gone only if the portal stopped answering it.

The application token that proves an uninstall event is no secret among the portal's users:
Bitrix24 posts it into every user's app frame and every other event (Bitrix24 REST docs,
settings/oauth/simple-way.md, api-reference/events). Any employee could post ONAPPUNINSTALL with
``data[CLEAN]=1`` and have every row of the portal deleted. A real uninstall kills every token of
the app first ("after uninstall all tokens are dead"), so the portal is asked ``app.info`` with
the stored pair: an answer means the app is still installed and the event is forged; a refused
token (or no usable stored pair) means it is gone. A portal that cannot be asked right now
decides nothing: the event is refused, and a real uninstall shows up in the next pass anyway
(:func:`hhsync.sync.engine.parked_status`).
"""

from __future__ import annotations

from hhsync.bitrix.errors import (
    ExpiredToken,
    PermissionDenied,
    PortalUnavailable,
    TokenRejected,
)
from hhsync.db.tables import Portal
from hhsync.errors import HhsyncError, TokenDecryptError
from hhsync.web.bitrix_door.context import DoorContext
from hhsync.web.bitrix_door.installing import stored_client
from hhsync.web.bitrix_door.refusals import Refusal
from hhsync.web.bitrix_door.servers import trusted_server


async def app_still_installed(door: DoorContext, portal: Portal) -> bool:
    """True when the portal still accepts the app's stored tokens.

    Raises:
        Refusal: 503 when the portal (or its OAuth server) cannot tell right now.
    """
    if not portal.access_token_enc or not portal.refresh_token_enc:
        return False
    try:
        server = trusted_server(portal.server_endpoint, door.web.settings.bitrix.oauth_servers)
        client = stored_client(door, portal, server)
        await client.app_info()
    except PermissionDenied:
        return True  # the portal knows the token: the app is there
    except (TokenRejected, ExpiredToken, PortalUnavailable, TokenDecryptError):
        return False
    except HhsyncError as exc:
        raise Refusal(503, "portal_unavailable", type(exc).__name__) from exc
    return True
