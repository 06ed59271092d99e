"""A Bitrix24 client on the session portal's stored tokens, for the tab's live reads.

The REST address and the OAuth server are the ones stored at install (never from the request);
the server must still be on ``bitrix.oauth_servers``. A refreshed pair is stored before it is used,
as every portal client of hhsync does (:func:`hhsync.web.bitrix_door.installing.stored_client`).

The door's package imports the app API (its page renders the tabs), so its modules are imported
here when first called, not when this module loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hhsync.bitrix.client import BitrixClient
from hhsync.db.tables import Portal
from hhsync.web.context import WebContext

if TYPE_CHECKING:
    from hhsync.web.bitrix_door.context import DoorContext


def door_of(ctx: WebContext) -> DoorContext:
    """A door context of the tab's own, built once per route table; its Bitrix24 limiters are
    the process's (:attr:`WebContext.limiters`), so the tab and the passes share each bucket."""
    from hhsync.web.bitrix_door.context import DoorContext

    return DoorContext(ctx)


def settings_client(door: DoorContext, portal: Portal) -> BitrixClient:
    """The portal's client.

    Raises:
        Refusal: when the stored OAuth server is no longer trusted.
        TokenDecryptError: when the stored tokens cannot be read.
    """
    from hhsync.web.bitrix_door.installing import stored_client
    from hhsync.web.bitrix_door.servers import trusted_server

    server = trusted_server(portal.server_endpoint, door.web.settings.bitrix.oauth_servers)
    return stored_client(door, portal, server)
