"""Settings of the Bitrix24 sandbox; every limit and lifetime is in *sandbox* seconds.

Sandbox time runs ``speed`` times faster than the wall clock (:class:`ScaledClock`), so with
``speed=20`` a 2 req/s bucket drains 40 req/s of wall time and an access token lives 3 minutes:
every ratio between limits stays the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hhsync.clock import Clock


@dataclass
class BitrixSandboxConfig:
    """Everything the Bitrix24 sandbox can be told; defaults match a standard cloud plan."""

    seed: int = 1
    """Seed of every random choice (tokens, ids of portals, fault rates)."""
    speed: float = 1.0
    """Time scale: sandbox seconds per wall-clock second."""
    base_clock: Clock | None = None
    """Clock under the time scale (tests pass a FrozenClock and advance it)."""
    drain_per_s: float = 2.0
    """Leaky bucket drain, requests per sandbox second (Enterprise: 5)."""
    burst: float = 50.0
    """Leaky bucket capacity, requests (Enterprise: 250)."""
    count_rejected_requests: bool = True
    """Whether a request refused with QUERY_LIMIT_EXCEEDED still fills the bucket."""
    operating_limit_s: float = 480.0
    """Method time allowed per method in a sliding 10 minutes."""
    cost_profile: str = "light"
    """Method time of every portal (:mod:`cost_profiles`): ``light`` (a fast portal, the default
    so that tests and the demo stay quick) or ``documented`` (the docs' examples' figures)."""
    method_costs: dict[str, float] = field(default_factory=dict)
    """Fixed method time per method name, overriding the profile (whatever the request size)."""
    request_cutoff_s: float = 60.0
    """Wall time a request may take before the front end answers 504 (limits.md: 60 s)."""
    real_latency: bool = False
    """Whether a request takes its method time on the (scaled) clock before it is answered.
    On for ``hhsync sandbox``/``demo``, the engine's test world and the benchmark; off by default
    so that the many tests running a sandbox at speed 1 do not wait; never with ``base_clock``
    (tests that drive time themselves). The booked time and the 60 s cut-off apply either way."""
    access_token_lifetime_s: float = 3600.0
    """Access token lifetime (1 hour on Bitrix24)."""
    refresh_token_lifetime_s: float = 28 * 86400.0
    """Refresh token lifetime: 28 days, the stricter of the documented values (180 days)."""
    client_id: str = "hhsync-demo-b24"
    """The application's client_id the OAuth endpoint accepts."""
    client_secret: str = "hhsync-demo-b24-secret"  # noqa: S105 - the demo app's public secret
    """The application's client_secret."""
    app_scope: str = "crm,user,placement"
    """Scopes granted to the application's tokens."""
    app_url: str = "http://127.0.0.1:8080/b24/app"
    """The hhsync handler the portal opens in its iframe (POST with AUTH_ID…)."""
    install_url: str | None = None
    """The installer ("initial installation path") the portal opens for an administrator, with
    the same POST, until the frame calls ``installFinish``; None = ``app_url``."""
    install_handler_url: str | None = None
    """The app's own "installation event handler URL": ONAPPINSTALL goes there (as well as to the
    handlers bound with ``event.bind``) once the installation is finished; None = only those."""
    public_url: str | None = None
    """Base URL the sandbox tells clients (client_endpoint…); None = the request's own base."""
    demo_portals: tuple[str, ...] = ("demo.bitrix24.ru",)
    """Portals created (and the app installed on them) at start-up."""
    utc_offset_h: float = 3.0
    """Portal time zone offset used in every date it prints (Moscow)."""
    lang: str = "ru"
    """Portal language."""
    max_batch_commands: int = 50
    """Commands allowed in one ``batch``."""

    @property
    def installer_url(self) -> str:
        """The URL the portal opens while the application is being installed."""
        return self.install_url or self.app_url
