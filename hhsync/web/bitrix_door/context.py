"""What the door's routes share: the app's web context, the ``app.info`` cache, the process's
Bitrix24 limiters and the URLs the portal is told about (all derived from ``web.public_url``)."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass, field
from typing import Final

from pydantic import SecretStr

from hhsync.bitrix.auth import OAuthApp, PersistTokens, PortalTokens, ReloadTokens
from hhsync.bitrix.client import BitrixClient, portal_client
from hhsync.bitrix.limiter import LimiterRegistry
from hhsync.bitrix.rest import RetryPolicy
from hhsync.web.bitrix_door.proof import AppInfoCache
from hhsync.web.bitrix_door.servers import OAuthServer
from hhsync.web.context import WebContext

INSTALL_PATH: Final = "/b24/install"
APP_PATH: Final = "/b24/app"
EVENTS_PATH: Final = "/b24/events"
STATUS_API_PATH: Final = "/app/api/status"
DOOR_RETRY: Final = RetryPolicy(attempts=3, total_s=10.0, initial_wait_s=0.5, max_wait_s=2.0)
"""A person waits for the page: a few quick retries, never the engine's two minutes."""


@dataclass
class DoorContext:
    """One per daemon process, built by :func:`hhsync.web.bitrix_door.bitrix_door_routes`."""

    web: WebContext
    proofs: AppInfoCache = field(default_factory=AppInfoCache)
    _installing: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )

    @property
    def limiters(self) -> LimiterRegistry:
        """The process's limiters (the passes' own): every door context of the app shares them."""
        return self.web.limiters

    def install_lock(self, member_id: str) -> asyncio.Lock:
        """One install of a portal at a time in this process: its bindings are read, then
        added, so two runs at once (a double click, a late ONAPPINSTALL) must not interleave."""
        lock = self._installing.get(member_id)
        if lock is None:
            lock = self._installing[member_id] = asyncio.Lock()
        return lock

    def url(self, path: str) -> str:
        """``web.public_url`` + ``path``."""
        return self.web.public_url + path

    @property
    def static_url(self) -> str:
        """Where the vendored SDK and the pages' scripts are served."""
        return self.url("/static")

    def portal_client(
        self,
        server: OAuthServer,
        client_endpoint: str,
        member_id: str,
        access_token: SecretStr,
        refresh_token: SecretStr | None,
        persist: PersistTokens,
        reload: ReloadTokens | None = None,
    ) -> BitrixClient:
        """A client on ``client_endpoint`` (from ``app.info``, never from a request).

        A refresh, if the token expires mid-request, goes to the trusted ``server`` only;
        ``reload`` reads back the stored pair of a stored portal (a visitor's tokens have none).
        """
        bitrix = self.web.settings.bitrix
        app = OAuthApp(
            client_id=bitrix.client_id,
            client_secret=bitrix.client_secret or SecretStr(""),
            token_url=f"{server.root}/oauth/token/",
        )
        tokens = PortalTokens(
            access_token, refresh_token or SecretStr(""), client_endpoint, member_id
        )
        return portal_client(
            self.web.http,
            tokens,
            app,
            persist,
            self.limiters.for_portal(member_id),
            retry=DOOR_RETRY,
            write_timeout_s=bitrix.request_timeout_s,
            reload=reload,
        )


async def keep_nothing(_tokens: PortalTokens) -> None:
    """The persist callback of a visitor's own tokens: they are not stored."""
