"""Process-wide resources of the sync (HTTP pools, budgets, limiters) and per-tenant clients.

One :class:`SyncContext` per process: one bounded ``httpx.AsyncClient`` per service, the hh.ru
request budget shared by every account, and one Bitrix24 limiter per portal. It builds the client
of an account or portal with a token-persist callback that commits a refreshed pair *before* the
client uses it (hh.ru refresh tokens work once), compare-and-swapping on the stored version.
"""

from __future__ import annotations

import os
import socket
from contextvars import ContextVar
from dataclasses import dataclass, field

import httpx
from pydantic import SecretStr

from hhsync.bitrix.auth import OAuthApp, PortalTokens
from hhsync.bitrix.client import BitrixClient, make_http_client, portal_client
from hhsync.bitrix.limiter import BitrixLimits, LimiterRegistry, WaitObserver
from hhsync.clock import Clock, SystemClock
from hhsync.config import Settings
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.db.tables import HhAccount, Portal
from hhsync.db.tokens import (
    read_account_tokens,
    read_portal_tokens,
)
from hhsync.errors import Fatal
from hhsync.hh.auth import HhAuth
from hhsync.hh.auth import TokenPair as HhTokenPair
from hhsync.hh.budget import Priority, RequestBudget
from hhsync.hh.client import HhClient, new_http_client, user_agent
from hhsync.metrics import Metrics
from hhsync.model.capacity import BUDGET_HEADROOM
from hhsync.sync.account_tokens import AccountTokenStore
from hhsync.sync.crm_mode_memory import CrmModeMemory
from hhsync.sync.observe import (
    ObservedTransport,
    bitrix_error_observer,
    bitrix_observer,
    hh_observer,
    pooled_transport,
)
from hhsync.sync.portal_tokens import portal_token_store

HH_BUDGET_HEADROOM = BUDGET_HEADROOM
"""The budget paces slightly below hh.ru's limit (:data:`hhsync.model.capacity.BUDGET_HEADROOM`)."""


class TokenRaceLost(Fatal):
    """Another worker stored a newer token pair first; this pass must stop and reload."""


@dataclass
class RequestCounts:
    """Requests sent during one pass (counted by HTTP hooks inside the pass's task context)."""

    hh: int = 0
    bitrix: int = 0


_COUNTS: ContextVar[RequestCounts | None] = ContextVar("hhsync_request_counts", default=None)


def start_counting() -> RequestCounts:
    """Count the requests the current task (a pass) sends from now on."""
    counts = RequestCounts()
    _COUNTS.set(counts)
    return counts


async def _count_hh(_: httpx.Request) -> None:
    counts = _COUNTS.get()
    if counts is not None:
        counts.hh += 1


async def _count_bitrix(_: httpx.Request) -> None:
    counts = _COUNTS.get()
    if counts is not None:
        counts.bitrix += 1


def bitrix_limiters(
    settings: Settings, clock: Clock, on_wait: WaitObserver | None = None
) -> LimiterRegistry:
    """The process's Bitrix24 limiters: one per portal, for the passes and the web app alike."""
    limits = BitrixLimits(
        requests_per_s=settings.bitrix.requests_per_s,
        burst=settings.bitrix.burst,
        # in-flight requests are what can overflow the portal's bucket beyond ours
        max_in_flight=settings.bitrix.max_connections_per_portal,
    )
    return LimiterRegistry(limits, clock=clock, on_wait=on_wait)


def hh_budget(
    settings: Settings, clock: Clock, on_wait: WaitObserver | None = None
) -> RequestBudget:
    """The process's one hh.ru request budget (hh.ru limits per client IP): the passes and the
    web app's login calls draw from it alike."""
    return RequestBudget(
        settings.hh.requests_per_s * HH_BUDGET_HEADROOM, clock=clock, on_wait=on_wait
    )


def _local_address(settings: Settings) -> str | None:
    """Where hh.ru connections leave from (``hh.local_address``), or the system's choice."""
    address = settings.hh.local_address
    return None if address is None else str(address)


