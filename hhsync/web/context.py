"""What every page and callback of the app needs, built once per daemon process."""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field

import httpx

from hhsync.bitrix.limiter import LimiterRegistry
from hhsync.clock import Clock, SystemClock
from hhsync.config import Settings
from hhsync.db.crypto import TokenCipher
from hhsync.db.session import Database
from hhsync.hh.budget import RequestBudget
from hhsync.sync.context import bitrix_limiters, hh_budget
from hhsync.web.session import SessionSigner


@dataclass
class WebContext:
    """Settings, storage and the outbound HTTP client of the app's routes.

    ``http`` talks to Bitrix24's OAuth server (``app.info``, token exchange) and to hh.ru (code
    exchange, ``/me``, revocation); it is the daemon's, closed with it. ``limiters`` are the
    process's Bitrix24 limiters, the passes' own (``shared_limiters``, from the runner): a
    portal's bucket is one, whoever calls it. ``hh_budget`` is likewise the process's hh.ru
    request budget (``shared_hh_budget``, the passes' own): hh.ru limits per client IP, so the
    login's calls queue with the passes' (ahead of them). A web app built alone gets its own.
    """

    settings: Settings
    database: Database
    cipher: TokenCipher
    http: httpx.AsyncClient
    clock: Clock = field(default_factory=SystemClock)
    shared_limiters: InitVar[LimiterRegistry | None] = None
    shared_hh_budget: InitVar[RequestBudget | None] = None
    sessions: SessionSigner = field(init=False)
    limiters: LimiterRegistry = field(init=False)
    hh_budget: RequestBudget = field(init=False)

    def __post_init__(
        self, shared_limiters: LimiterRegistry | None, shared_hh_budget: RequestBudget | None
    ) -> None:
        self.sessions = SessionSigner(self.signing_key("session"), self.clock)
        self.limiters = shared_limiters or bitrix_limiters(self.settings, self.clock)
        self.hh_budget = shared_hh_budget or hh_budget(self.settings, self.clock)

    def signing_key(self, purpose: str) -> bytes:
        """The key signing values for ``purpose``: from ``security.state_signing_key`` when set,
        else derived from the token key, so a deployment configures one secret."""
        configured = self.settings.security.state_signing_key
        if configured is not None:
            return TokenCipher.derive_from_secret(configured.get_secret_value(), purpose)
        return self.cipher.derive_key(purpose)

    @property
    def public_url(self) -> str:
        """The base URL Bitrix24 and hh.ru reach the app at, without a trailing slash."""
        return str(self.settings.web.public_url).rstrip("/")
