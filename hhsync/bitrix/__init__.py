"""Everything that talks to a Bitrix24 portal; nothing else in hhsync does.

Never imports ``hhsync.db`` or ``hhsync.sync``: endpoints, limits and the token-persist callback
come from the caller.
"""

from hhsync.bitrix.auth import OAuthApp, PortalTokens
from hhsync.bitrix.client import BitrixClient, make_http_client, portal_client
from hhsync.bitrix.limiter import BitrixLimits, LimiterRegistry, PortalLimiter

__all__ = [
    "BitrixClient",
    "BitrixLimits",
    "LimiterRegistry",
    "OAuthApp",
    "PortalLimiter",
    "PortalTokens",
    "make_http_client",
    "portal_client",
]