def default_instance_id() -> str:
    """``host:pid``: names the lease owner and the sync runs of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class SyncContext:
    """Everything a pass needs besides the portal id."""

    settings: Settings
    database: Database
    cipher: TokenCipher
    clock: Clock
    hh_http: httpx.AsyncClient
    budget: RequestBudget
    bitrix_http: httpx.AsyncClient
    limiters: LimiterRegistry
    instance_id: str
    metrics: Metrics = field(default_factory=Metrics)
    """Requests, errors and rate-limit waits of every pass in this process (``/metrics``)."""
    prepared_portals: set[tuple[int, str]] = field(default_factory=set)
    """(portal, entity type) whose user fields were checked by this process."""
    crm_modes: CrmModeMemory = field(default_factory=CrmModeMemory)
    """Each portal's CRM mode as last heard (a lead write checks it, :mod:`.crm_mode_memory`)."""

    @classmethod
    def create(
        cls,
        settings: Settings,
        database: Database,
        cipher: TokenCipher,
        *,
        clock: Clock | None = None,
        instance_id: str | None = None,
        metrics: Metrics | None = None,
    ) -> SyncContext:
        """Open the process's HTTP pools and budgets from the settings."""
        clock = clock or SystemClock()
        metrics = metrics or Metrics()
        hh_http = new_http_client(
            base_url=str(settings.hh.api_url).rstrip("/"),
            user_agent=user_agent(settings.hh.user_agent_contact),
            timeout_s=settings.hh.request_timeout_s,
            transport=ObservedTransport(
                pooled_transport(settings.hh.max_connections, _local_address(settings)),
                hh_observer(metrics),
            ),
        )
        hh_http.event_hooks["request"].append(_count_hh)
        bitrix_connections = (
            settings.bitrix.max_connections_per_portal * settings.sync.max_concurrent_passes
        )
        bitrix_http = make_http_client(
            timeout_s=settings.bitrix.request_timeout_s,
            transport=ObservedTransport(
                pooled_transport(bitrix_connections), bitrix_observer(metrics)
            ),
        )
        bitrix_http.event_hooks["request"].append(_count_bitrix)
        budget = hh_budget(
            settings, clock, on_wait=lambda seconds: metrics.rate_limit_waited("hh", seconds)
        )
        limiters = bitrix_limiters(
            settings, clock, on_wait=lambda seconds: metrics.rate_limit_waited("bitrix", seconds)
        )
        return cls(
            settings=settings,
            database=database,
            cipher=cipher,
            clock=clock,
            hh_http=hh_http,
            budget=budget,
            bitrix_http=bitrix_http,
            limiters=limiters,
            instance_id=instance_id or default_instance_id(),
            metrics=metrics,
        )

    async def aclose(self) -> None:
        """Close the HTTP pools."""
        await self.hh_http.aclose()
        await self.bitrix_http.aclose()

    @property
    def hh_token_url(self) -> str:
        """hh.ru's token endpoint (``POST /token`` on the API host)."""
        return str(self.settings.hh.api_url).rstrip("/") + "/token"

    def hh_client(self, account: HhAccount, priority: Priority = Priority.INCREMENTAL) -> HhClient:
        """The account's hh.ru client; refreshed tokens are committed before they are used, and a
        pair another client stored meanwhile is adopted rather than refreshed again."""
        if account.id is None:
            raise ValueError("the account must be stored before it is polled")
        stored = read_account_tokens(account, self.cipher)
        portal_id, account_id = account.portal_id, account.id
        store = AccountTokenStore(
            self.database,
            self.cipher,
            self.clock,
            portal_id,
            account_id,
            stored.version,
            race_lost=lambda: TokenRaceLost(
                f"hh.ru account {account_id}: another worker refreshed the tokens first"
            ),
        )
        auth = HhAuth(
            HhTokenPair(stored.access_token, stored.refresh_token, stored.access_expires_at),
            token_url=self.hh_token_url,
            user_agent=user_agent(self.settings.hh.user_agent_contact),
            persist=store.persist,
            clock=self.clock,
            reload=store.reload,
        )
        return HhClient(
            self.hh_http,
            auth=auth,
            budget=self.budget,
            account_key=f"{portal_id}:{account_id}",
            priority=priority,
        )

    def bitrix_client(self, portal: Portal) -> BitrixClient:
        """The portal's Bitrix24 client, sharing the portal's limiter with every other task."""
        if portal.id is None:
            raise ValueError("the portal must be stored before it is synced")
        stored = read_portal_tokens(portal, self.cipher)
        portal_id = portal.id
        secret = self.settings.bitrix.client_secret or SecretStr("")
        store = portal_token_store(
            self.database,
            self.cipher,
            self.clock,
            portal_id=portal_id,
            version=stored.version,
            race_lost=lambda: TokenRaceLost(
                f"portal {portal_id}: another worker refreshed the tokens first"
            ),
        )

        app = OAuthApp(
            client_id=self.settings.bitrix.client_id,
            client_secret=secret,
            token_url=OAuthApp.token_url_from_server_endpoint(portal.server_endpoint),
        )
        tokens = PortalTokens(
            SecretStr(stored.access_token),
            SecretStr(stored.refresh_token),
            portal.client_endpoint,
            portal.member_id,
        )
        return portal_client(
            self.bitrix_http,
            tokens,
            app,
            store.persist,
            self.limiters.for_portal(portal.member_id),
            on_error=bitrix_error_observer(self.metrics),
            write_timeout_s=self.settings.bitrix.request_timeout_s,
            reload=store.reload,
        )
